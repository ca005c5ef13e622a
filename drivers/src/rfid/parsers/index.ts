import { parseImpinjIot } from './impinj-iot.js';
import type { ParseOptions, ParseResult } from './result.js';
import { parseZebraIot } from './zebra-iot.js';

export type { ParseOptions, ParseResult, RejectedPayload } from './result.js';

/** Reader payload formats, as named in a device's `format` setting (CONTRACT.md `rfid-reader`). */
export type ReaderFormat = 'zebra-iot' | 'impinj-iot';
export const READER_FORMATS: readonly ReaderFormat[] = ['zebra-iot', 'impinj-iot'];

/**
 * Turns one MQTT message from a fixed reader into tag reads. Never throws: anything that is
 * not a tag read or a recognised management/status event comes back in `rejected` with a
 * reason, and the caller keeps the reader connected.
 */
export function parseReaderPayload(
  format: ReaderFormat,
  readerId: string,
  payload: Uint8Array | string,
  options: ParseOptions = {},
): ParseResult {
  const receivedAt = options.receivedAt ?? new Date();
  let text: string;
  try {
    text =
      typeof payload === 'string'
        ? payload
        : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
  } catch (err) {
    return {
      reads: [],
      rejected: [{ reason: `${format}: unreadable payload (${(err as Error).message})`, raw: '' }],
      ignored: 0,
    };
  }
  // An empty message is how MQTT clears a retained one; nothing to read, nothing wrong.
  if (text.length === 0) return { reads: [], rejected: [], ignored: 1 };
  try {
    switch (format) {
      case 'zebra-iot':
        return parseZebraIot(readerId, text, receivedAt);
      case 'impinj-iot':
        return parseImpinjIot(readerId, text, receivedAt);
      default:
        return {
          reads: [],
          rejected: [{ reason: `unknown reader format ${String(format)}`, raw: '' }],
          ignored: 0,
        };
    }
  } catch (err) {
    // Defensive: the parsers are written not to throw; a bug must still not take the reader down.
    return {
      reads: [],
      rejected: [{ reason: `${format}: parser error (${(err as Error).message})`, raw: text.slice(0, 512) }],
      ignored: 0,
    };
  }
}
