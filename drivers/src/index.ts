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
