import type { TagReadEvent } from '../events.js';
import { type EventContext, walkJsonEvents } from './envelope.js';
import { antennaOf, epcFromBase64, epcFromHex } from './fields.js';
import { isObject, type ParseResult, rawOf } from './result.js';

/**
 * Impinj R700/R720 IoT device interface events (testing/fixtures/impinj-iot-events.json):
 * a ReaderEvent envelope `{timestamp, hostname?, eventType, <eventType>Event}`. Over MQTT
 * one event per message; webhook bodies are arrays and the HTTP stream is newline-delimited,
 * and both are accepted too.
 *
 * `tagInventoryEvent` carries the EPC as `epcHex` and/or base64 `epc`, depending on which
 * `eventConfig.tagInventory` fields are enabled; `epcHex` wins when both are present.
 * RSSI is in centi-dBm (`peakRssiCdbm`: -7000 = -70 dBm).
 */
const STATUS_EVENTS = new Set([
  'antennaConnected',
  'antennaDisconnected',
  'inventoryStatus',
  'antennaActivation',
  'overflow',
  'gpiTransition',
]);

/** MqttConfiguration defaults for connectMessage / willMessage / disconnectMessage. */
const MQTT_STATUS_TEXTS = new Set(['connected', 'connection lost', 'disconnected']);

export function parseImpinjIot(readerId: string, text: string, receivedAt: Date): ParseResult {
  return walkJsonEvents('impinj-iot', readerId, text, receivedAt, addEvent, (t) => MQTT_STATUS_TEXTS.has(t));
}

function addEvent(ev: unknown, { readerId, where, receivedAt, times, result }: EventContext): void {
  if (!isObject(ev)) {
    result.rejected.push({ reason: `impinj-iot ${where}: not a JSON object`, raw: rawOf(ev) });
    return;
  }
  const tag = ev['tagInventoryEvent'];
  const eventType = ev['eventType'];
  if (tag === undefined) {
    if (typeof eventType === 'string' && STATUS_EVENTS.has(eventType)) {
      result.ignored++;
      return;
    }
    const reason =
      eventType === 'tagInventory'
        ? 'tagInventoryEvent missing'
        : typeof eventType === 'string'
          ? `unknown eventType ${eventType}`
          : 'no eventType';
    result.rejected.push({ reason: `impinj-iot ${where}: ${reason}`, raw: rawOf(ev) });
    return;
  }
  if (!isObject(tag)) {
    result.rejected.push({
      reason: `impinj-iot ${where}: tagInventoryEvent is not an object`,
      raw: rawOf(ev),
    });
    return;
  }
  let epc: string | undefined;
  if (tag['epcHex'] !== undefined) {
    epc = epcFromHex(tag['epcHex']);
    if (epc === undefined) {
      result.rejected.push({
        reason: `impinj-iot ${where}: epcHex is not an even-length hex string`,
        raw: rawOf(ev),
      });
      return;
    }
  } else if (tag['epc'] !== undefined) {
    epc = epcFromBase64(tag['epc']);
    if (epc === undefined || epc.length === 0) {
      result.rejected.push({ reason: `impinj-iot ${where}: epc is not base64`, raw: rawOf(ev) });
      return;
    }
  } else {
    result.rejected.push({ reason: `impinj-iot ${where}: neither epcHex nor epc present`, raw: rawOf(ev) });
    return;
  }
  const antenna = antennaOf(tag['antennaPort']);
  if (antenna === undefined) {
    result.rejected.push({ reason: `impinj-iot ${where}: antennaPort is not a port number`, raw: rawOf(ev) });
    return;
  }
  let ms = times.ms(tag['lastSeenTime']);
  if (Number.isNaN(ms)) ms = times.ms(ev['timestamp']);
  const cdbm = tag['peakRssiCdbm'];
  const read: TagReadEvent = {
    readerId,
    antenna,
    epc,
    rssi: typeof cdbm === 'number' && Number.isFinite(cdbm) ? cdbm / 100 : undefined,
    at: Number.isNaN(ms) ? receivedAt : new Date(ms),
  };
  result.reads.push(read);
}
