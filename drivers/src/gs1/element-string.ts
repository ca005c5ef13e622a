/**
 * GS1 element strings (GS1 General Specifications §7.8): the concatenated form a scanner
 * transmits (FNC1 sent as GS, ASCII 29) and the bracketed human-readable form `(01)…(10)…`.
 */
import { AI_TABLE, type AiDefinition, matchAi } from './ai-table.js';
import { hasValidCheckDigit } from './check-digit.js';

export const GS = '\u001d';

export interface Gs1Element {
  ai: string;
  value: string;
}

export type ElementsResult = { ok: true; elements: Gs1Element[] } | { ok: false; reason: string };

/** GS1 AI encodable character set 82 (§7.11, Figure 7.11-1). */
export const CSET82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*$/;

/** Checks one value against its AI's format; returns the reason it is invalid, if it is. */
export function validateValue(def: AiDefinition, value: string): string | undefined {
  const where = `(${def.ai})`;
  if (value.length === 0) return `${where} has an empty value`;
  if (def.length !== undefined && value.length !== def.length) {
    return `${where} needs exactly ${def.length} characters, got ${value.length}`;
  }
  if (value.length < def.minLength) return `${where} needs at least ${def.minLength} characters`;
  if (value.length > def.maxLength) return `${where} allows at most ${def.maxLength} characters`;
  if (def.charset === 'N' && !/^\d+$/.test(value)) return `${where} must be digits only`;
  if (!CSET82.test(value)) return `${where} contains characters outside GS1 character set 82`;
  if (def.numericPrefix && !/^\d+$/.test(value.slice(0, def.numericPrefix))) {
    return `${where} must start with ${def.numericPrefix} digits`;
  }
  if (def.checkDigitLength && !hasValidCheckDigit(value.slice(0, def.checkDigitLength))) {
    return `${where} has an invalid check digit`;
  }
  if (def.date && decodeDate(value) === undefined) return `${where} is not a valid YYMMDD date`;
  return undefined;
}

/**
 * YYMMDD to an ISO date. The century follows §7.12: a year more than 49 years ahead of the
 * reference year belongs to the previous century, more than 50 behind to the next one. DD=00
 * stands for the last day of the month.
 */
export function decodeDate(yymmdd: string, referenceYear = new Date().getUTCFullYear()): string | undefined {
  const m = /^(\d\d)(\d\d)(\d\d)$/.exec(yymmdd);
  if (!m) return undefined;
  const yy = Number(m[1]);
  const month = Number(m[2]);
  let day = Number(m[3]);
  if (month < 1 || month > 12) return undefined;
  const currentYY = referenceYear % 100;
  let century = referenceYear - currentYY;
  const diff = yy - currentYY;
  if (diff >= 51) century -= 100;
  else if (diff <= -50) century += 100;
  const year = century + yy;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day === 0) day = lastDay;
  if (day > lastDay) return undefined;
  return `${String(year).padStart(4, '0')}-${m[2]}-${String(day).padStart(2, '0')}`;
}

/**
 * Parses a concatenated element string (leading FNC1 already removed): a pre-defined length
 * AI takes exactly its length, any other runs to the next GS or its maximum length. A GS
 * where none is needed is ignored, as scanners send redundant ones.
 */
export function parseElementString(data: string): ElementsResult {
  const elements: Gs1Element[] = [];
  let i = 0;
  while (i < data.length) {
    if (data[i] === GS) {
      i++;
      continue;
    }
    const def = matchAi(data, i);
    if (!def)
      return {
        ok: false,
        reason: `no known GS1 AI at position ${i}: ${JSON.stringify(data.slice(i, i + 4))}`,
      };
    const start = i + def.ai.length;
    let end: number;
    if (def.length !== undefined) {
      end = start + def.length;
      if (end > data.length) return { ok: false, reason: `(${def.ai}) is cut short` };
    } else {
      const gs = data.indexOf(GS, start);
      end = Math.min(gs === -1 ? data.length : gs, start + def.maxLength);
    }
    const value = data.slice(start, end);
    const invalid = validateValue(def, value);
    if (invalid) return { ok: false, reason: invalid };
    elements.push({ ai: def.ai, value });
    i = end;
  }
  if (elements.length === 0) return { ok: false, reason: 'empty GS1 data' };
  return { ok: true, elements };
}

/**
 * Parses the bracketed form `(01)09506000134352(10)ABC`. A literal `(` inside a value is
 * written `\(` as in gs1-syntax-engine.
 */
export function parseBracketed(hri: string): ElementsResult {
  const elements: Gs1Element[] = [];
  let i = 0;
  while (i < hri.length) {
    if (hri[i] !== '(') return { ok: false, reason: `expected "(" at position ${i}` };
    const close = hri.indexOf(')', i);
    if (close === -1) return { ok: false, reason: 'unterminated AI bracket' };
    const ai = hri.slice(i + 1, close);
    if (!/^\d+$/.test(ai)) return { ok: false, reason: `AI ${JSON.stringify(ai)} is not numeric` };
    if (ai.length < 2) return { ok: false, reason: `AI (${ai}) too short` };
    if (ai.length > 4) return { ok: false, reason: `AI (${ai}) too long` };
    const def = AI_TABLE.get(ai);
    if (!def) return { ok: false, reason: `unknown GS1 AI (${ai})` };
    let value = '';
    let j = close + 1;
    while (j < hri.length && hri[j] !== '(') {
      if (hri[j] === '\\' && hri[j + 1] === '(') {
        value += '(';
        j += 2;
      } else {
        value += hri[j];
        j++;
      }
    }
    const invalid = validateValue(def, value);
    if (invalid) return { ok: false, reason: invalid };
    elements.push({ ai, value });
    i = j;
  }
  if (elements.length === 0) return { ok: false, reason: 'empty GS1 data' };
  return { ok: true, elements };
}

/** The bracketed human-readable form (§4.15 HRI). */
export function toBracketed(elements: readonly Gs1Element[]): string {
  return elements.map((e) => `(${e.ai})${e.value.replaceAll('(', '\\(')}`).join('');
}

/**
 * The concatenated form without the leading FNC1: `separator` (GS by default) after every
 * element that is not pre-defined length, except the last (§7.8.5).
 */
export function toElementString(elements: readonly Gs1Element[], separator = GS): string {
  let out = '';
  elements.forEach((e, index) => {
    out += e.ai + e.value;
    if (!isPredefinedLengthAi(e.ai) && index < elements.length - 1) out += separator;
  });
  return out;
}

/** True for an AI of predefined length (§7.8.5, Figure 7.8.5-2): no FNC1/GS needed after its value. */
export function isPredefinedLengthAi(ai: string): boolean {
  return AI_TABLE.get(ai)?.predefinedLength ?? false;
}

/**
 * The elements with the predefined-length AIs first and the others last, which saves
 * separators (§5.4.7.7 recommends the variable-length string at the end).
 */
export function orderForEncoding(elements: readonly Gs1Element[]): Gs1Element[] {
  return [
    ...elements.filter((e) => isPredefinedLengthAi(e.ai)),
    ...elements.filter((e) => !isPredefinedLengthAi(e.ai)),
  ];
}

/**
 * `2026-12-31` or `261231` → `261231`, the YYMMDD of date AIs such as (17) (§7.12; DD 00
 * stands for the end of the month); null when it is neither form or the month/day is out of range.
 */
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
