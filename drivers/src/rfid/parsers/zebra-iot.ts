import type { TagReadEvent } from '../events.js';
import { antennaOf, epcFromHex, TimestampCache } from './fields.js';
import { splitJsonValues } from './json-stream.js';
import { clip, isObject, type ParseResult, rawOf } from './result.js';

/**
 * Zebra FX7500/FX9600/ATR7000 IoT Connector tag data events
 * (testing/fixtures/zebra-iot-connector-events.json):
 *   `{type, timestamp, data: {idHex, antenna?, peakRssi?, format?, eventNum?, reads?, MAC?, …}}`
 * one per message, a JSON array of them when batching is on, or objects concatenated with
 * no delimiter. `type` is the operating mode (SIMPLE, PORTAL, …), so a tag event is
 * recognised by `data.idHex`, not by `type`.
 *
 * Management events (envelope `{type, timestamp, component, eventNum, data}`; types
 * heartbeat, gpi, error, warning, firmwareUpdateProgress) may share the topic; they are
 * counted as ignored.
 */
const MANAGEMENT_TYPES = new Set(['heartbeat', 'gpi', 'GPI', 'error', 'warning', 'firmwareUpdateProgress']);

export function parseZebraIot(readerId: string, text: string, receivedAt: Date): ParseResult {
  const result: ParseResult = { reads: [], rejected: [], ignored: 0 };
  const times = new TimestampCache();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not one JSON value: maybe several objects back to back.
    const parts = splitJsonValues(text);
    if (parts.length === 0) {
      result.rejected.push({ reason: 'zebra-iot: empty payload', raw: clip(text) });
      return result;
    }
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string;
      let value: unknown;
      try {
        value = JSON.parse(part);
      } catch (err) {
        result.rejected.push({
          reason: `zebra-iot part ${i}: not JSON (${(err as Error).message})`,
          raw: clip(part),
        });
        continue;
      }
      addValue(readerId, value, `part ${i}`, receivedAt, times, result);
    }
    return result;
  }
  addValue(readerId, parsed, 'message', receivedAt, times, result);
  return result;
}

function addValue(
  readerId: string,
  value: unknown,
  where: string,
  receivedAt: Date,
  times: TimestampCache,
  result: ParseResult,
): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      addEvent(readerId, value[i], `${where} event ${i}`, receivedAt, times, result);
    }
  } else {
    addEvent(readerId, value, where, receivedAt, times, result);
  }
}

function addEvent(
  readerId: string,
  ev: unknown,
  where: string,
  receivedAt: Date,
  times: TimestampCache,
  result: ParseResult,
): void {
  if (!isObject(ev)) {
    result.rejected.push({ reason: `zebra-iot ${where}: not a JSON object`, raw: rawOf(ev) });
    return;
  }
  const data = ev['data'];
  if (!isObject(data) || data['idHex'] === undefined) {
    if (isManagement(ev)) {
      result.ignored++;
      return;
    }
    const reason = isObject(data) ? 'data.idHex missing' : 'no data object';
    result.rejected.push({ reason: `zebra-iot ${where}: ${reason}`, raw: rawOf(ev) });
    return;
  }
  const format = data['format'];
  if (format !== undefined && format !== 'epc') {
    result.rejected.push({
      reason: `zebra-iot ${where}: data.format ${String(format)} is not epc`,
      raw: rawOf(ev),
    });
    return;
  }
  const epc = epcFromHex(data['idHex']);
  if (epc === undefined) {
    result.rejected.push({
      reason: `zebra-iot ${where}: data.idHex is not an even-length hex string`,
      raw: rawOf(ev),
    });
    return;
  }
  const antenna = antennaOf(data['antenna']);
  if (antenna === undefined) {
    result.rejected.push({ reason: `zebra-iot ${where}: data.antenna is not a port number`, raw: rawOf(ev) });
    return;
  }
  const ms = times.ms(ev['timestamp']);
  const peak = data['peakRssi'];
  // Always the same property set, so every read shares one hidden class.
  const read: TagReadEvent = {
    readerId,
    antenna,
    epc,
    rssi: typeof peak === 'number' && Number.isFinite(peak) ? peak : undefined,
    at: Number.isNaN(ms) ? receivedAt : new Date(ms),
  };
  result.reads.push(read);
}

function isManagement(ev: Record<string, unknown>): boolean {
  const type = ev['type'];
  return (typeof type === 'string' && MANAGEMENT_TYPES.has(type)) || typeof ev['component'] === 'string';
}
