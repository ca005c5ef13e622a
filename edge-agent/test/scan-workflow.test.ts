import { join } from 'node:path';
import { encodeSgtin96, type ScanEvent } from '@store-edge/drivers';
import { loadFixture, makeTempDir } from '@store-edge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { type ScanRecord, scanningFeature } from '../src/scanning/index.js';
import { ScanLog } from '../src/scanning/scan-log.js';
import { ITEM, type Json, mv, startTestAgent, type TestAgent } from './helpers.js';

// The scan workflows with the real ledger, catalog and quarantine, fed ScanEvents directly
// with chosen timestamps (no transport, no timing in the assertions).
describe('scan workflows', () => {
  let t: TestAgent;
  const t0 = Date.parse('2026-11-22T08:00:00.000Z');
  const scan = (code: string, offsetMs: number, aimId?: string): ScanEvent => ({
    deviceId: 'till-1',
    code,
    at: new Date(t0 + offsetMs),
    ...(aimId ? { aimId } : {}),
  });
  const workflow = () => t.agent.service('scanning')!.workflow;
  const onHand = async (location: string): Promise<number> =>
    (await t.api(`/api/v1/stock?sku=SKU-1&location=${location}`)).body.items[0]?.onHand ?? 0;

  beforeAll(async () => {
    t = await startTestAgent({ features: [scanningFeature()] });
    expect((await t.api('/api/v1/items/SKU-1', { method: 'PUT', body: ITEM })).status).toBe(200);
  });
  afterAll(async () => t?.stop());

  it('counts the same code on the same scanner once within the debounce window', async () => {
    const till = { id: 'till-1', mode: 'sale' as const, location: 'salesfloor' };
    const outcomes = [];
    // 0, +120 and +350 (within 300 ms of +120: a scanner held over the code) are one read;
    // +800 is the associate scanning the next unit.
    for (const at of [0, 120, 350, 800])
      outcomes.push(await workflow().handle(till, scan('4006381333931', at)));
    expect(outcomes.map((r) => r?.outcome ?? 'debounced')).toEqual([
      'movement',
      'debounced',
      'debounced',
      'movement',
    ]);
    expect(await onHand('salesfloor')).toBe(-2);
    // Another scanner, or another code, is not held back by this one's window.
    const other = await workflow().handle(
      { ...till, id: 'till-2' },
      { ...scan('4006381333931', 810), deviceId: 'till-2' },
    );
    expect(other?.outcome).toBe('movement');
    // debounceMs 0 on a device turns it off.
    const raw = { ...till, id: 'till-3', debounceMs: 0 };
    const a = await workflow().handle(raw, { ...scan('4006381333931', 900), deviceId: 'till-3' });
    const b = await workflow().handle(raw, { ...scan('4006381333931', 901), deviceId: 'till-3' });
    expect([a?.outcome, b?.outcome]).toEqual(['movement', 'movement']);
    expect(await onHand('salesfloor')).toBe(-5);
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/store_edge_scans_total\{outcome="debounced"\} 2/);
  });

  it('books return, damage (reason damaged) and nothing for lookup', async () => {
    const dev = (mode: 'return' | 'damage' | 'lookup', id: string) => ({ id, mode, location: 'backroom' });
    await workflow().handle(dev('return', 'r-1'), { ...scan('14006381333938', 2000), deviceId: 'r-1' });
    const dmg = await workflow().handle(dev('damage', 'd-1'), {
      ...scan('4006381333931', 2000),
      deviceId: 'd-1',
    });
    const look = await workflow().handle(dev('lookup', 'l-1'), {
      ...scan('4006381333931', 2000),
      deviceId: 'l-1',
    });
    expect(look).toMatchObject({
      outcome: 'lookup',
      movement: null,
      item: { sku: 'SKU-1', name: ITEM.name },
    });
    expect(await onHand('backroom')).toBe(11);
    const ms = (await t.api('/api/v1/movements?limit=100')).body.movements as Json[];
    const damage = ms.find((m) => m.id === dmg?.movement?.id);
    expect(damage).toMatchObject({
      type: 'damage',
      reason: 'damaged',
      qty: 1,
      source: 'device:d-1',
      actor: 'd-1',
    });
  });

  it('count mode adds up scans per sku and books a count on finish, with sales during the count on top', async () => {
    const counter = { id: 'cnt-1', mode: 'count' as const, location: 'backroom' };
    // backroom holds 11 (previous test). The count finds one case and 2 loose units: 14.
    for (const [code, at] of [
      ['14006381333938', 3000],
      ['4006381333931', 4000],
      ['4006381333931', 5000],
    ] as const)
      expect((await workflow().handle(counter, { ...scan(code, at), deviceId: 'cnt-1' }))?.outcome).toBe(
        'counted',
      );
    const running = await t.api('/api/v1/scans/count/cnt-1', { role: 'associate' });
    expect(running.body.lines).toEqual([{ sku: 'SKU-1', counted: 14, scans: 3 }]);
    expect(await onHand('backroom')).toBe(11);
    // A sale while the count is open: the shelf had 14 when counted, 13 are there now.
    expect(
      (await t.api('/api/v1/movements', { body: { movements: [mv('sale', { location: 'backroom' })] } }))
        .status,
    ).toBe(200);

    expect(
      (await t.api('/api/v1/scans/count/cnt-1/finish', { method: 'POST', role: 'associate' })).status,
    ).toBe(403);
    const fin = await t.api('/api/v1/scans/count/cnt-1/finish', { method: 'POST', role: 'manager' });
    expect(fin.status).toBe(200);
    expect(fin.body.lines).toEqual([
      expect.objectContaining({
        sku: 'SKU-1',
        expected: 11,
        counted: 14,
        difference: 3,
        movedSince: -1,
        booked: 13,
      }),
    ]);
    expect(await onHand('backroom')).toBe(13);
    const booked = ((await t.api('/api/v1/movements?limit=100')).body.movements as Json[]).filter(
      (m) => m.type === 'count',
    );
    expect(booked).toHaveLength(1);
    expect(booked[0]).toMatchObject({ qty: 13, ref: fin.body.id, actor: 'test-manager' });
    expect((await t.api('/api/v1/scans/count/cnt-1')).status).toBe(404);
  });

  it('quarantines unresolvable scans and still lists them, newest first, filterable', async () => {
    const r = await workflow().handle(
      { id: 'q-1', mode: 'receive', location: 'dock' },
      { ...scan('21XYZ', 6000, ']C1'), deviceId: 'q-1' },
    );
    expect(r).toMatchObject({ outcome: 'quarantined', aimId: ']C1' });
    expect(r?.reason).toMatch(/no item/);
    expect(t.agent.parts!.quarantine.list(1)[0]).toMatchObject({
      source: 'scanner',
      deviceId: 'q-1',
      raw: ']C121XYZ',
    });
    const list = (await t.api('/api/v1/scans?limit=3')).body.scans as Json[];
    expect(list[0].id).toBe(r?.id);
    const only = (await t.api('/api/v1/scans?outcome=quarantined&deviceId=q-1')).body.scans as Json[];
    expect(only.map((s) => s.id)).toEqual([r?.id]);
  });

  it('GET /items/lookup decodes GTIN, GS1, Digital Link and EPC and finds the item', async () => {
    const vector = (
      loadFixture('sgtin96-vectors.json') as {
        vectors: Array<{ hex: string; gtin14: string; serial: string }>;
      }
    ).vectors[0]!;
    const epcItem = { ...ITEM, name: 'Fixture item', gtins: [vector.gtin14], packs: [] };
    expect((await t.api('/api/v1/items/SKU-EPC', { method: 'PUT', body: epcItem })).status).toBe(200);
    const ownEpc = encodeSgtin96({ gtin14: '04006381333931', serial: 42, companyPrefixLength: 7 });
    const cases: Array<[string, string, Record<string, unknown>, string]> = [
      ['4006381333931', 'gtin', { gtin: '04006381333931' }, 'SKU-1'],
      [
        '(01)14006381333938(10)LOT7(17)261231',
        'gs1',
        { gtin: '14006381333938', batch: 'LOT7', expiry: '2026-12-31' },
        'SKU-1',
      ],
      [
        'https://id.gs1.org/01/04006381333931/21/SN1',
        'gs1',
        { gtin: '04006381333931', serial: 'SN1' },
        'SKU-1',
      ],
      [vector.hex, 'epc', { gtin: vector.gtin14, serial: vector.serial, scheme: 'sgtin-96' }, 'SKU-EPC'],
      [ownEpc, 'epc', { gtin: '04006381333931', serial: '42' }, 'SKU-1'],
    ];
    for (const [code, kind, fields, sku] of cases) {
      const r = await t.api(`/api/v1/items/lookup?code=${encodeURIComponent(code)}`);
      expect(r.status).toBe(200);
      expect(r.body.parsed, code).toMatchObject({ kind, ...fields });
      expect(r.body.item?.sku, code).toBe(sku);
    }
    const caseHit = await t.api(
      `/api/v1/items/lookup?code=${encodeURIComponent('(01)14006381333938(10)LOT7')}`,
    );
    expect(caseHit.body.item.packQty).toBe(12);
    const none = await t.api('/api/v1/items/lookup?code=%3F%3F');
    expect(none.body).toMatchObject({ item: null, parsed: { kind: 'unknown' } });
  });

  it('a movement posted with a GS1 string or an EPC as its code resolves in the writer thread', async () => {
    const before = await onHand('dock');
    const ownEpc = encodeSgtin96({ gtin14: '04006381333931', serial: 43, companyPrefixLength: 7 });
    const r = await t.api('/api/v1/movements', {
      body: {
        movements: [
          mv('receive', { sku: undefined, code: ']C10114006381333938', location: 'dock' }),
          mv('receive', { sku: undefined, code: ownEpc, location: 'dock' }),
        ],
      },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(await onHand('dock')).toBe(before + 13);
  });
});

describe('scan log', () => {
  it('keeps the newest scans on disk, pruned to about keepScans, and lists them newest first', async () => {
    const dir = makeTempDir('scan-log-');
    const file = join(dir.path, 'ledger.sqlite');
    const owner = openDatabase(file);
    const log = new ScanLog(openDatabase(file, { migrate: false }), 100, () => null);
    try {
      const rec = (i: number): ScanRecord => ({
        id: `scan-${i}`,
        at: new Date(1_800_000_000_000 + i).toISOString(),
        deviceId: i % 2 ? 'odd' : 'even',
        mode: 'lookup',
        location: 'store',
        code: String(i),
        aimId: null,
        symbology: null,
        parsed: { kind: 'sku', sku: String(i) },
        item: null,
        qty: null,
        outcome: 'lookup',
        movement: null,
        reason: null,
        quarantineId: null,
        latencyMs: null,
      });
      for (let i = 0; i < 250; i++) {
        log.add(rec(i));
        if (i % 25 === 24) expect(log.flush()).toBe(true);
      }
      const n = (owner.prepare('SELECT COUNT(*) AS n FROM scans').get() as { n: number }).n;
      expect(n).toBeGreaterThanOrEqual(100);
      expect(n).toBeLessThanOrEqual(110);
      expect(log.list({ limit: 3 }).map((r) => r.id)).toEqual(['scan-249', 'scan-248', 'scan-247']);
      expect(log.list({ limit: 2, deviceId: 'even' }).map((r) => r.id)).toEqual(['scan-248', 'scan-246']);
    } finally {
      log.close();
      owner.close();
      dir.remove();
    }
  });
});
