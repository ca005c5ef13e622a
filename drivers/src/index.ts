// Scanners: events, code parsing, HID and serial drivers. (gs1CheckDigit is not re-exported
// here: the EPC module exports an equivalent one under that name.)
export { AI_TABLE, type AiDefinition, matchAi } from './codes/ai-table.js';
export { hasValidCheckDigit, priceWeightCheckDigit } from './codes/check-digit.js';
export { isHttpUri, parseDigitalLink } from './codes/digital-link.js';
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
} from './codes/element-string.js';
export { type GtinFormat, type GtinResult, normaliseGtin } from './codes/gtin.js';
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
} from './codes/parse-code.js';
export {
  type AimIdentifier,
  type AimSplit,
  type ScanText,
  splitAimId,
  splitScanText,
} from './codes/symbology.js';
export {
  decodeVariableMeasure,
  RCN_REGIONS,
  type RcnRegion,
  type VariableMeasure,
} from './codes/variable-measure.js';
export type { DeviceStatus, DeviceStatusEvent, ScanEvent, Scanner, ScannerEvents } from './events.js';
export * from './hid/index.js';
export { ScannerBase } from './scanner-base.js';
export * from './serial/index.js';
