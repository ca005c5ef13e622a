// What the edge accepts is what the cloud accepts (issue 14): times, quantities after a case
// GTIN, lengths of device locations, one notion of a movement id, GTIN ownership and exact prices.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { LIMITS } from '@store-edge/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings, SettingsError } from '../src/config/settings.js';
import { ITEM, mv, startTestAgent, type TestAgent } from './helpers.js';

let t: TestAgent;

beforeAll(async () => {
  t = await startTestAgent();
  expect((await t.api('/api/v1/items/SKU-1', { method: 'PUT', body: ITEM })).status).toBe(200);
  const bigCase = {
    name: 'Pallet of water',
    gtins: [],
    packs: [{ gtin: '15012345678907', qty: LIMITS.packQty }],
    price: { amount: '1.00', currency: 'EUR' },
  };
  expect((await t.api('/api/v1/items/PALLET', { method: 'PUT', body: bigCase })).status).toBe(200);
});
afterAll(() => t.stop());

async function post(...movements: Array<Record<string, unknown>>) {
  return t.api('/api/v1/movements', { body: { movements } });
}

describe('movement times', () => {
  it('refuses a leap second with a problem naming /movements/i/at, instead of shipping what the cloud cannot store', async () => {
    const r = await post(mv('receive'), mv('receive', { at: '2024-06-30T23:59:60Z' }));
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(r.body.errors).toEqual([
      { path: '/movements/1/at', message: expect.stringMatching(/leap second/) },
    ]);
  });

  it('refuses 30 February, year 0000 and a local time that is year 10000 in UTC', async () => {
    for (const at of ['2024-02-30T10:00:00Z', '0000-01-01T00:00:00Z', '9999-12-31T23:30:00-01:00']) {
      const r = await post(mv('receive', { at }));
      expect(r.status, at).toBe(400);
      expect(r.body.errors[0].path, at).toBe('/movements/0/at');
    }
  });

  it('keeps offsets and long fractions as the UTC millisecond the cloud stores', async () => {
    const m = mv('receive', { at: '2024-07-01T01:59:59.9999999+02:00' });
    expect((await post(m)).status).toBe(200);
    const r = await t.api('/api/v1/movements?afterSeq=0&limit=1000');
    const stored = r.body.movements.find((x: { id: string }) => x.id === m.id);
    expect(stored.at).toBe('2024-06-30T23:59:59.999Z');
  });
});

describe('quantities and lengths against the wire limits', () => {
  it('refuses a case GTIN whose qty × pack size exceeds the wire maximum, naming the qty', async () => {
    const r = await post({ id: randomUUID(), type: 'receive', code: '15012345678907', qty: 1_000_000_000 });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([
      { path: '/movements/0/qty', message: expect.stringMatching(/at most 2000000000/) },
    ]);
    // The largest that fits is accepted and booked as units.
    const ok = await post({ id: randomUUID(), type: 'receive', code: '15012345678907', qty: 20_000 });
    expect(ok.status).toBe(200);
  });

  it('refuses a location longer than the cloud column', async () => {
    const r = await post(mv('receive', { location: 'x'.repeat(LIMITS.location + 1) }));
    expect(r.status).toBe(400);
    expect(r.body.errors[0].path).toBe('/movements/0/location');
  });

  it('treats upper-case and urn:uuid: forms of one id as the same movement within a batch', async () => {
    const id = randomUUID();
    const r = await post(mv('receive', { id }), mv('receive', { id: `urn:uuid:${id.toUpperCase()}` }));
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([{ path: '/movements/1/id', message: 'same id as /movements/0' }]);
  });

  it('devices API and settings refuse a scanner location or an RFID zone longer than a movement location', async () => {
    const long = 'z'.repeat(LIMITS.location + 1);
    const scanner = await t.api('/api/v1/devices/scan-1', {
      method: 'PUT',
      body: { kind: 'serial-scanner', path: '/dev/null', mode: 'receive', location: long },
    });
    expect(scanner.status).toBe(400);
    expect(JSON.stringify(scanner.body.errors)).toMatch(/location/);
    const reader = await t.api('/api/v1/devices/rfid-1', {
      method: 'PUT',
      body: {
        kind: 'rfid-reader',
        format: 'zebra-iot',
        topic: 'r/1',
        username: 'r1',
        password: 'secret-pw',
        zone: long,
      },
    });
    expect(reader.status).toBe(400);
    expect(JSON.stringify(reader.body.errors)).toMatch(/zone/);
    try {
      loadSettingsWith({ devices: [{ id: 'rfid-2', kind: 'rfid-reader', zone: long }] });
      expect.unreachable('settings with a 65-character zone were accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(SettingsError);
      expect((err as SettingsError).problems.map((p) => p.path)).toContain('devices.0.zone');
    }
  });
});

describe('catalog: GTIN ownership and exact prices (as the cloud)', () => {
  it("refuses another sku's GTIN with 409 naming it, and moves it only with moveGtins", async () => {
    const body = { ...ITEM, name: 'Other', packs: [], gtins: ['04006381333931'] };
    const r = await t.api('/api/v1/items/SKU-9', { method: 'PUT', body });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({
      sku: 'SKU-1',
      errors: [{ path: '/gtins/0', message: "belongs to sku 'SKU-1'" }],
    });
    const moved = await t.api('/api/v1/items/SKU-9', { method: 'PUT', body: { ...body, moveGtins: true } });
    expect(moved.status).toBe(200);
    expect(moved.body.moveGtins).toBeUndefined();
    expect((await t.api('/api/v1/items/SKU-1')).body.gtins).toEqual([]);
    expect((await t.api('/api/v1/items/lookup?code=4006381333931')).body.item.sku).toBe('SKU-9');
  });

  it('takes amount as a JSON number or a decimal string, exactly, and refuses float artefacts', async () => {
    const put = (amount: unknown) =>
      t.api('/api/v1/items/SKU-7', {
        method: 'PUT',
        body: { ...ITEM, gtins: [], packs: [], price: { amount, currency: 'EUR' } },
      });
    expect((await put(1.29)).body.price).toEqual({ amount: '1.29', currency: 'EUR' });
    expect((await put('1.29')).body.price).toEqual({ amount: '1.29', currency: 'EUR' });
    const bad = await put(0.1 + 0.2);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('/price/amount');
  });
});

function loadSettingsWith(file: Record<string, unknown>) {
  const path = `${t.dir.path}/settings-${randomUUID()}.json`;
  writeFileSync(path, JSON.stringify(file));
  return loadSettings({ STORE_EDGE_CONFIG: path });
}
