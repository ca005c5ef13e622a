/** GS1 helpers the templates need (GS1 General Specifications, release 24). */

/** Mod-10 check digit over the digits before it (GS1 GenSpecs §7.9.1). */
export function gs1CheckDigit(body: string): number {
  let sum = 0;
  // Weights 3,1,3,… counted from the rightmost body digit.
  for (let i = body.length - 1, w = 3; i >= 0; i--, w = 4 - w) sum += (body.charCodeAt(i) - 48) * w;
  return (10 - (sum % 10)) % 10;
}

export function hasValidCheckDigit(digits: string): boolean {
  return /^\d+$/.test(digits) && gs1CheckDigit(digits.slice(0, -1)) === Number(digits.at(-1));
}

/** A GTIN-8/12/13/14 padded to 14 digits, or an explanation of why it is not one. */
export function normalizeGtin(input: string): { gtin14: string } | { error: string } {
  const digits = input.trim();
  if (!/^\d+$/.test(digits)) return { error: 'a GTIN has digits only' };
  if (![8, 12, 13, 14].includes(digits.length))
    return { error: `a GTIN has 8, 12, 13 or 14 digits, not ${digits.length}` };
  if (!hasValidCheckDigit(digits)) {
    return { error: `check digit should be ${gs1CheckDigit(digits.slice(0, -1))}` };
  }
  return { gtin14: digits.padStart(14, '0') };
}

/**
 * The retail symbol for a GTIN (GenSpecs §5.2.1.2, figure 5.2.1.2-1): GTIN-8 → EAN-8,
 * GTIN-12 or GTIN-13 (GTIN-14 with a leading zero) → EAN-13 (a UPC-A is an EAN-13 whose
 * first digit is 0: same bars), any other GTIN-14 (a case, indicator 1-8) → GS1-128 with AI (01).
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

export interface Gs1Element {
  ai: string;
  value: string;
}

/** AIs with a predefined length: no FNC1/GS separator after them (GenSpecs §7.8.5, figure 7.8.5-2). */
const FIXED_LENGTH: Record<string, number> = {
  '00': 18,
  '01': 14,
  '02': 14,
  '11': 6,
  '13': 6,
  '15': 6,
  '17': 6,
};

export function isFixedLengthAi(ai: string): boolean {
  return ai in FIXED_LENGTH;
}

/**
 * Orders elements so fixed-length AIs come first and variable-length ones last, which saves
 * separators (GenSpecs §5.4.7.7 recommends the variable-length string at the end).
 */
export function orderForEncoding(elements: Gs1Element[]): Gs1Element[] {
  return [
    ...elements.filter((e) => isFixedLengthAi(e.ai)),
    ...elements.filter((e) => !isFixedLengthAi(e.ai)),
  ];
}

/** `(01)09501101020917(17)261231` — the human-readable interpretation and bwip-js input form. */
export function bracketed(elements: Gs1Element[]): string {
  return elements.map((e) => `(${e.ai})${e.value}`).join('');
}

/**
 * The element string as a scanner transmits it (GenSpecs §7.8.5): AIs and values
 * concatenated, GS (0x1D) after each variable-length value that is not last.
 */
export function transmitted(elements: Gs1Element[]): string {
  let out = '';
  elements.forEach((e, i) => {
    out += e.ai + e.value;
    if (!isFixedLengthAi(e.ai) && i < elements.length - 1) out += '\x1d';
  });
  return out;
}

/** GS1 AI encodable character set 82 (GenSpecs §7.11, figure 7.11-1). */
export const CSET82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*$/;

/** `2026-12-31` or `261231` → `261231` (AI 17 is YYMMDD; DD 00 means end of month). */
export function toYymmdd(date: string): string | null {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const [yy, mm, dd] = iso
    ? [iso[1]?.slice(2), iso[2], iso[3]]
    : [date.slice(0, 2), date.slice(2, 4), date.slice(4, 6)];
  if (!iso && !/^\d{6}$/.test(date)) return null;
  const month = Number(mm);
  const day = Number(dd);
  if (month < 1 || month > 12 || day > 31) return null;
  return `${yy}${mm}${dd}`;
}
