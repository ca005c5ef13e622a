/**
 * Must show 1: every template, in both formats, decodes back to its input through tools that
 * share no code with the renderer (zpl-renderer-js → PNG, pdftoppm, zbarimg, dmtxread).
 * Expected scans are written out by hand from the input data, not computed by labels code.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@store-edge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LabelRequest, renderPdf, renderZpl, templates } from '../src/index.js';
import { type Decoded, dmtx, missingTools, pdfToPng, zbar, zplToPng } from './decode-tools.js';

interface Case {
  name: string;
  req: LabelRequest & { template: keyof typeof templates };
  expected: Decoded;
}

const GS = '\x1d';

const cases: Case[] = [
  {
    name: 'shelf: GTIN-13 as EAN-13, Unicode name, unit price',
    req: {
      template: 'shelf',
      data: {
        sku: 'APL-1',
        name: 'Äpfel Gala — Bio, 1 kg',
        gtin: '4006381333931',
        price: '2.49',
        unitPrice: { amount: '2.49', unit: 'kg' },
      },
    },
    expected: { type: 'EAN-13', data: '4006381333931', gs1: false },
  },
  {
    name: 'shelf at 12 dpmm: GTIN-14 with leading zero as EAN-13',
    req: {
      template: 'shelf',
      dpmm: 12,
      data: { sku: 'MILK-1L', name: 'Milch 3,5 %', gtin: '04012345000047', price: 1.19 },
    },
    expected: { type: 'EAN-13', data: '4012345000047', gs1: false },
  },
  {
    name: 'shelf without GTIN: Code 128 of the sku',
    req: {
      template: 'shelf',
      data: {
        sku: 'SKU>42/A_B^1',
        name: 'Ελληνικό μέλι 450 g',
        price: '7.50',
        unitPrice: { amount: '16.67', unit: 'kg' },
      },
    },
    expected: { type: 'CODE-128', data: 'SKU>42/A_B^1', gs1: false },
  },
  {
    name: 'shelf for a case: GTIN-14 with indicator 1 as GS1-128 (01)',
    req: {
      template: 'shelf',
      data: { sku: 'APL-CASE', name: 'Äpfel Gala, Karton 12 × 1 kg', gtin: '14006381333938', price: '27.90' },
    },
    expected: { type: 'CODE-128', data: '0114006381333938', gs1: true },
  },
  {
    name: 'item: UPC-A (GTIN-12)',
    req: { template: 'item', data: { gtin: '036000291452', price: '1.99' } },
    expected: { type: 'EAN-13', data: '0036000291452', gs1: false },
  },
  {
    name: 'item at 12 dpmm',
    req: {
      template: 'item',
      dpmm: 12,
      data: { gtin: '5901234123457', price: 3, currency: 'PLN' },
      locale: 'pl-PL',
    },
    expected: { type: 'EAN-13', data: '5901234123457', gs1: false },
  },
  {
    name: 'gs1-datamatrix: GTIN, expiry, batch (with _), serial',
    req: {
      template: 'gs1-datamatrix',
      data: { gtin: '09501101020917', expiry: '2026-12-31', batch: 'AB-12_3', serial: 'S1234' },
    },
    expected: { type: 'DataMatrix', data: `${GS}01095011010209171726123110AB-12_3${GS}21S1234`, gs1: true },
  },
  {
    name: 'gs1-datamatrix at 12 dpmm: GTIN and serial',
    req: {
      template: 'gs1-datamatrix',
      dpmm: 12,
      data: { gtin: '4006381333931', serial: '12345678901234567890' },
    },
    expected: { type: 'DataMatrix', data: `${GS}01040063813339312112345678901234567890`, gs1: true },
  },
  {
    name: 'sscc: GS1-128 with AI (00)',
    req: { template: 'sscc', data: { sscc: '106141411234567897', shipTo: 'Store 1' } },
    expected: { type: 'CODE-128', data: '00106141411234567897', gs1: true },
  },
  {
    name: 'rfid: printed identity (01)+(21)',
    req: { template: 'rfid', data: { gtin: '80614141123458', serial: '6789', companyPrefixLength: 7 } },
    expected: { type: 'DataMatrix', data: `${GS}0180614141123458216789`, gs1: true },
  },
];

let dir: TempDir;
beforeAll(() => {
  const missing = missingTools();
  if (missing) throw new Error(missing);
  dir = makeTempDir('labels-decode-');
});
afterAll(() => dir?.remove());

async function decode(png: string, expected: Decoded): Promise<Decoded[]> {
  return expected.type === 'DataMatrix' ? dmtx(png) : zbar(png);
}

describe.each(cases)('$name', ({ name, req, expected }) => {
  const file = name.replace(/[^a-z0-9]+/gi, '-');
  const size = req.size ?? templates[req.template].defaultSize;

  it('ZPL → zpl-renderer-js → decoder gives back the data', async () => {
    const zpl = renderZpl(req);
    const png = await zplToPng(zpl, size, req.dpmm ?? 8, join(dir.path, `${file}-zpl.png`));
    expect(await decode(png, expected)).toEqual([expected]);
  });

  it('PDF → pdftoppm → decoder gives back the data', async () => {
    const png = await pdfToPng(await renderPdf(req), dir.path, `${file}-pdf`);
    expect(await decode(png, expected)).toEqual([expected]);
  });
});

describe('label text', () => {
  it('PDF carries the name in any script DejaVu covers, the price and the EU unit price', async () => {
    const pdf = await renderPdf({
      template: 'shelf',
      data: {
        sku: 'HON-1',
        name: 'Ελληνικό μέλι Мёд',
        price: '7.50',
        unitPrice: { amount: '16.67', unit: 'kg' },
      },
      locale: 'de-DE',
    });
    const path = join(dir.path, 'text.pdf');
    writeFileSync(path, pdf);
    const text = execFileSync('pdftotext', [path, '-']).toString();
    expect(text).toContain('Ελληνικό μέλι Мёд');
    expect(text).toContain('7,50 €');
    expect(text).toContain('16,67 €/kg');
  });

  it('ZPL is UTF-8 (^CI28) with the size in dots for the resolution, and ^PQ copies', () => {
    const zpl = renderZpl({
      template: 'shelf',
      dpmm: 12,
      copies: 3,
      data: { sku: 'A', name: 'Мёд ^~_', price: 1 },
    });
    expect(zpl.startsWith('^XA^CI28^PW912^LL612')).toBe(true);
    expect(zpl).toContain('^FDМёд _5E_7E_5F^FS');
    expect(zpl.endsWith('^PQ3^XZ\n')).toBe(true);
    expect(
      renderZpl({
        template: 'item',
        size: { widthMm: 38, heightMm: 25 },
        data: { gtin: '036000291452', price: 1 },
      }),
    ).toContain('^PW304^LL200');
  });
});
