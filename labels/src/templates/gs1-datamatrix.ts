import { type Gs1Element, orderForEncoding, toYymmdd } from '@store-edge/drivers/gs1';
import { Type } from 'typebox';
import type { LabelElement } from '../layout.js';
import { dataMatrixSize } from '../layout.js';
import { cset82, defineTemplate, dotsOf, Gtin, gtin14Of, gtinIssues, type Issue } from '../template.js';

/** GTIN with batch, expiry and serial as a GS1 DataMatrix (GenSpecs §5.6.3, 2D in retail). */
export const gs1DataMatrix = defineTemplate({
  name: 'gs1-datamatrix',
  description: 'GS1 DataMatrix: GTIN (01), expiry (17), batch (10), serial (21)',
  schema: Type.Object(
    {
      gtin: Gtin,
      batch: Type.Optional(cset82(20)),
      expiry: Type.Optional(Type.String({ description: 'YYYY-MM-DD or YYMMDD' })),
      serial: Type.Optional(cset82(20)),
      name: Type.Optional(Type.String({ maxLength: 120 })),
    },
    { additionalProperties: false },
  ),
  defaultSize: { widthMm: 51, heightMm: 25 },
  sample: {
    gtin: '09501101020917',
    batch: 'AB-12_3',
    expiry: '2026-12-31',
    serial: 'S1234',
    name: 'Yoghurt 500 g',
  },
  check(d) {
    const issues: Issue[] = gtinIssues(d.gtin);
    if (d.expiry !== undefined && toYymmdd(d.expiry) === null) {
      issues.push({ path: '/expiry', message: `expiry '${d.expiry}' is not a date (YYYY-MM-DD or YYMMDD)` });
    }
    return issues;
  },
  layout(d, ctx) {
    const dots = dotsOf(ctx);
    const W = dots(ctx.widthMm);
    const H = dots(ctx.heightMm);
    const m = dots(1.5);
    const elements = gs1DataMatrixElements(d);
    const side = dataMatrixSize(elements);
    // X dimension 0.5 mm is mid-range for GS1 DataMatrix in retail (GenSpecs §5.12.3.7
    // table 7), reduced when the label is too small.
    const moduleDots = Math.max(1, Math.min(Math.round(0.5 * ctx.dpmm), Math.floor((H - 2 * m) / side)));
    const textX = m + (side + 2) * moduleDots + m;
    const lineH = Math.min(dots(3), Math.floor((H - 2 * m) / (elements.length + (d.name ? 1 : 0))));
    const lines = [...(d.name ? [d.name] : []), ...elements.map((e) => `(${e.ai}) ${e.value}`)];
    const out: LabelElement[] = [
      {
        kind: 'barcode',
        x: m,
        y: m,
        moduleDots,
        height: side * moduleDots,
        symbol: { symbology: 'gs1-datamatrix', elements },
      },
      ...lines.map((text, i) => ({
        kind: 'text' as const,
        x: textX,
        y: m + i * lineH,
        width: W - textX - m,
        height: Math.round(lineH * 0.85),
        maxLines: 1,
        align: 'left' as const,
        text,
      })),
    ];
    return { widthDots: W, heightDots: H, dpmm: ctx.dpmm, elements: out };
  },
});

export function gs1DataMatrixElements(d: {
  gtin: string;
  batch?: string;
  expiry?: string;
  serial?: string;
}): Gs1Element[] {
  const elements: Gs1Element[] = [{ ai: '01', value: gtin14Of(d.gtin) }];
  if (d.expiry !== undefined) elements.push({ ai: '17', value: toYymmdd(d.expiry) ?? d.expiry });
  if (d.batch !== undefined) elements.push({ ai: '10', value: d.batch });
  if (d.serial !== undefined) elements.push({ ai: '21', value: d.serial });
  return orderForEncoding(elements);
}
