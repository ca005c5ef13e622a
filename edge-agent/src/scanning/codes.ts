/**
 * The agent's view of a code: the drivers' parser (GTIN, GS1 element string, Digital Link,
 * EPC, SKU) reduced to what lookups need. Lookups and the ledger's writer both reduce a code to
 * its GTIN with the drivers' `gtinOfCode`, so both resolve a scanned code to the same item.
 */
import { decodeEpc, gtinOfCode, type ParsedCode, parseCode } from '@store-edge/drivers';
import type { ParsedCodeInfo } from '../context.js';
import type { GtinExtractor } from '../ledger/catalog.js';

/** `parseCode` for the API (GET /items/lookup `parsed`): EPCs come with their decoded identity. */
export function parseCodeInfo(raw: string): ParsedCodeInfo {
  return withEpcIdentity(parseCode(raw));
}

/** Adds the EPC Tag Data Standard decoding (scheme, gtin, serial, uri) to an `epc` result. */
export function withEpcIdentity(parsed: ParsedCode): ParsedCodeInfo {
  if (parsed.kind !== 'epc') return { ...parsed };
  const d = decodeEpc(parsed.epc);
  if (d.scheme === 'invalid') return { ...parsed, scheme: 'invalid', reason: d.reason };
  if (d.scheme === 'unknown') return { ...parsed, scheme: 'unknown', header: d.header };
  const out: ParsedCodeInfo = { ...parsed, scheme: d.scheme, uri: d.uri, filter: d.filter };
  if (d.scheme === 'sgtin-96' || d.scheme === 'sgtin-198') {
    out.gtin = d.gtin14;
    out.serial = d.serial;
  } else if (d.scheme === 'sscc-96') out.sscc = d.sscc18;
  else if (d.scheme === 'sgln-96') out.gln = d.gln;
  return out;
}

/** The Catalog's extractor (`new Catalog(db, extractGtin)`): the drivers' `gtinOfCode`. */
export const extractGtin: GtinExtractor = gtinOfCode;
