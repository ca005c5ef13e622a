import { encodeSgtin96 } from '@store-edge/drivers/gs1';
import { Type } from 'typebox';
import type { LabelElement } from '../layout.js';
import { dataMatrixSize } from '../layout.js';
import { defineTemplate, dotsOf, Gtin, gtin14Of, gtinIssues, type Issue } from '../template.js';

/**
 * RFID label: encodes the item's SGTIN-96 EPC into the inlay (ZPL ^RS8, ^RFW,H) and prints
 * the same identity as a GS1 DataMatrix (01)+(21) with its text.
 */
export const rfid = defineTemplate({
  name: 'rfid',
  description: 'RFID label: SGTIN-96 EPC written to the tag, GS1 DataMatrix (01)(21) printed',
  schema: Type.Object(
    {
      gtin: Gtin,
      serial: Type.String({
        pattern: '^(0|[1-9]\\d{0,11})$',
        description: 'SGTIN-96 serial: digits, no leading zero',
      }),
      companyPrefixLength: Type.Integer({ minimum: 6, maximum: 12 }),
      filter: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 })),
      name: Type.Optional(Type.String({ maxLength: 120 })),
    },
    { additionalProperties: false },
  ),
  defaultSize: { widthMm: 102, heightMm: 51 },
  sample: {
    gtin: '80614141123458',
    serial: '6789',
    companyPrefixLength: 7,
    filter: 1,
    name: 'Jacket, navy, M',
  },
  check(d): Issue[] {
    const issues = gtinIssues(d.gtin);
    if (issues.length > 0) return issues;
    try {
      encodeSgtin96({
        gtin14: gtin14Of(d.gtin),
        companyPrefixLength: d.companyPrefixLength,
        serial: d.serial,
        filter: d.filter ?? 1,
      });
    } catch (err) {
      issues.push({ path: '/serial', message: (err as Error).message });
    }
    return issues;
  },
  layout(d, ctx) {
    const dots = dotsOf(ctx);
    const W = dots(ctx.widthMm);
    const H = dots(ctx.heightMm);
    const m = dots(2);
    const gtin14 = gtin14Of(d.gtin);
    const epcHex = encodeSgtin96({
      gtin14,
      companyPrefixLength: d.companyPrefixLength,
      serial: d.serial,
      filter: d.filter ?? 1,
    });
    const elements = [
      { ai: '01', value: gtin14 },
      { ai: '21', value: d.serial },
    ];
    const side = dataMatrixSize(elements);
    const nameH = dots(5);
    const top = m + (d.name ? nameH + m : 0);
    const moduleDots = Math.max(1, Math.min(Math.round(0.6 * ctx.dpmm), Math.floor((H - top - m) / side)));
    const textX = m + (side + 2) * moduleDots + m;
    const lineH = dots(4);
    const lines = [`GTIN ${gtin14}`, `Serial ${d.serial}`, `EPC ${epcHex}`];
    const out: LabelElement[] = [
      ...(d.name
        ? [
            {
              kind: 'text' as const,
              x: m,
              y: m,
              width: W - 2 * m,
              height: nameH,
              maxLines: 1,
              align: 'left' as const,
              bold: true,
              text: d.name,
            },
          ]
        : []),
      {
        kind: 'barcode',
        x: m,
        y: top,
        moduleDots,
        height: side * moduleDots,
        symbol: { symbology: 'gs1-datamatrix', elements },
      },
      ...lines.map((text, i) => ({
        kind: 'text' as const,
        x: textX,
        y: top + i * (lineH + m),
        width: W - textX - m,
        height: lineH,
        maxLines: 1,
        align: 'left' as const,
        text,
      })),
    ];
    return { widthDots: W, heightDots: H, dpmm: ctx.dpmm, elements: out, rfid: { epcHex } };
  },
});
