/**
 * GS1 check digits. Standard mod-10 per GS1 General Specifications §7.9.1; the price/weight
 * check digits of in-store variable-measure codes per §7.9.2–§7.9.4.
 */

/** True for a non-empty string of ASCII digits (a loop, not a regex: EPC decoding calls it per read). */
export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Mod-10 check digit for the data digits (check digit excluded) of any GS1 key — GTIN, SSCC,
 * GLN, GRAI, … (§7.9.1); undefined for non-digits.
 */
export function gs1CheckDigit(data: string): number | undefined {
  if (!isDigits(data)) return undefined;
  let sum = 0;
  // Weights 3,1,3,1… from the rightmost data digit (§7.9.1).
  for (let i = data.length - 1, weight = 3; i >= 0; i--, weight = 4 - weight) {
    sum += (data.charCodeAt(i) - 48) * weight;
  }
  return (10 - (sum % 10)) % 10;
}

/** `data` followed by its mod-10 check digit (§7.9.1): a whole GS1 key from its data digits. */
export function withCheckDigit(data: string): string {
  const check = gs1CheckDigit(data);
  if (check === undefined) throw new RangeError(`a GS1 key has digits only: ${data}`);
  return data + check;
}

/** True when the last digit of `digits` is the GS1 mod-10 check digit of the others. */
export function hasValidCheckDigit(digits: string): boolean {
  if (digits.length < 2 || !isDigits(digits)) return false;
  return gs1CheckDigit(digits.slice(0, -1)) === digits.charCodeAt(digits.length - 1) - 48;
}

// Weighting-factor products of §7.9.2 (index = digit, value = product's units digit).
const TWO_MINUS = [0, 2, 4, 6, 8, 9, 1, 3, 5, 7] as const;
const THREE = [0, 3, 6, 9, 2, 5, 8, 1, 4, 7] as const;
const FIVE_PLUS = [0, 5, 1, 6, 2, 7, 3, 8, 4, 9] as const;
const FIVE_MINUS = [0, 5, 9, 4, 8, 3, 7, 2, 6, 1] as const;

/**
 * Check digit of a 4- or 5-digit price/weight field (§7.9.3 four-digit, §7.9.4 five-digit);
 * undefined for other lengths or non-digits.
 */
export function priceWeightCheckDigit(value: string): number | undefined {
  if (!isDigits(value)) return undefined;
  const d = [...value].map((c) => c.charCodeAt(0) - 48);
  const at = (table: readonly number[], i: number): number => table[d[i] ?? 0] ?? 0;
  if (d.length === 4) {
    const sum = at(TWO_MINUS, 0) + at(TWO_MINUS, 1) + at(THREE, 2) + at(FIVE_MINUS, 3);
    return (sum * 3) % 10;
  }
  if (d.length === 5) {
    const sum = at(FIVE_PLUS, 0) + at(TWO_MINUS, 1) + at(FIVE_MINUS, 2) + at(FIVE_PLUS, 3) + at(TWO_MINUS, 4);
    const product = (10 - (sum % 10)) % 10;
    // The check digit is the digit whose 5- weighted product equals the result.
    return FIVE_MINUS.indexOf(product as (typeof FIVE_MINUS)[number]);
  }
  return undefined;
}
