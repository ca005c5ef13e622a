/**
 * The GS1/EPC codec: the one implementation drivers, labels and the edge agent use
 * (`@store-edge/drivers/gs1`, pure, no hardware dependencies).
 *
 * - check digits — GS1 General Specifications §7.9 (check-digit.ts)
 * - GTIN forms and normalisation to GTIN-14, the GTIN's retail symbol — §3.3.2, §5.2.1.2 (gtin.ts)
 * - application identifiers — §3.2, §7.8.5 predefined lengths (ai-table.ts)
 * - element strings, bracketed and concatenated — §7.8, §4.15 HRI, §7.11 CSET 82, §7.12 dates
 *   (element-string.ts)
 * - GS1 Digital Link URIs — GS1 Digital Link Standard 1.2 §4 (digital-link.ts)
 * - EPC binary encodings — GS1 EPC Tag Data Standard 1.13 §14: decode of SGTIN-96/198,
 *   SSCC-96, SGLN-96, GRAI-96, GIAI-96, encode of SGTIN-96 (epc/)
 */
export { AI_TABLE, type AiDefinition, matchAi } from './ai-table.js';
export {
  gs1CheckDigit,
  hasValidCheckDigit,
  isDigits,
  priceWeightCheckDigit,
  withCheckDigit,
} from './check-digit.js';
export { isHttpUri, parseDigitalLink } from './digital-link.js';
export {
  CSET82,
  decodeDate,
  type ElementsResult,
  GS,
  type Gs1Element,
  isPredefinedLengthAi,
  orderForEncoding,
  parseBracketed,
  parseElementString,
  toBracketed,
  toElementString,
  toYymmdd,
  validateValue,
} from './element-string.js';
export { decodeEpc } from './epc/decode.js';
export { encodeSgtin96, type Sgtin96Input } from './epc/encode.js';
export type {
  DecodedEpc,
  EpcDecodeResult,
  Giai,
  Grai,
  InvalidEpc,
  Sgln,
  Sgtin,
  Sscc,
  UnknownEpc,
} from './epc/types.js';
export { type GtinFormat, type GtinResult, type GtinSymbol, gtinSymbol, normaliseGtin } from './gtin.js';
