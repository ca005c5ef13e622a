import { withCheckDigit } from '../gs1/check-digit.js';
import { encodeSgtin96 } from '../gs1/epc/encode.js';

/** One read to put on the wire, as a simulated reader would report it. */
export interface SimulatedRead {
  epc: string;
  antenna: number;
  /** dBm */
  rssi: number;
  at: Date;
}

export interface ZebraBatchOptions {
  /** Reader MAC in `data.MAC`. Default C4:7D:CC:FF:FF:FF (the fixture's). */
  mac?: string;
  /** `data.eventNum` of the first read; the reader counts up from there. Default 1. */
  firstEventNum?: number;
}

/** Zebra timestamps look like `2025-10-07T15:04:46.000+0000` (zebra-iot-connector-events.json). */
function zebraTime(d: Date): string {
  return `${d.toISOString().slice(0, -1)}+0000`;
}

/**
 * A batched Zebra IoT Connector tag data message: a JSON array of
 * `{type: 'SIMPLE', timestamp, data: {MAC, antenna, eventNum, format: 'epc', idHex, peakRssi, reads}}`,
 * field for field the fixture's `batchedTagDataEvents.example`.
 */
export function buildZebraBatch(reads: readonly SimulatedRead[], options: ZebraBatchOptions = {}): string {
  const mac = options.mac ?? 'C4:7D:CC:FF:FF:FF';
  let eventNum = options.firstEventNum ?? 1;
  const events = reads.map((r) => ({
    type: 'SIMPLE',
    timestamp: zebraTime(r.at),
    data: {
      MAC: mac,
      antenna: r.antenna,
      eventNum: eventNum++,
      format: 'epc',
      idHex: r.epc,
      peakRssi: Math.round(r.rssi),
      reads: 1,
    },
  }));
  return JSON.stringify(events);
}

export interface ImpinjEventOptions {
  /** `hostname` of the envelope. Default impinj-01-23-45 (the fixture's). */
  hostname?: string;
}

/**
 * Impinj IoT device interface `tagInventory` ReaderEvents, one JSON text per read (over MQTT
 * the reader publishes one event per message), shaped like the fixture's
 * `tagInventoryEventExample` with both `epc` (base64) and `epcHex`.
 */
export function buildImpinjEvents(
  reads: readonly SimulatedRead[],
  options: ImpinjEventOptions = {},
): string[] {
  const hostname = options.hostname ?? 'impinj-01-23-45';
  return reads.map((r) => {
    const time = r.at.toISOString();
    return JSON.stringify({
      timestamp: time,
      hostname,
      eventType: 'tagInventory',
      tagInventoryEvent: {
        epc: Buffer.from(r.epc, 'hex').toString('base64'),
        epcHex: r.epc,
        antennaPort: r.antenna,
        antennaName: `ANTENNA-${r.antenna}`,
        peakRssiCdbm: Math.round(r.rssi * 100),
        frequency: 927250,
        transmitPowerCdbm: 3000,
        lastSeenTime: time,
      },
    });
  });
}

/**
 * GTINs the simulator tags with: GS1's example company prefix 0614141 (as in the EPC TDS
 * examples) and item references 00001…, with computed check digits.
 */
export function demoGtins(count = 3): string[] {
  const out: string[] = [];
  for (let i = 1; i <= count; i++) {
    const body = `00614141${String(i).padStart(5, '0')}`;
    out.push(withCheckDigit(body));
  }
  return out;
}

/** `count` distinct SGTIN-96 EPCs spread over `gtins` (serials 1, 2, …), filter 1, 7-digit prefix. */
export function makeTagPopulation(count: number, gtins: readonly string[]): string[] {
  const epcs: string[] = [];
  for (let i = 0; i < count; i++) {
    const gtin14 = gtins[i % gtins.length] as string;
    epcs.push(
      encodeSgtin96({ gtin14, serial: Math.floor(i / gtins.length) + 1, filter: 1, companyPrefixLength: 7 }),
    );
  }
  return epcs;
}
