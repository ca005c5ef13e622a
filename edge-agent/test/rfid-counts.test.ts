import { randomUUID } from 'node:crypto';
import { demoGtins, makeTagPopulation } from '@store-edge/drivers';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeAgent } from '../src/agent.js';
import { edgeFeatures } from '../src/features.js';
import { createLogger } from '../src/observability/logger.js';
import { type Json, startTestAgent, type TestAgent } from './helpers.js';
import { putItem, READERS, rfidConfig, tags, zebraBatch } from './rfid-support.js';

const [GTIN_A, GTIN_B] = demoGtins(2) as [string, string];
// makeTagPopulation alternates GTINs: even indexes are A, odd are B (serials 1, 2, ...).
const population = makeTagPopulation(60, [GTIN_A, GTIN_B]);
const tagsOf = (gtinIndex: 0 | 1, n: number) => population.filter((_, i) => i % 2 === gtinIndex).slice(0, n);
const UNKNOWN_EPC = '7EDA9038051002710002C0AE';

describe('RFID cycle counts', () => {
  let t: TestAgent;
  let config: { file: string; remove(): void };
  let reader: MqttClient;

  const move = (type: string, sku: string, qty: number, location = 'backroom') =>
    t.api('/api/v1/movements', {
      body: { movements: [{ id: randomUUID(), type, sku, qty, location }] },
    });
  const onHand = async (sku: string, location = 'backroom') =>
    (await t.api(`/api/v1/stock?sku=${sku}&location=${location}`)).body.items[0]?.onHand;
  const seen = async (id: string, n: number) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const r = await t.api(`/api/v1/rfid/counts/${id}`);
      if (r.body.tagsSeen >= n) return r.body;
      if (Date.now() > deadline) throw new Error(`count saw ${r.body.tagsSeen} of ${n} tags`);
      await new Promise((res) => setTimeout(res, 50));
    }
  };

  beforeAll(async () => {
    config = rfidConfig();
    t = await startTestAgent({ mqtt: true, env: { STORE_EDGE_CONFIG: config.file } });
    await putItem(t, 'SKU-A', GTIN_A);
    await putItem(t, 'SKU-B', GTIN_B);
    reader = await mqtt.connectAsync(`mqtt://127.0.0.1:${t.settings.mqtt.port}`, {
      username: READERS.backroom.username,
      password: READERS.backroom.password,
      reconnectPeriod: 0,
    });
  });

  afterAll(async () => {
    await reader?.endAsync(true);
    await t?.stop();
    config?.remove();
  });

  it('books the variance against the snapshot, with sales and receipts during the count added on top', async () => {
    // The books say 10 A and 5 B in the backroom.
    expect((await move('receive', 'SKU-A', 10)).status).toBe(200);
    expect((await move('receive', 'SKU-B', 5)).status).toBe(200);

    expect(
      (await t.api('/api/v1/rfid/counts', { body: { zone: 'backroom' }, role: 'associate' })).status,
    ).toBe(403);
    const started = await t.api('/api/v1/rfid/counts', { body: { zone: 'backroom' }, role: 'manager' });
    expect(started.status).toBe(201);
    const id: string = started.body.id;
    expect(started.body).toMatchObject({ zone: 'backroom', status: 'running' });
    expect((await t.api('/api/v1/rfid/counts', { body: { zone: 'backroom' }, role: 'manager' })).status).toBe(
      409,
    );

    // Physically there are 8 A (2 missing) and 6 B (1 more than the books); each tag is read
    // several times, plus a tag that is no item of ours.
    const a = tagsOf(0, 8);
    const b = tagsOf(1, 6);
    for (let pass = 0; pass < 3; pass++) {
      await reader.publishAsync(READERS.backroom.topic, zebraBatch([...a, ...b, UNKNOWN_EPC]));
    }
    await seen(id, 15);
    // While the count runs, the till sells one of the counted A, and 4 B arrive (not read).
    expect((await move('sale', 'SKU-A', 1)).status).toBe(200);
    expect((await move('receive', 'SKU-B', 4)).status).toBe(200);

    const finished = await t.api(`/api/v1/rfid/counts/${id}/finish`, { method: 'POST', role: 'manager' });
    expect(finished.status).toBe(200);
    expect(finished.body).toMatchObject({ status: 'finished', finishedBy: 'test-manager', tagsSeen: 15 });
    const lines = new Map(finished.body.result.lines.map((l: Json) => [l.sku, l]));
    expect(lines.get('SKU-A')).toMatchObject({
      expected: 10,
      counted: 8,
      difference: -2,
      movedSince: -1,
      booked: 7,
    });
    expect(lines.get('SKU-B')).toMatchObject({
      expected: 5,
      counted: 6,
      difference: 1,
      movedSince: 4,
      booked: 10,
    });
    expect(finished.body.result.unresolvedCount).toBe(1);
    expect(finished.body.result.unresolved[0]).toMatchObject({ epc: UNKNOWN_EPC, scheme: 'unknown' });

    // Stock now: what was counted, plus what moved after the snapshot (the sale is not shrink).
    expect(await onHand('SKU-A')).toBe(8 - 1);
    expect(await onHand('SKU-B')).toBe(6 + 4);

    // The count movements name the count and the manager who finished it.
    const movements = (await t.api('/api/v1/movements?afterSeq=0&limit=100')).body.movements as Json[];
    const counts = movements.filter((m) => m.type === 'count');
    expect(counts.map((m) => [m.sku, m.qty, m.deltaOnHand, m.source, m.actor]).sort()).toEqual([
      ['SKU-A', 7, -2, 'rfid-count', 'test-manager'],
      ['SKU-B', 10, 1, 'rfid-count', 'test-manager'],
    ]);
    expect(counts.map((m) => m.id).sort()).toEqual(
      [...lines.get('SKU-A').movementIds, ...lines.get('SKU-B').movementIds].sort(),
    );

    // Finishing again answers the same result and books nothing more.
    const again = await t.api(`/api/v1/rfid/counts/${id}/finish`, { method: 'POST', role: 'manager' });
    expect(again.body.result).toEqual(finished.body.result);
    const after = (await t.api('/api/v1/movements?afterSeq=0&limit=100')).body.movements as Json[];
    expect(after.filter((m) => m.type === 'count')).toHaveLength(2);
    expect((await t.api(`/api/v1/rfid/counts/${id}`, { role: 'associate' })).body.result).toEqual(
      finished.body.result,
    );
  });

  it('books nothing for a sku whose count matches the books', async () => {
    const dock = await mqtt.connectAsync(`mqtt://127.0.0.1:${t.settings.mqtt.port}`, {
      username: READERS.dock.username,
      password: READERS.dock.password,
      reconnectPeriod: 0,
    });
    try {
      expect((await move('receive', 'SKU-A', 7, 'dock')).status).toBe(200);
      expect((await move('receive', 'SKU-B', 3, 'dock')).status).toBe(200);
      const id = (await t.api('/api/v1/rfid/counts', { body: { zone: 'dock' }, role: 'manager' })).body.id;
      // The 7 A are there; none of the B is read.
      await dock.publishAsync(READERS.dock.topic, zebraBatch(tagsOf(0, 7)));
      await seen(id, 7);
      const r = await t.api(`/api/v1/rfid/counts/${id}/finish`, { method: 'POST', role: 'admin' });
      const a = r.body.result.lines.find((l: Json) => l.sku === 'SKU-A');
      expect(a).toMatchObject({ expected: 7, counted: 7, difference: 0, booked: null, movementIds: [] });
      const b = r.body.result.lines.find((l: Json) => l.sku === 'SKU-B');
      expect(b).toMatchObject({ expected: 3, counted: 0, difference: -3, booked: 0 });
      expect(await onHand('SKU-A', 'dock')).toBe(7);
      expect(await onHand('SKU-B', 'dock')).toBe(0);
      // Other locations are not touched by a count of the dock.
      expect(await onHand('SKU-A')).toBe(7);
      expect(await onHand('SKU-B')).toBe(10);
    } finally {
      await dock.endAsync(true);
    }
  });

  it('counts what was in the zone at the snapshot: a tag sold before it was read again counts, a tag moved in after does not', async () => {
    const front = await mqtt.connectAsync(`mqtt://127.0.0.1:${t.settings.mqtt.port}`, {
      username: READERS.front.username,
      password: READERS.front.password,
      reconnectPeriod: 0,
    });
    const dock = await mqtt.connectAsync(`mqtt://127.0.0.1:${t.settings.mqtt.port}`, {
      username: READERS.dock.username,
      password: READERS.dock.password,
      reconnectPeriod: 0,
    });
    try {
      const [c1, c2, c3, c4] = tagsOf(1, 24).slice(20) as [string, string, string, string];
      expect((await move('receive', 'SKU-B', 3, 'front')).status).toBe(200);
      // The front reader has been reading C1-C3 (on the books: 3 B at the front).
      await front.publishAsync(READERS.front.topic, zebraBatch([c1, c2, c3], -60));
      const present = async (epc: string, zone: string) => (await tags(t, zone)).some((x) => x.epc === epc);
      const deadline = Date.now() + 10_000;
      while (!(await present(c3, 'front'))) {
        if (Date.now() > deadline) throw new Error('C3 not present');
        await new Promise((r) => setTimeout(r, 20));
      }
      const id = (await t.api('/api/v1/rfid/counts', { body: { zone: 'front' }, role: 'manager' })).body.id;
      // The count starts with what is in the zone now.
      expect((await t.api(`/api/v1/rfid/counts/${id}`)).body.tagsSeen).toBe(3);

      // C3 is sold right away and is never read at the front again.
      expect((await move('sale', 'SKU-B', 1, 'front')).status).toBe(200);
      // C4 is received: read at the dock, then carried to the front (read clearly stronger there).
      expect((await move('receive', 'SKU-B', 1, 'front')).status).toBe(200);
      await dock.publishAsync(READERS.dock.topic, zebraBatch([c4], -75));
      while (!(await present(c4, 'dock'))) {
        if (Date.now() > deadline) throw new Error('C4 not at the dock');
        await new Promise((r) => setTimeout(r, 20));
      }
      await front.publishAsync(READERS.front.topic, zebraBatch([c1, c2, c4, c4], -50));
      while (!(await present(c4, 'front'))) {
        if (Date.now() > deadline) throw new Error('C4 did not move to the front');
        await new Promise((r) => setTimeout(r, 20));
      }

      const r = await t.api(`/api/v1/rfid/counts/${id}/finish`, { method: 'POST', role: 'manager' });
      expect(r.status).toBe(200);
      expect(r.body.result.movedIn).toBe(1);
      const b = r.body.result.lines.find((l: Json) => l.sku === 'SKU-B');
      // Snapshot: 3 on the books, 3 there (C1-C3). The sale and the receipt are on top.
      expect(b).toMatchObject({ expected: 3, counted: 3, difference: 0, movedSince: 0, booked: null });
      // Physically now: C1, C2, C4.
      expect(await onHand('SKU-B', 'front')).toBe(3);
    } finally {
      await front.endAsync(true);
      await dock.endAsync(true);
    }
  });

  it('refuses a count of a zone no reader covers', async () => {
    const r = await t.api('/api/v1/rfid/counts', { body: { zone: 'attic' }, role: 'manager' });
    expect(r.status).toBe(422);
    expect(r.body.errors[0].path).toBe('/zone');
  });
});

describe('RFID cycle count across a restart', () => {
  it('keeps a running count and the tags it saw when the agent restarts', async () => {
    const config = rfidConfig();
    const t = await startTestAgent({ mqtt: true, env: { STORE_EDGE_CONFIG: config.file } });
    let second: EdgeAgent | null = null;
    try {
      await putItem(t, 'SKU-A', GTIN_A);
      await t.api('/api/v1/movements', {
        body: {
          movements: [{ id: randomUUID(), type: 'receive', sku: 'SKU-A', qty: 3, location: 'backroom' }],
        },
      });
      const id = (await t.api('/api/v1/rfid/counts', { body: { zone: 'backroom' }, role: 'manager' })).body
        .id;
      const reader = await mqtt.connectAsync(`mqtt://127.0.0.1:${t.settings.mqtt.port}`, {
        username: READERS.backroom.username,
        password: READERS.backroom.password,
        reconnectPeriod: 0,
      });
      await reader.publishAsync(READERS.backroom.topic, zebraBatch(tagsOf(0, 2)));
      const deadline = Date.now() + 10_000;
      while ((await t.api(`/api/v1/rfid/counts/${id}`)).body.tagsSeen < 2) {
        if (Date.now() > deadline) throw new Error('tags not seen');
        await new Promise((r) => setTimeout(r, 50));
      }
      await reader.endAsync(true);
      await t.agent.stop();

      second = new EdgeAgent({
        settings: t.settings,
        log: createLogger('warn', { pretty: false }),
        announce: () => {},
        features: edgeFeatures(),
      });
      await second.start();
      const login = await fetch(`${t.baseUrl}/api/v1/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'admin-test-password' }),
      });
      const { token } = (await login.json()) as { token: string };
      const get = await fetch(`${t.baseUrl}/api/v1/rfid/counts/${id}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(await get.json()).toMatchObject({ status: 'running', tagsSeen: 2 });
      const fin = await fetch(`${t.baseUrl}/api/v1/rfid/counts/${id}/finish`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await fin.json()) as Json;
      expect(body.result.lines).toEqual([expect.objectContaining({ sku: 'SKU-A', expected: 3, counted: 2 })]);
    } finally {
      await second?.stop();
      t.dir.remove();
      config.remove();
    }
  });
});
