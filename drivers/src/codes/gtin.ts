/** GTIN-8/12/13/14 validation and normalisation to GTIN-14 (GS1 General Specifications §3.3.2, §7.9). */
import { gs1CheckDigit, hasValidCheckDigit } from './check-digit.js';

export type GtinFormat = 'GTIN-8' | 'GTIN-12' | 'GTIN-13' | 'GTIN-14';

export type GtinResult = { ok: true; gtin: string; format: GtinFormat } | { ok: false; reason: string };

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
    const expected = gs1CheckDigit(digits.slice(0, -1));
    return { ok: false, reason: `${format} check digit is ${digits.slice(-1)}, expected ${expected}` };
  }
  return { ok: true, gtin: digits.padStart(14, '0'), format };
}
