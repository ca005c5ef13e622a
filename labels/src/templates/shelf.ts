import { gtinSymbol } from '@store-edge/drivers/gs1';
import { Type } from 'typebox';
import type { BarcodeSymbol, LabelElement } from '../layout.js';
import { symbolModules } from '../layout.js';
import { formatMoney, formatUnitPrice } from '../money.js';
import {
  Amount,
  amountText,
  Currency,
  defineTemplate,
  dotsOf,
  Gtin,
  gtin14Of,
  gtinIssues,
  labelUnitPrice,
  moduleWidth,
  NetContentData,
  netContentIssues,
  UnitPriceData,
} from '../template.js';

/**
 * Shelf-edge label: product name, price, the unit price EU law asks for (Directive 98/6/EC),
 * and the item's barcode (EAN-13/UPC-A from the GTIN, else Code 128 of the sku).
 */
export const shelf = defineTemplate({
  name: 'shelf',
  description: 'shelf-edge price label: name, price, unit price, barcode',
  schema: Type.Object(
    {
      sku: Type.String({ minLength: 1, maxLength: 48, pattern: '^[\\x20-\\x7E]+$' }),
      name: Type.String({ minLength: 1, maxLength: 200 }),
      gtin: Type.Optional(Gtin),
      price: Amount,
      currency: Type.Optional(Currency),
      unitPrice: Type.Optional(UnitPriceData),
      /** The unit price is computed from it when `unitPrice` is not given. */
      netContent: Type.Optional(NetContentData),
    },
    { additionalProperties: false },
  ),
  defaultSize: { widthMm: 76, heightMm: 51 },
  sample: {
    sku: 'APL-GALA-1KG',
    name: 'Äpfel Gala — Bio, 1 kg Beutel',
    gtin: '4006381333931',
    price: '2.49',
    netContent: { amount: 1, unit: 'kg' },
  },
  check: (d) => [...gtinIssues(d.gtin), ...netContentIssues(d)],
  layout(d, ctx) {
    const dots = dotsOf(ctx);
    const W = dots(ctx.widthMm);
    const H = dots(ctx.heightMm);
    const m = dots(1.5);
    const currency = d.currency ?? ctx.currency;
    const symbol: BarcodeSymbol = d.gtin
      ? gtinSymbol(gtin14Of(d.gtin))
      : { symbology: 'code128', text: d.sku };
    const barcodeColumn = Math.round(W * 0.56) - m;
    const moduleDots = moduleWidth(0.33, symbolModules(symbol), barcodeColumn, ctx.dpmm);
    const nameH = Math.round(H * 0.1);
    const barY = Math.round(H * 0.4);
    const hriH = Math.max(dots(2), Math.round(H * 0.06));
    // Room under the bars for the digits: printers extend EAN guard bars below the bar height.
    const barH = H - barY - hriH - 3 * m;
    const priceX = Math.round(W * 0.56);
    const priceW = W - priceX - m;
    const elements: LabelElement[] = [
      { kind: 'text', x: m, y: m, width: W - 2 * m, height: nameH, maxLines: 2, align: 'left', text: d.name },
      { kind: 'rule', x: m, y: barY - m, width: W - 2 * m, height: Math.max(1, dots(0.25)) },
      // Quiet zone: the symbol starts 11 modules in (EAN-13) so the bars sit at x + quiet zone.
      { kind: 'barcode', x: m, y: barY, moduleDots, height: barH, symbol },
      {
        kind: 'text',
        x: m,
        y: barY + barH + m,
        width: barcodeColumn,
        height: hriH,
        maxLines: 1,
        align: 'left',
        text: d.gtin ?? d.sku,
      },
      {
        kind: 'text',
        x: priceX,
        y: barY,
        width: priceW,
        height: Math.round(H * 0.22),
        maxLines: 1,
        align: 'right',
        bold: true,
        text: formatMoney(amountText(d.price), currency, ctx.locale),
      },
    ];
    const unit = labelUnitPrice(d, d.price, currency);
    if (unit) {
      elements.push({
        kind: 'text',
        x: priceX,
        y: barY + Math.round(H * 0.26),
        width: priceW,
        height: Math.round(H * 0.075),
        maxLines: 1,
        align: 'right',
        text: formatUnitPrice(unit.amount, unit.unit, currency, ctx.locale),
      });
    }
    elements.push({
      kind: 'text',
      x: priceX,
      y: H - m - hriH,
      width: priceW,
      height: hriH,
      maxLines: 1,
      align: 'right',
      text: d.sku,
    });
    return { widthDots: W, heightDots: H, dpmm: ctx.dpmm, elements };
  },
});
