/** GTIN-8/12/13/14 validation and normalisation to GTIN-14 (GS1 General Specifications §3.3.2, §7.9). */
import { gs1CheckDigit, hasValidCheckDigit } from './check-digit.js';
import type { Gs1Element } from './element-string.js';

export type GtinFormat = 'GTIN-8' | 'GTIN-12' | 'GTIN-13' | 'GTIN-14';

export type GtinResult =
  | { ok: true; gtin: string; format: GtinFormat }
  /** `expectedCheckDigit` is set when only the check digit is wrong. */
  | { ok: false; reason: string; expectedCheckDigit?: number };

const FORMATS: Record<number, GtinFormat> = { 8: 'GTIN-8', 12: 'GTIN-12', 13: 'GTIN-13', 14: 'GTIN-14' };

/**
 * Validates a GTIN of any length and left-pads it with zeros to GTIN-14, the form every
 * GTIN is compared in (§3.3.2: the check digit stays valid because padding adds weight 0).
 */
export function normaliseGtin(digits: string): GtinResult {
  if (!/^\d+$/.test(digits)) return { ok: false, reason: 'a GTIN has digits only' };
  const format = FORMATS[digits.length];
  if (!format) return { ok: false, reason: `a GTIN has 8, 12, 13 or 14 digits, not ${digits.length}` };
  if (!hasValidCheckDigit(digits)) {
    const expected = gs1CheckDigit(digits.slice(0, -1)) as number;
    return {
      ok: false,
      reason: `${format} check digit is ${digits.slice(-1)}, expected ${expected}`,
      expectedCheckDigit: expected,
    };
  }
  return { ok: true, gtin: digits.padStart(14, '0'), format };
}

/**
 * The retail symbol for a GTIN-14 (§5.2.1.2, figure 5.2.1.2-1): GTIN-8 → EAN-8, GTIN-12 or
 * GTIN-13 (a GTIN-14 with a leading zero) → EAN-13 (a UPC-A is an EAN-13 whose first digit
 * is 0: same bars), any other GTIN-14 (a case, indicator 1–8) → GS1-128 with AI (01).
 */
export type GtinSymbol =
  | { symbology: 'ean13'; digits: string }
  | { symbology: 'ean8'; digits: string }
  | { symbology: 'gs1-128'; elements: Gs1Element[] };

export function gtinSymbol(gtin14: string): GtinSymbol {
  if (gtin14.startsWith('000000')) return { symbology: 'ean8', digits: gtin14.slice(6) };
  if (gtin14.startsWith('0')) return { symbology: 'ean13', digits: gtin14.slice(1) };
  return { symbology: 'gs1-128', elements: [{ ai: '01', value: gtin14 }] };
}
