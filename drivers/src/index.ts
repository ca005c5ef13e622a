// Scanners: events, code parsing, HID and serial drivers; the GS1/EPC codec (also on its own,
// without the hardware modules, as `@store-edge/drivers/gs1`).
export {
  extractGtin,
  type Gs1Fields,
  gtinOf,
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
export * from './gs1/index.js';
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
