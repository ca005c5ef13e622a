import { normaliseGtin } from '@store-edge/drivers/gs1';
import { type Static, type TSchema, Type } from 'typebox';
import type { LabelLayout, LayoutContext } from './layout.js';
import {
  minorUnitDigits,
  NET_CONTENT_UNITS,
  type NetContent,
  type UnitPrice,
  unitPrice,
} from './unit-price.js';

export interface Issue {
  /** JSON pointer into the label data, e.g. `/unitPrice/amount`. */
  path: string;
  message: string;
}

/** One label template: its data schema, the checks a schema cannot express, and its layout. */
export interface TemplateDefinition<S extends TSchema = TSchema> {
  name: string;
  description: string;
  schema: S;
  defaultSize: { widthMm: number; heightMm: number };
  /** Data the CLI renders when no --data is given; also the preview sample. */
  sample: Static<S>;
  check(data: Static<S>): Issue[];
  layout(data: Static<S>, ctx: LayoutContext): LabelLayout;
}

export function defineTemplate<S extends TSchema>(t: TemplateDefinition<S>): TemplateDefinition<S> {
  return t;
}

/** A money amount: a number or a decimal string such as "2.49" (never negative). */
export const Amount = Type.Union(
  [Type.Number({ minimum: 0 }), Type.String({ pattern: '^\\d+(\\.\\d+)?$' })],
  {
    description: 'amount in the currency unit, e.g. 2.49 or "2.49"',
  },
);

export function amountValue(a: number | string): number {
  return typeof a === 'number' ? a : Number(a);
}

/** The amount as exact decimal text for formatting (`2.49` → `"2.49"`), never through a float sum. */
export function amountText(a: number | string): string {
  return typeof a === 'number' ? String(a) : a;
}

export const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, e.g. EUR' });

export const Gtin = Type.String({
  pattern: '^\\d{8,14}$',
  description: 'GTIN-8, -12, -13 or -14 with check digit',
});

/**
 * GS1 AI value in character set 82 (GenSpecs §7.11) of up to `max` characters (batch, serial).
 * Parentheses are refused although CSET 82 has them: the bracketed element string that
 * bwip-js (and every HRI) uses could not tell them from AI delimiters.
 */
export function cset82(max: number) {
  return Type.String({
    minLength: 1,
    maxLength: max,
    pattern: '^[!"%&\'*+,\\-./0-9:;<=>?A-Z_a-z]+$',
    description: 'GS1 character set 82 without parentheses',
  });
}

export function gtinIssues(gtin: string | undefined, path = '/gtin'): Issue[] {
  if (gtin === undefined) return [];
  const problem = gtinProblem(gtin);
  return problem === undefined ? [] : [{ path, message: problem }];
}

export function gtin14Of(gtin: string): string {
  const r = normaliseGtin(gtin);
  if (!r.ok) throw new Error(gtinProblem(gtin));
  return r.gtin;
}

/** `invalid GTIN 4006381333932: check digit should be 1`, the message a label request gets. */
function gtinProblem(gtin: string): string | undefined {
  const r = normaliseGtin(gtin);
  if (r.ok) return undefined;
  const why = r.expectedCheckDigit === undefined ? r.reason : `check digit should be ${r.expectedCheckDigit}`;
  return `invalid GTIN ${gtin}: ${why}`;
}

/** Converts millimetres to dots for one layout. */
export function dotsOf(ctx: LayoutContext): (mm: number) => number {
  return (mm) => Math.round(mm * ctx.dpmm);
}

/** Narrow-bar width: the preferred X dimension, reduced until `modules` fit in `availDots`. */
export function moduleWidth(preferredMm: number, modules: number, availDots: number, dpmm: number): number {
  const preferred = Math.max(1, Math.round(preferredMm * dpmm));
  return Math.max(1, Math.min(preferred, Math.floor(availDots / modules)));
}

/** An item's net content, from which a template computes the unit price (Directive 98/6/EC). */
export const NetContentData = Type.Object(
  {
    amount: Type.Union(
      [Type.Number({ exclusiveMinimum: 0 }), Type.String({ pattern: '^\\d{1,15}(\\.\\d{1,6})?$' })],
      { description: 'net content, e.g. 500 or "0.75"' },
    ),
    unit: Type.Union(
      [
        Type.Literal('g'),
        Type.Literal('kg'),
        Type.Literal('ml'),
        Type.Literal('l'),
        Type.Literal('cm'),
        Type.Literal('m'),
        Type.Literal('piece'),
      ],
      { description: NET_CONTENT_UNITS.join(', ') },
    ),
  },
  { additionalProperties: false },
);

/** An explicit unit price (when the caller has computed it, or a unit the label must show as is). */
export const UnitPriceData = Type.Object(
  {
    amount: Amount,
    unit: Type.String({ minLength: 1, maxLength: 8, description: 'kg, l, 100 g, m, …' }),
  },
  { additionalProperties: false },
);

/**
 * The unit price a label shows: the explicit one, else computed from the net content for the
 * price on the label, in the currency's minor unit; null when neither is given.
 */
export function labelUnitPrice(
  d: { unitPrice?: { amount: number | string; unit: string }; netContent?: NetContent },
  price: number | string,
  currency: string,
): { amount: string; unit: string } | UnitPrice | null {
  if (d.unitPrice) return { amount: amountText(d.unitPrice.amount), unit: d.unitPrice.unit };
  if (d.netContent) return unitPrice(price, d.netContent, minorUnitDigits(currency));
  return null;
}

/** A zero net content would divide by zero: refused with the field's path. */
export function netContentIssues(d: { netContent?: NetContent }): Issue[] {
  if (!d.netContent) return [];
  const a = d.netContent.amount;
  return (typeof a === 'number' ? a : Number(a)) > 0
    ? []
    : [{ path: '/netContent/amount', message: 'must be above 0' }];
}
