import { gtinSymbol } from '@store-edge/drivers/gs1';
import { Type } from 'typebox';
import { symbolModules } from '../layout.js';
import { formatMoney } from '../money.js';
import {
  Amount,
  amountValue,
  Currency,
  defineTemplate,
  dotsOf,
  Gtin,
  gtin14Of,
  gtinIssues,
  moduleWidth,
} from '../template.js';

/** Small price sticker for the item itself: price and the GTIN barcode. */
export const item = defineTemplate({
  name: 'item',
  description: 'item sticker: price and GTIN barcode',
  schema: Type.Object(
    {
      gtin: Gtin,
      price: Amount,
      currency: Type.Optional(Currency),
      name: Type.Optional(Type.String({ maxLength: 120 })),
    },
    { additionalProperties: false },
  ),
  defaultSize: { widthMm: 51, heightMm: 25 },
  sample: { gtin: '036000291452', price: '1.99', name: 'Tissues 2-ply' },
  check: (d) => gtinIssues(d.gtin),
  layout(d, ctx) {
    const dots = dotsOf(ctx);
    const W = dots(ctx.widthMm);
    const H = dots(ctx.heightMm);
    const m = dots(1);
    const gtin14 = gtin14Of(d.gtin);
    const symbol = gtinSymbol(gtin14);
    const moduleDots = moduleWidth(0.33, symbolModules(symbol), W - 2 * m, ctx.dpmm);
    const topH = Math.round(H * 0.24);
    const hriH = Math.round(H * 0.1);
    const barY = m + topH + m;
    const barH = H - barY - hriH - 2 * m;
    const price = formatMoney(amountValue(d.price), d.currency ?? ctx.currency, ctx.locale);
    return {
      widthDots: W,
      heightDots: H,
      dpmm: ctx.dpmm,
      elements: [
        ...(d.name
          ? [
              {
                kind: 'text' as const,
                x: m,
                y: m,
                width: Math.round(W * 0.5),
                height: Math.round(topH * 0.5),
                maxLines: 2,
                align: 'left' as const,
                text: d.name,
              },
            ]
          : []),
        {
          kind: 'text',
          x: m,
          y: m,
          width: W - 2 * m,
          height: topH,
          maxLines: 1,
          align: 'right',
          bold: true,
          text: price,
        },
        { kind: 'barcode', x: m, y: barY, moduleDots, height: barH, symbol },
        {
          kind: 'text',
          x: m,
          y: barY + barH + m,
          width: W - 2 * m,
          height: hriH,
          maxLines: 1,
          align: 'left',
          text: d.gtin,
        },
      ],
    };
  },
});
