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
export { gtinOf, gtinOfCode } from './codes/gtin-of.js';
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
export * from './epc/index.js';
export type { DeviceStatus, DeviceStatusEvent, ScanEvent, Scanner, ScannerEvents } from './events.js';
export * from './hid/index.js';
export * from './printers/index.js';
export type { TagReadEvent } from './rfid/events.js';
export {
  type ParseOptions,
  type ParseResult,
  parseReaderPayload,
  READER_FORMATS,
  type ReaderFormat,
  type RejectedPayload,
} from './rfid/parsers/index.js';
export {
  buildImpinjEvents,
  buildZebraBatch,
  demoGtins,
  type ImpinjEventOptions,
  makeTagPopulation,
  type SimulatedRead,
  type ZebraBatchOptions,
} from './rfid/payloads.js';
export {
  DEFAULT_SMOOTHER_SETTINGS,
  type Presence,
  type PresenceEvent,
  PresenceSmoother,
  type SmootherClock,
  type SmootherSettings,
} from './rfid/smoother.js';
export { ScannerBase } from './scanner-base.js';
export * from './serial/index.js';
