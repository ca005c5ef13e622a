import type { TagReadEvent } from '../events.js';
import { type EventContext, walkJsonEvents } from './envelope.js';
import { antennaOf, epcFromHex } from './fields.js';
import { isObject, type ParseResult, rawOf } from './result.js';

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
  return walkJsonEvents('zebra-iot', readerId, text, receivedAt, addEvent);
}

function addEvent(ev: unknown, { readerId, where, receivedAt, times, result }: EventContext): void {
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
