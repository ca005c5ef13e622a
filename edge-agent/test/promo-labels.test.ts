/**
 * Issue 19 must-show 3: from a 40-day price history, the promotion label's prior price is the
 * lowest price of the 30 days before the promotion started (Directive 98/6/EC Art. 6a), the
 * unit price is right for g, kg, ml and l, and both outputs decode with tools that share no
 * code with the renderer (zpl-renderer-js → zbarimg; pdftoppm → zbarimg; pdftotext).
 * Expected texts are written out by hand from the history below.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LabelRequest, renderPdf, renderPdfBatch, renderZpl } from '@store-edge/labels';
import { makeTempDir, type TempDir } from '@store-edge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingTools, pdfToPng, zbar, zplToPng } from '../../labels/test/decode-tools.js';
import type { Settings } from '../src/config/settings.js';
import { type Db, openDatabase } from '../src/db/database.js';
import type { CatalogItem } from '../src/ledger/catalog.js';
import { SqlitePriceBook } from '../src/prices/book.js';
import { PriceSchedule } from '../src/prices/schedule.js';
import type { PriceInForce } from '../src/prices/types.js';
import { priceLabelRequest } from '../src/printing/opening/label-data.js';

const DAY = 86_400_000;
/** The promotion starts at 00:00 Berlin on 1 December 2026 (23:00 UTC the day before). */
const START = new Date('2026-11-30T23:00:00Z');
const day = (n: number) => new Date(START.getTime() + n * DAY);

const APPLES: CatalogItem = {
  sku: 'APL-500',
  name: 'Äpfel Gala 500 g',
  gtins: ['4006381333931'],
  price: { amount: '2.59', currency: 'EUR' },
  netContent: { amount: '500', unit: 'g' },
};

/**
 * 40 days: 2.49 from day −40; a 1.79 promotion on days −35 to −31 (lowest of all, but more
 * than 30 days before the start); 2.29 from day −20; a 2.19 promotion on days −25 to −22
 * (inside the 30 days: the prior price); 2.59 from day −10; the 1.99 promotion from day 0.
 * Fed to the prices feature's PriceBook through its feed appliers, as the cloud would.
 */
let book: SqlitePriceBook;
let db: Db;
function feed(): void {
  db = openDatabase(join(dir.path, 'prices.sqlite'));
  const schedule = new PriceSchedule(db, 'Europe/Berlin', (msg) => {
    throw new Error(msg);
  });
  const change = (id: string, at: Date, amount: string) =>
    schedule.applyPriceChange({
      id,
      effectiveAt: at.toISOString(),
      lines: [{ sku: APPLES.sku, amount, currency: 'EUR' }],
    });
  const promo = (id: string, name: string, from: Date, to: Date, amount: string) =>
    schedule.applyPromotion({
      id,
      name,
      startsAt: from.toISOString(),
      endsAt: to.toISOString(),
      skus: [APPLES.sku],
      rule: { kind: 'fixed', amount },
    });
  db.transaction(() => {
    change('pc-1', day(-40), '2.49');
    change('pc-2', day(-20), '2.29');
    change('pc-3', day(-10), '2.59');
    promo('autumn', 'Autumn', day(-35), day(-31), '1.79');
    promo('apple-week', 'Apple week', day(-25), day(-22), '2.19');
    promo('xmas', 'Winter sale', day(0), day(14), '1.99');
  })();
  book = new SqlitePriceBook(db);
}

const ctx = {
  labels: { locale: 'en-IE', currency: 'EUR' } as Settings['labels'],
  timeZone: 'Europe/Berlin',
};

let dir: TempDir;
beforeAll(() => {
  const missing = missingTools();
  if (missing) throw new Error(missing);
  dir = makeTempDir('promo-labels-');
  feed();
});
afterAll(() => {
  db?.close();
  dir?.remove();
});

function pdfText(pdf: Buffer, name: string): string {
  const path = join(dir.path, `${name}.pdf`);
  writeFileSync(path, pdf);
  // -raw keeps each text run in drawing order, one label line per output line.
  return execFileSync('pdftotext', ['-raw', path, '-']).toString();
}

describe('promotion shelf label from a 40-day price history', () => {
  let inForce: PriceInForce;
  let req: LabelRequest;
  const size = { widthMm: 76, heightMm: 51 };
  beforeAll(() => {
    inForce = book.at(APPLES.sku, START) as PriceInForce;
    req = priceLabelRequest(APPLES, inForce, ctx);
  });

  it('shows as prior price the lowest price of the 30 days before the start, not of the 40', () => {
    expect(inForce.price.amount).toBe('1.99');
    expect(inForce.lowestPrice30d?.amount).toBe('2.19');
    expect(req.template).toBe('promo-shelf');
    expect(req.data).toMatchObject({
      price: '1.99',
      regularPrice: '2.59',
      lowestPrice30d: '2.19',
      until: '2026-12-14',
    });
  });

  it('ZPL carries the texts and decodes through zpl-renderer-js and zbarimg', async () => {
    const zpl = renderZpl(req);
    for (const text of [
      '€1.99',
      'was €2.59',
      'Lowest price 30 days before: €2.19',
      '€3.98/kg',
      'Winter sale · until 14 Dec 2026',
    ])
      expect(zpl).toContain(`^FD${text}^FS`);
    const png = await zplToPng(zpl, size, 8, join(dir.path, 'promo-zpl.png'));
    expect(await zbar(png)).toEqual([{ type: 'EAN-13', data: '4006381333931', gs1: false }]);
  });

  it('PDF carries the texts and decodes through pdftoppm and zbarimg', async () => {
    const pdf = await renderPdf(req);
    const text = pdfText(pdf, 'promo');
    for (const t of ['€1.99', 'was €2.59', 'Lowest price 30 days before: €2.19', '€3.98/kg'])
      expect(text).toContain(t);
    const png = await pdfToPng(pdf, dir.path, 'promo-pdf');
    expect(await zbar(png)).toEqual([{ type: 'EAN-13', data: '4006381333931', gs1: false }]);
  });

  it('goes back to the plain shelf label, with the regular unit price, when the promotion ends', () => {
    const after = book.at(APPLES.sku, day(14));
    const plain = priceLabelRequest(APPLES, after as NonNullable<typeof after>, ctx);
    expect(plain.template).toBe('shelf');
    const zpl = renderZpl(plain);
    expect(zpl).toContain('^FD€2.59^FS');
    expect(zpl).toContain('^FD€5.18/kg^FS');
    expect(zpl).not.toContain('Lowest price');
  });

  it('prints the German wording for a de-DE store', () => {
    const de = priceLabelRequest(APPLES, inForce, {
      ...ctx,
      labels: { ...ctx.labels, locale: 'de-DE' },
    });
    const zpl = renderZpl(de);
    expect(zpl).toContain('^FDNiedrigster Preis 30 Tage zuvor: 2,19 €^FS');
    expect(zpl).toContain('^FDstatt 2,59 €^FS');
    expect(zpl).toContain('^FD3,98 €/kg^FS');
  });
});

describe('unit price on the shelf label (Directive 98/6/EC Art. 3)', () => {
  const items: Array<[string, string, { amount: number | string; unit: string }, string]> = [
    ['FLOUR', '1.29', { amount: 750, unit: 'g' }, '€1.72/kg'],
    ['POTATO', '3.99', { amount: '2.5', unit: 'kg' }, '€1.60/kg'],
    ['COLA', '0.89', { amount: 330, unit: 'ml' }, '€2.70/l'],
    ['WATER', '1.19', { amount: '1.5', unit: 'l' }, '€0.79/l'],
  ];

  it('prints per kg for g and kg, per l for ml and l, in ZPL and PDF', async () => {
    const reqs: LabelRequest[] = items.map(([sku, amount, netContent]) => {
      const item = {
        sku,
        name: sku,
        gtins: [],
        price: { amount, currency: 'EUR' },
        netContent,
      } as CatalogItem;
      const p = { amount, currency: 'EUR' };
      return priceLabelRequest(
        item,
        { sku, price: p, regularPrice: p, promotion: null, lowestPrice30d: null, nextChange: null },
        ctx,
      );
    });
    reqs.forEach((r, i) => {
      expect(renderZpl(r)).toContain(`^FD${items[i]?.[3]}^FS`);
    });
    const text = pdfText(await renderPdfBatch(reqs), 'units');
    for (const [, , , expected] of items) expect(text).toContain(expected);
  });
});
