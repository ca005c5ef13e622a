export { AI_TABLE, type AiDefinition, matchAi } from './ai-table.js';
export { gs1CheckDigit, hasValidCheckDigit, priceWeightCheckDigit } from './check-digit.js';
export { isHttpUri, parseDigitalLink } from './digital-link.js';
export {
  decodeDate,
  type ElementsResult,
  GS,
  type Gs1Element,
  parseBracketed,
  parseElementString,
  toBracketed,
  toElementString,
  validateValue,
} from './element-string.js';
export { type GtinFormat, type GtinResult, normaliseGtin } from './gtin.js';
export { gtinOf, gtinOfCode } from './gtin-of.js';
export {
  type Gs1Fields,
  looksLikeEpcHex,
  type ParseCodeOptions,
  type ParsedCode,
  type ParsedEpc,
  type ParsedGs1,
  type ParsedGtin,
  type ParsedSku,
  type ParsedUnknown,
  parseCode,
  parseScan,
} from './parse-code.js';
export { type AimIdentifier, type AimSplit, type ScanText, splitAimId, splitScanText } from './symbology.js';
export {
  decodeVariableMeasure,
  RCN_REGIONS,
  type RcnRegion,
  type VariableMeasure,
} from './variable-measure.js';
