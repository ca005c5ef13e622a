import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFixture, makeTempDir, which } from '@store-edge/testing';
import { describe, expect, it } from 'vitest';
import {
  LabelDataError,
  renderLabel,
  renderPdfBatch,
  renderZpl,
  renderZplBatch,
  sampleLabelData,
  templateNames,
} from './index.js';

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof LabelDataError) return err.issues;
    throw err;
  }
  throw new Error('expected a LabelDataError');
}

describe('rfid template', () => {
  interface Vector {
    hex: string;
    filter: number;
    companyPrefix: string;
    serial: string;
    gtin14: string;
  }
  const { vectors } = loadFixture('sgtin96-vectors.json') as { vectors: Vector[] };

  it.each(vectors)('writes EPC $hex into the tag with ^RS8 ^RFW,H', (v) => {
    const zpl = renderZpl({
      template: 'rfid',
      data: {
        gtin: v.gtin14,
        serial: v.serial,
        companyPrefixLength: v.companyPrefix.length,
        filter: v.filter,
      },
    });
    expect(zpl).toContain(`^RS8^RFW,H^FD${v.hex}^FS`);
  });

  it('explains a serial SGTIN-96 cannot carry', () => {
    const issues = issuesOf(() =>
      renderZpl({
        template: 'rfid',
        data: { gtin: '80614141123458', serial: '274877906944', companyPrefixLength: 7 },
      }),
    );
    expect(issues).toEqual([{ path: '/data/serial', message: expect.stringMatching(/SGTIN-198/) }]);
  });
});

describe('validation', () => {
  it('names the field and the right check digit of a mistyped GTIN', () => {
    expect(
      issuesOf(() => renderZpl({ template: 'item', data: { gtin: '4006381333932', price: 1 } })),
    ).toEqual([{ path: '/data/gtin', message: 'invalid GTIN 4006381333932: check digit should be 1' }]);
  });

  it('reports every problem at once: unknown field, bad amount, bad option', () => {
    const issues = issuesOf(() =>
      renderZpl({ template: 'shelf', dpmm: 9 as 8, data: { sku: 'A', name: 'x', price: -1, colour: 'red' } }),
    );
    expect(issues.map((i) => i.path).sort()).toEqual(['/data', '/data/price', '/dpmm']);
    expect(issues.find((i) => i.path === '/data')?.message).toBe('unknown field(s): colour');
  });

  it('refuses an unknown template, a bad SSCC check digit and a bad expiry', () => {
    expect(issuesOf(() => renderZpl({ template: 'poster', data: {} }))[0]?.message).toMatch(
      /unknown template 'poster'/,
    );
    expect(issuesOf(() => renderZpl({ template: 'sscc', data: { sscc: '106141411234567890' } }))).toEqual([
      { path: '/data/sscc', message: 'SSCC check digit should be 7' },
    ]);
    expect(
      issuesOf(() =>
        renderZpl({ template: 'gs1-datamatrix', data: { gtin: '09501101020917', expiry: '2026-13-01' } }),
      )[0]?.path,
    ).toBe('/data/expiry');
  });

  it('prefixes batch problems with the label index', () => {
    const issues = issuesOf(() =>
      renderZplBatch([
        { template: 'item', data: { gtin: '036000291452', price: 1 } },
        { template: 'item', data: { gtin: '036000291453', price: 1 } },
      ]),
    );
    expect(issues.map((i) => i.path)).toEqual(['/1/data/gtin']);
  });
});

describe('output', () => {
  it('formats prices for the store locale and currency', () => {
    const de = renderZpl({
      template: 'shelf',
      locale: 'de-DE',
      data: { sku: 'A', name: 'n', price: '2.49', unitPrice: { amount: 4.98, unit: 'kg' } },
    });
    expect(de).toContain('^FD2,49 €^FS');
    expect(de).toContain('^FD4,98 €/kg^FS');
    const pl = renderZpl({
      template: 'item',
      locale: 'pl-PL',
      data: { gtin: '5901234123457', price: 3, currency: 'PLN' },
    });
    expect(pl).toContain('^FD3,00 zł^FS');
  });

  it('renders every template sample in both formats', async () => {
    for (const t of templateNames) {
      const zpl = await renderLabel({ template: t, format: 'zpl', data: sampleLabelData(t) });
      expect(zpl).toMatch(/^\^XA\^CI28\^PW\d+\^LL\d+.*\^PQ1\^XZ\n$/s);
      const pdf = await renderLabel({ template: t, format: 'pdf', data: sampleLabelData(t) });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    }
  });

  it('puts a batch in one PDF, one page per copy, each page the label size', async () => {
    const pdfinfo = which('pdfinfo');
    if (!pdfinfo) throw new Error('pdfinfo missing: apt-get install -y poppler-utils');
    const pdf = await renderPdfBatch([
      { template: 'shelf', data: sampleLabelData('shelf'), copies: 2 },
      { template: 'item', data: sampleLabelData('item') },
      { template: 'sscc', data: sampleLabelData('sscc') },
    ]);
    const dir = makeTempDir();
    try {
      const path = join(dir.path, 'batch.pdf');
      writeFileSync(path, pdf);
      const info = execFileSync(pdfinfo, ['-f', '1', '-l', '4', path]).toString();
      expect(info).toMatch(/Pages:\s+4\n/);
      // 76 x 51 mm = 215.433 x 144.567 pt; 51 x 25 mm; 102 x 152 mm (1 mm = 72/25.4 pt).
      expect(info).toMatch(/Page\s+1 size:\s+215\.43\d* x 144\.56\d* pts/);
      expect(info).toMatch(/Page\s+2 size:\s+215\.43\d* x 144\.56\d* pts/);
      expect(info).toMatch(/Page\s+3 size:\s+144\.56\d* x 70\.86\d* pts/);
      expect(info).toMatch(/Page\s+4 size:\s+289\.13\d* x 430\.86\d* pts/);
    } finally {
      dir.remove();
    }
  });
});
