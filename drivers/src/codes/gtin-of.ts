import { decodeEpc } from '../epc/index.js';
import { type ParsedCode, parseCode } from './parse-code.js';

/**
 * The GTIN-14 a parsed code stands for: a GTIN, the (01) of a GS1 element string or Digital
 * Link, the GTIN of an SGTIN EPC; null for anything else (SSCC, GLN, a sku, unknown text).
 */
export function gtinOf(parsed: ParsedCode): string | null {
  if (parsed.kind === 'gtin') return parsed.gtin;
  if (parsed.kind === 'gs1') return parsed.gtin ?? null;
  if (parsed.kind === 'epc') {
    const d = decodeEpc(parsed.epc);
    return d.scheme === 'sgtin-96' || d.scheme === 'sgtin-198' ? d.gtin14 : null;
  }
  return null;
}

/** The GTIN-14 a scanned or typed code stands for (`gtinOf(parseCode(code))`). */
export function gtinOfCode(code: string): string | null {
  return gtinOf(parseCode(code));
}
