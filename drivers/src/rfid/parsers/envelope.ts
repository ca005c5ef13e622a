import { TimestampCache } from './fields.js';
import { splitJsonValues } from './json-stream.js';
import { clip, type ParseResult } from './result.js';

/** Where an event sits in a message, for readable rejection reasons. */
export interface EventContext {
  readerId: string;
  where: string;
  receivedAt: Date;
  times: TimestampCache;
  result: ParseResult;
}

/**
 * The framing both reader families share: one JSON value per message, a JSON array of events
 * (batching, webhook bodies), or several JSON values back to back (Zebra's concatenated stream,
 * Impinj's newline-delimited HTTP stream). Each event goes to `onEvent`; a part that is not JSON
 * is rejected on its own, so one bad part never costs the good ones. Never throws.
 */
export function walkJsonEvents(
  format: string,
  readerId: string,
  text: string,
  receivedAt: Date,
  onEvent: (ev: unknown, ctx: EventContext) => void,
  /** Plain-text messages the reader is known to send (status lines): counted as ignored. */
  isKnownText: (trimmed: string) => boolean = () => false,
): ParseResult {
  const result: ParseResult = { reads: [], rejected: [], ignored: 0 };
  const times = new TimestampCache();
  const addValue = (value: unknown, where: string) => {
    if (Array.isArray(value)) {
      // An empty array is a batch with nothing queued: no reads, nothing wrong.
      for (let i = 0; i < value.length; i++) {
        onEvent(value[i], { readerId, where: `${where} event ${i}`, receivedAt, times, result });
      }
    } else {
      onEvent(value, { readerId, where, receivedAt, times, result });
    }
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    if (isKnownText(text.trim())) {
      result.ignored++;
      return result;
    }
    // Not one JSON value: maybe several back to back.
    const parts = splitJsonValues(text);
    if (parts.length === 0) {
      result.rejected.push({ reason: `${format}: empty payload`, raw: clip(text) });
      return result;
    }
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string;
      let value: unknown;
      try {
        value = JSON.parse(part);
      } catch (err) {
        result.rejected.push({
          reason: `${format} part ${i}: not JSON (${(err as Error).message})`,
          raw: clip(part),
        });
        continue;
      }
      addValue(value, `part ${i}`);
    }
    return result;
  }
  addValue(parsed, 'message');
  return result;
}
