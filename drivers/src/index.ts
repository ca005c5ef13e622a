export * from './epc/index.js';
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
