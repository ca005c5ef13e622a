/**
 * Unit prices, as Directive 98/6/EC asks shops to show them next to the selling price.
 *
 * - Art. 3(1): the unit price is indicated for every product offered to consumers (with the
 *   exemptions of Art. 3(2)/Art. 5 that a Member State may grant; the label shows it whenever
 *   the item has a net content).
 * - Art. 2(b): the unit price is "the final price … for one kilogram, one litre, one metre, one
 *   square metre or one cubic metre"; Art. 5 lets Member States keep "per item" for goods sold
 *   by number. So net contents in g, kg → per kg; ml, l → per l; cm, m → per m; piece → per piece.
 *
 * Arithmetic is exact decimal (BigInt on the scaled digits, no float money). The Directive
 * does not say how to round; we round half up to the currency's minor unit (the cent for
 * EUR), the commercial rounding national rules (e.g. Germany's PAngV) and tills use, and the
 * one a shopper reproduces with a calculator: 1.99 € for 300 g → 6.633… → 6.63 €/kg.
 */

export const NET_CONTENT_UNITS = ['g', 'kg', 'ml', 'l', 'cm', 'm', 'piece'] as const;
export type NetContentUnit = (typeof NET_CONTENT_UNITS)[number];

/** The reference quantities of Art. 2(b) (and "per item", Art. 5). */
export type UnitPriceUnit = 'kg' | 'l' | 'm' | 'piece';

export interface NetContent {
  /** Decimal amount > 0: `500`, `"0.75"`. */
  amount: number | string;
  unit: NetContentUnit;
}

export interface UnitPrice {
  /** Exact decimal with the currency's minor-unit digits: `"6.63"`. */
  amount: string;
  unit: UnitPriceUnit;
}

/** Net content unit → (reference unit, how many net-content units make one reference unit). */
const REFERENCE: Record<NetContentUnit, { unit: UnitPriceUnit; per: bigint }> = {
  g: { unit: 'kg', per: 1000n },
  kg: { unit: 'kg', per: 1n },
  ml: { unit: 'l', per: 1000n },
  l: { unit: 'l', per: 1n },
  cm: { unit: 'm', per: 100n },
  m: { unit: 'm', per: 1n },
  piece: { unit: 'piece', per: 1n },
};

const DECIMAL = /^(\d{1,15})(?:\.(\d{1,6}))?$/;

/** `"1.25"` → {digits: 125n, scale: 2}; null when not a plain non-negative decimal. */
function parseDecimal(x: number | string): { digits: bigint; scale: number } | null {
  // A JSON number is read through its shortest round-trip text: 0.75 → "0.75".
  const m = DECIMAL.exec(typeof x === 'number' ? (Number.isFinite(x) ? String(x) : '') : x);
  if (!m) return null;
  const frac = m[2] ?? '';
  return { digits: BigInt(`${m[1]}${frac}`), scale: frac.length };
}

/** Digits of a currency's minor unit (EUR 2, JPY 0, BHD 3) as ISO 4217 via Intl knows them. */
export function minorUnitDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
    .maximumFractionDigits as number;
}

export class UnitPriceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnitPriceError';
  }
}

/**
 * The unit price of `price` for `net`, rounded half up to `fractionDigits` (the currency's
 * minor unit; default 2). Throws {@link UnitPriceError} on an amount that is not a decimal or
 * a net content of zero.
 */
export function unitPrice(price: number | string, net: NetContent, fractionDigits = 2): UnitPrice {
  const p = parseDecimal(price);
  if (!p) throw new UnitPriceError(`price ${String(price)} is not a decimal amount`);
  const q = parseDecimal(net.amount);
  if (!q || q.digits === 0n)
    throw new UnitPriceError(`net content ${String(net.amount)} must be a decimal amount above 0`);
  const ref = REFERENCE[net.unit];
  if (!ref)
    throw new UnitPriceError(
      `net content unit '${String(net.unit)}' is not one of ${NET_CONTENT_UNITS.join(', ')}`,
    );
  // price/10^ps per (amount/10^qs) units, times `per` units per reference unit, in 10^-fd:
  //   result = p · per · 10^(qs + fd) / (q · 10^ps)
  const num = p.digits * ref.per * 10n ** BigInt(q.scale + fractionDigits);
  const den = q.digits * 10n ** BigInt(p.scale);
  let r = num / den;
  if ((num % den) * 2n >= den) r += 1n; // half up
  return { amount: formatScaled(r, fractionDigits), unit: ref.unit };
}

function formatScaled(v: bigint, scale: number): string {
  if (scale === 0) return v.toString();
  const s = v.toString().padStart(scale + 1, '0');
  return `${s.slice(0, -scale)}.${s.slice(-scale)}`;
}
