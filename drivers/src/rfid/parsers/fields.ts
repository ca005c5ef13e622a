import { nibble } from '../../gs1/epc/bits.js';

/**
 * Uppercase hex EPC or undefined. Allocates only when the reader sent lowercase, which is
 * the hot path for every read, so no regex.
 */
export function epcFromHex(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const n = v.length;
  if (n === 0 || n % 2 !== 0) return undefined;
  let lower = false;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (nibble(c) < 0) return undefined;
    if (c >= 97) lower = true;
  }
  return lower ? v.toUpperCase() : v;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/;

/** EPC bytes given as standard base64 (Impinj `epc`), as uppercase hex. */
export function epcFromBase64(v: unknown): string | undefined {
  if (typeof v !== 'string' || !BASE64.test(v)) return undefined;
  return Buffer.from(v, 'base64').toString('hex').toUpperCase();
}

/** Non-negative integer antenna port; 0 when absent; undefined when present but not a port. */
export function antennaOf(v: unknown): number | undefined {
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

/**
 * Parses reader timestamps with a one-entry cache: a batch usually repeats the same string,
 * and Date.parse is the most expensive step per read after JSON.parse.
 * Accepts ISO 8601 including Zebra's `+0000` offset form.
 */
export class TimestampCache {
  #last: string | undefined;
  #lastMs = Number.NaN;

  ms(v: unknown): number {
    if (typeof v !== 'string') return Number.NaN;
    if (v !== this.#last) {
      this.#last = v;
      this.#lastMs = Date.parse(v);
    }
    return this.#lastMs;
  }
}
