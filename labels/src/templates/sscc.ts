import { gs1CheckDigit, hasValidCheckDigit } from '@store-edge/drivers/gs1';
import { Type } from 'typebox';
import type { LabelElement } from '../layout.js';
import { symbolModules } from '../layout.js';
import { defineTemplate, dotsOf, type Issue, moduleWidth } from '../template.js';

/**
 * GS1 logistic label for a pallet or case: the SSCC as GS1-128 with AI (00) and its
 * human-readable interpretation (GenSpecs §6.6, logistic label; §5.4 GS1-128).
 */
export const sscc = defineTemplate({
  name: 'sscc',
  description: 'GS1 logistic label: SSCC (00) as GS1-128',
  schema: Type.Object(
    {
      sscc: Type.String({ pattern: '^\\d{18}$', description: '18 digits including the check digit' }),
      shipFrom: Type.Optional(Type.String({ maxLength: 120 })),
      shipTo: Type.Optional(Type.String({ maxLength: 120 })),
      content: Type.Optional(Type.String({ maxLength: 120 })),
    },
    { additionalProperties: false },
  ),
  defaultSize: { widthMm: 102, heightMm: 152 },
  sample: {
    sscc: '106141411234567897',
    shipFrom: 'DC Nord, Hamburg',
    shipTo: 'Store 1 — Berlin Mitte',
    content: '48 × Äpfel Gala 1 kg',
  },
  check(d): Issue[] {
    if (/^\d{18}$/.test(d.sscc) && !hasValidCheckDigit(d.sscc)) {
      return [{ path: '/sscc', message: `SSCC check digit should be ${gs1CheckDigit(d.sscc.slice(0, 17))}` }];
    }
    return [];
  },
  layout(d, ctx) {
    const dots = dotsOf(ctx);
    const W = dots(ctx.widthMm);
    const H = dots(ctx.heightMm);
    const m = dots(4);
    const symbol = { symbology: 'gs1-128' as const, elements: [{ ai: '00', value: d.sscc }] };
    // GS1-128 X dimension on logistic labels: 0.495-0.940 mm (GenSpecs §5.12.3.6 table 6).
    const moduleDots = moduleWidth(0.5, symbolModules(symbol), W - 2 * m, ctx.dpmm);
    const textH = dots(5);
    const barH = Math.min(dots(32), Math.round(H * 0.3));
    const barY = H - m - textH - m - barH;
    const elements: LabelElement[] = [];
    let y = m;
    for (const [label, value] of [
      ['From', d.shipFrom],
      ['To', d.shipTo],
      ['Content', d.content],
    ] as const) {
      if (value === undefined) continue;
      elements.push({
        kind: 'text',
        x: m,
        y,
        width: W - 2 * m,
        height: textH,
        maxLines: 2,
        align: 'left',
        text: `${label}: ${value}`,
      });
      y += 2 * textH + m;
    }
    elements.push(
      {
        kind: 'text',
        x: m,
        y: barY - 2 * textH - m,
        width: W - 2 * m,
        height: textH,
        maxLines: 1,
        align: 'left',
        text: 'SSCC',
      },
      {
        kind: 'text',
        x: m,
        y: barY - textH - m,
        width: W - 2 * m,
        height: textH,
        maxLines: 1,
        align: 'left',
        bold: true,
        text: d.sscc,
      },
      { kind: 'rule', x: m, y: barY - 2 * textH - 2 * m, width: W - 2 * m, height: dots(0.5) },
      { kind: 'barcode', x: m, y: barY, moduleDots, height: barH, symbol },
      {
        kind: 'text',
        x: m,
        y: barY + barH + m,
        width: W - 2 * m,
        height: textH,
        maxLines: 1,
        align: 'center',
        text: `(00) ${d.sscc}`,
      },
    );
    return { widthDots: W, heightDots: H, dpmm: ctx.dpmm, elements };
  },
});
