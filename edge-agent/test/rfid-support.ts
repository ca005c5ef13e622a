import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFixture, makeTempDir } from '@store-edge/testing';
import type { Json, TestAgent } from './helpers.js';

/** SGTIN-96 test vectors (EPC TDS examples) and the items their GTINs stand for. */
export interface SgtinVector {
  hex: string;
  gtin14: string;
  serial: string;
}
const vectors = (loadFixture('sgtin96-vectors.json') as { vectors: Array<SgtinVector & { filter: number }> })
  .vectors;
/** Distinct GTINs among the vectors (two vectors share the TDS example's GTIN and serial). */
export const TAGS = {
  /** urn:epc:id:sgtin:0614141.812345.6789, filter 1 */
  water: vectors.find((v) => v.hex === '3034257BF7194E4000001A85') as SgtinVector,
  /** urn:epc:id:sgtin:0008000.001137.11 */
  soap: vectors.find((v) => v.hex === '3034007D00011C400000000B') as SgtinVector,
  /** urn:epc:id:sgtin:8411135.035402.54879624 */
  shirt: vectors.find((v) => v.hex === '3036015FFC22928003456588') as SgtinVector,
};

const zebra = loadFixture('zebra-iot-connector-events.json') as {
  tagDataEvent: { singleEvent: Json };
  batchedTagDataEvents: { example: Json[] };
};
export const zebraFixture = {
  singleEvent: zebra.tagDataEvent.singleEvent,
  batched: zebra.batchedTagDataEvents,
};
export const impinjFixture = loadFixture('impinj-iot-events.json') as { tagInventoryEventExample: Json };

/** The fixture's batched Zebra message with each event's idHex replaced by the given EPCs. */
export function zebraBatch(epcs: string[], peakRssi?: number): string {
  const template = zebraFixture.batched.example[0];
  return JSON.stringify(
    epcs.map((epc, i) => ({
      ...template,
      data: {
        ...template.data,
        idHex: epc,
        eventNum: i + 1,
        ...(peakRssi === undefined ? {} : { peakRssi }),
      },
    })),
  );
}

/** The fixture's Impinj tagInventory event with its EPC (both forms) replaced. */
export function impinjEvent(epc: string): string {
  const ev = impinjFixture.tagInventoryEventExample;
  return JSON.stringify({
    ...ev,
    tagInventoryEvent: {
      ...ev.tagInventoryEvent,
      epcHex: epc,
      epc: Buffer.from(epc, 'hex').toString('base64'),
    },
  });
}

export const READERS = {
  dock: {
    id: 'dock-reader',
    kind: 'rfid-reader',
    format: 'zebra-iot',
    topic: 'zebra/dock/data',
    username: 'dock',
    password: 'dock-secret-1',
    zone: 'dock',
  },
  floor: {
    id: 'floor-reader',
    kind: 'rfid-reader',
    format: 'impinj-iot',
    topic: 'impinj/floor/events',
    username: 'floor',
    password: 'floor-secret-1',
    zone: 'salesfloor',
  },
  backroom: {
    id: 'backroom-reader',
    kind: 'rfid-reader',
    format: 'zebra-iot',
    topic: 'zebra/backroom/data',
    username: 'backroom',
    password: 'backroom-secret-1',
    zone: 'backroom',
  },
  front: {
    id: 'front-reader',
    kind: 'rfid-reader',
    format: 'zebra-iot',
    topic: 'zebra/front/data',
    username: 'front',
    password: 'front-secret-1',
    zone: 'front',
  },
} as const;

/** A config file with the readers; one read makes a tag present, so one message shows a tag. */
export function rfidConfig(extra: Record<string, unknown> = {}): { file: string; remove(): void } {
  const dir = makeTempDir('store-edge-rfid-config-');
  const file = join(dir.path, 'config.json');
  writeFileSync(
    file,
    JSON.stringify({
      devices: Object.values(READERS),
      rfid: { smoothing: { arriveReads: 1 }, quarantinePerSecond: 10 },
      ...extra,
    }),
  );
  return { file, remove: () => dir.remove() };
}

export async function putItem(t: TestAgent, sku: string, gtin: string): Promise<void> {
  const r = await t.api(`/api/v1/items/${sku}`, {
    method: 'PUT',
    body: { name: sku, gtins: [gtin], price: { amount: '1.00', currency: 'EUR' } },
  });
  if (r.status >= 300) throw new Error(`PUT /items/${sku}: ${r.status} ${JSON.stringify(r.body)}`);
}

/** Polls until `check` returns a value (bounded: tests must not hang). */
export async function until<T>(what: string, check: () => Promise<T | undefined | null | false>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function tags(t: TestAgent, zone?: string): Promise<Json[]> {
  const r = await t.api(`/api/v1/rfid/tags${zone ? `?zone=${zone}` : ''}`);
  if (r.status !== 200) throw new Error(`GET /rfid/tags: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.tags;
}
