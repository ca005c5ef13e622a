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
  type Issue,
  labelUnitPrice,
  moduleWidth,
  NetContentData,
  netContentIssues,
  UnitPriceData,
} from '../template.js';

/**
 * The fixed words of a promotion label in the store's language (the locale's language
 * subtag); English when there is no entry. The prior-price wording follows the Commission's
 * guidance on Art. 6a (2021/C 526/02 §2.3: the prior price must be recognisable as such).
 */
const WORDS: Record<string, { was: string; lowest: string; until: string }> = {
  en: { was: 'was', lowest: 'Lowest price 30 days before:', until: 'until' },
  de: { was: 'statt', lowest: 'Niedrigster Preis 30 Tage zuvor:', until: 'bis' },
  es: { was: 'antes', lowest: 'Precio más bajo 30 días antes:', until: 'hasta' },
};

function wordsFor(locale: string) {
  const lang = locale.split('-')[0]?.toLowerCase() ?? 'en';
  return WORDS[lang] ?? (WORDS.en as (typeof WORDS)['en']);
}

const DATE = '^\\d{4}-\\d{2}-\\d{2}$';

/**
 * Promotion shelf label: the promotion price, the regular price ("was"), the prior price Art.
 * 6a of Directive 98/6/EC (as amended by Directive (EU) 2019/2161) requires next to an
 * announced reduction — the lowest price in force during the 30 days before the reduction
 * started — the unit price of the promotion price (Art. 3), and the item's barcode.
 */
export const promoShelf = defineTemplate({
  name: 'promo-shelf',
  description:
    'promotion shelf label: promotion price, regular price, lowest price of the 30 days before, unit price, barcode',
  schema: Type.Object(
    {
      sku: Type.String({ minLength: 1, maxLength: 48, pattern: '^[\\x20-\\x7E]+$' }),
      name: Type.String({ minLength: 1, maxLength: 200 }),
      gtin: Type.Optional(Gtin),
      /** What a shopper pays for one unit during the promotion. */
      price: Amount,
      regularPrice: Amount,
      /** Lowest price in force in the 30 days before the reduction (Art. 6a(2)); absent when it is not a reduction (multi-buy). */
      lowestPrice30d: Type.Optional(Amount),
      currency: Type.Optional(Currency),
      /** Promotion name or offer text: `Winter sale`, `3 for €5.00`. */
      promotion: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
      /** Last day of the offer (store-local date). */
      until: Type.Optional(Type.String({ pattern: DATE })),
      unitPrice: Type.Optional(UnitPriceData),
      netContent: Type.Optional(NetContentData),
    },
    { additionalProperties: false },
  ),
  defaultSize: { widthMm: 76, heightMm: 51 },
  sample: {
    sku: 'APL-GALA-1KG',
    name: 'Äpfel Gala — Bio, 1 kg Beutel',
    gtin: '4006381333931',
    price: '1.99',
    regularPrice: '2.49',
    lowestPrice30d: '2.29',
    promotion: 'Winter sale',
    until: '2026-12-12',
    netContent: { amount: 1, unit: 'kg' },
  },
  check(d) {
    const issues: Issue[] = [...gtinIssues(d.gtin), ...netContentIssues(d)];
    if (d.until !== undefined && Number.isNaN(Date.parse(`${d.until}T00:00:00Z`)))
      issues.push({ path: '/until', message: 'must be a calendar date YYYY-MM-DD' });
    return issues;
  },
  layout(d, ctx) {
    const dots = dotsOf(ctx);
    const W = dots(ctx.widthMm);
    const H = dots(ctx.heightMm);
    const m = dots(1.5);
    const currency = d.currency ?? ctx.currency;
    const words = wordsFor(ctx.locale);
    const money = (a: number | string) => formatMoney(amountText(a), currency, ctx.locale);
    const symbol: BarcodeSymbol = d.gtin
      ? gtinSymbol(gtin14Of(d.gtin))
      : { symbology: 'code128', text: d.sku };
    const fullW = W - 2 * m;
    const nameH = Math.round(H * 0.085);
    const lineH = Math.round(H * 0.06);
    let y = m;
    const elements: LabelElement[] = [
      { kind: 'text', x: m, y, width: fullW, height: nameH, maxLines: 2, align: 'left', text: d.name },
    ];
    y += 2 * nameH + Math.round(m / 2);
    const offer = [
      d.promotion,
      d.until
        ? `${words.until} ${new Intl.DateTimeFormat(ctx.locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${d.until}T00:00:00Z`))}`
        : undefined,
    ]
      .filter(Boolean)
      .join(' · ');
    if (offer) {
      elements.push({
        kind: 'text',
        x: m,
        y,
        width: fullW,
        height: lineH,
        maxLines: 1,
        align: 'left',
        bold: true,
        text: offer,
      });
      y += lineH + Math.round(m / 2);
    }
    if (d.lowestPrice30d !== undefined) {
      // Art. 6a(2): on the label itself, not only at the till or online.
      elements.push({
        kind: 'text',
        x: m,
        y,
        width: fullW,
        height: lineH,
        maxLines: 1,
        align: 'left',
        text: `${words.lowest} ${money(d.lowestPrice30d)}`,
      });
      y += lineH + Math.round(m / 2);
    }
    elements.push({ kind: 'rule', x: m, y, width: fullW, height: Math.max(1, dots(0.25)) });
    const barY = y + m;
    const barcodeColumn = Math.round(W * 0.56) - m;
    const moduleDots = moduleWidth(0.33, symbolModules(symbol), barcodeColumn, ctx.dpmm);
    const hriH = Math.max(dots(2), Math.round(H * 0.06));
    const barH = H - barY - hriH - 3 * m;
    const priceX = Math.round(W * 0.56);
    const priceW = W - priceX - m;
    const priceH = Math.round(H * 0.19);
    elements.push(
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
        height: priceH,
        maxLines: 1,
        align: 'right',
        bold: true,
        text: money(d.price),
      },
      {
        kind: 'text',
        x: priceX,
        y: barY + priceH + m,
        width: priceW,
        height: lineH,
        maxLines: 1,
        align: 'right',
        text: `${words.was} ${money(d.regularPrice)}`,
      },
    );
    // Art. 3: the unit price of the price the shopper pays now, the promotion price.
    const unit = labelUnitPrice(d, d.price, currency);
    if (unit) {
      elements.push({
        kind: 'text',
        x: priceX,
        y: barY + priceH + lineH + 2 * m,
        width: priceW,
        height: lineH,
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
