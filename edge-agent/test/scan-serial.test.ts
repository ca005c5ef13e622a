import { makePtyPair, type PtyPair } from '@store-edge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ITEM, type Json, mv, startTestAgent, type TestAgent } from './helpers.js';
import { waitFor, writeScanner } from './scan-support.js';

// A serial scanner on a real pseudo-terminal: the agent opens the device end as it would
// /dev/ttyACM0; the test writes what a scanner's UART sends into the other end.
describe('serial scanner into the ledger', () => {
  let t: TestAgent;
  let pair: PtyPair;

  beforeAll(async () => {
    const made = await makePtyPair();
    if ('skip' in made) throw new Error(made.skip);
    pair = made;
    t = await startTestAgent();
    expect((await t.api('/api/v1/items/SKU-1', { method: 'PUT', body: ITEM })).status).toBe(200);
    const put = await t.api('/api/v1/devices/dock-1', {
      method: 'PUT',
      body: {
        id: 'dock-1',
        kind: 'serial-scanner',
        path: pair.devicePath,
        baudRate: 9600,
        mode: 'receive',
        location: 'dock',
      },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    await waitFor(
      async () => (await t.api('/api/v1/devices/dock-1')).body.status === 'online',
      5000,
      'scanner online',
    );
  });

  afterAll(async () => {
    await t?.stop();
    await pair?.stop();
  });

  const stockAt = async (location: string): Promise<number> =>
    (await t.api(`/api/v1/stock?sku=SKU-1&location=${location}`)).body.items[0]?.onHand ?? 0;

  const scanNamed = (code: string) =>
    waitFor(
      async () => ((await t.api('/api/v1/scans?limit=20')).body.scans as Json[]).find((s) => s.code === code),
      5000,
      `scan ${JSON.stringify(code)}`,
    );

  it('refuses scanner entries with bad fields', async () => {
    const r = await t.api('/api/v1/devices/bad-1', {
      method: 'PUT',
      body: { id: 'bad-1', kind: 'serial-scanner', baudRate: 'fast', suffix: 'x', mode: 'sale' },
    });
    expect(r.status).toBe(400);
    const paths = (r.body.errors as Json[]).map((e) => e.path).sort();
    expect(paths).toEqual(['/baudRate', '/path', '/suffix']);
    const hid = await t.api('/api/v1/devices/bad-2', {
      method: 'PUT',
      body: { id: 'bad-2', kind: 'hid-scanner', protocol: 'serial', layout: 'xx', mode: 'sale' },
    });
    expect(hid.status).toBe(400);
    expect((hid.body.errors as Json[]).map((e) => e.path).sort()).toEqual([
      '/layout',
      '/protocol',
      '/vendorId',
    ]);
    expect((await t.api('/api/v1/devices/bad-1')).status).toBe(404);
  });

  it('books an EAN-13, a ]C1 GS1 string and a case GTIN as receipts at the dock', async () => {
    writeScanner(pair.scannerPath, '4006381333931\r');
    const ean = await scanNamed('4006381333931');
    expect(ean).toMatchObject({ outcome: 'movement', deviceId: 'dock-1', item: { sku: 'SKU-1' }, qty: 1 });
    expect(ean.movement.seq).toBeGreaterThan(0);

    // GS1-128 with GTIN, expiry and batch: AIM ]C1, FNC1 implied (GS1 GenSpecs §5.4.7.5).
    writeScanner(pair.scannerPath, ']C10104006381333931172612311 0LOT7\r'.replace(' ', ''));
    const gs1 = await scanNamed('01040063813339311726123110LOT7');
    expect(gs1).toMatchObject({ outcome: 'movement', aimId: ']C1', qty: 1 });
    expect(gs1.parsed).toMatchObject({
      kind: 'gs1',
      gtin: '04006381333931',
      batch: 'LOT7',
      expiry: '2026-12-31',
    });

    writeScanner(pair.scannerPath, '14006381333938\r');
    const cs = await scanNamed('14006381333938');
    expect(cs).toMatchObject({ outcome: 'movement', qty: 12, item: { packQty: 12 } });

    expect(await stockAt('dock')).toBe(14);
    const movements = (await t.api('/api/v1/movements?limit=10')).body.movements as Json[];
    const mine = movements.filter((m) => m.source === 'device:dock-1');
    expect(mine.map((m) => [m.type, m.qty, m.location])).toEqual([
      ['receive', 1, 'dock'],
      ['receive', 1, 'dock'],
      ['receive', 12, 'dock'],
    ]);
    expect(mine.every((m) => m.actor === 'dock-1')).toBe(true);
  });

  it('quarantines codes that name no item or cannot be read, and lists them with the reason', async () => {
    writeScanner(pair.scannerPath, '4000000000006\r1234567890123\r');
    const unknown = await scanNamed('4000000000006');
    expect(unknown.outcome).toBe('quarantined');
    expect(unknown.reason).toMatch(/no item/);
    const bad = await scanNamed('1234567890123');
    expect(bad.outcome).toBe('quarantined');
    expect(bad.reason).toMatch(/check digit/);
    const q = t.agent.parts!.quarantine.list(10);
    expect(q.filter((e) => e.source === 'scanner' && e.deviceId === 'dock-1').map((e) => e.raw)).toEqual(
      expect.arrayContaining(['4000000000006', '1234567890123']),
    );
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/store_edge_quarantined_total\{source="scanner"\} 2/);
    expect(metrics).toMatch(/store_edge_scan_to_movement_seconds_count 3/);
  });

  it('shows the scanner offline when it is unplugged, keeps serving, and resumes when it is back', async () => {
    const paths = { devicePath: pair.devicePath, scannerPath: pair.scannerPath };
    await pair.stop();
    const off = await waitFor(
      async () => {
        const d = (await t.api('/api/v1/devices/dock-1')).body;
        return d.status === 'offline' ? d : undefined;
      },
      5000,
      'scanner offline',
    );
    expect(off.lastError).toMatch(/ttyScanner/);
    expect((await fetch(`${t.baseUrl}/readyz`)).status).toBe(200);
    const post = await t.api('/api/v1/movements', {
      body: { movements: [mv('sale', { location: 'dock' })] },
    });
    expect(post.status).toBe(200);
    expect(await stockAt('dock')).toBe(13);

    const again = await makePtyPair(paths);
    if ('skip' in again) throw new Error(again.skip);
    pair = again;
    await waitFor(
      async () => (await t.api('/api/v1/devices/dock-1')).body.status === 'online',
      5000,
      'online again',
    );
    writeScanner(pair.scannerPath, '4006381333931\r');
    await waitFor(async () => (await stockAt('dock')) === 14, 5000, 'receipt after re-plug');
  });

  it('stops the driver when the device is removed, and a mode change applies to the next scan', async () => {
    const put = await t.api('/api/v1/devices/dock-1', {
      method: 'PUT',
      // Same transport settings: only the mode changes, so the port stays open.
      body: {
        id: 'dock-1',
        kind: 'serial-scanner',
        path: pair.devicePath,
        baudRate: 9600,
        mode: 'lookup',
        location: 'dock',
      },
    });
    expect(put.status).toBe(200);
    writeScanner(pair.scannerPath, '14006381333938\r');
    const looked = await waitFor(
      async () =>
        ((await t.api('/api/v1/scans?limit=5')).body.scans as Json[]).find(
          (s) => s.code === '14006381333938' && s.mode === 'lookup',
        ),
      5000,
      'lookup scan',
    );
    expect(looked).toMatchObject({ outcome: 'lookup', movement: null, item: { sku: 'SKU-1', packQty: 12 } });
    expect(await stockAt('dock')).toBe(14);

    expect((await t.api('/api/v1/devices/dock-1', { method: 'DELETE' })).status).toBe(204);
    await new Promise((r) => setTimeout(r, 200));
    expect((await t.api('/api/v1/devices/dock-1')).status).toBe(404);
    // The driver is gone: bytes the scanner still sends become no scan (socat may also have
    // ended the pair once the agent closed its end).
    const before = (await t.api('/api/v1/scans?limit=100')).body.scans.length;
    try {
      writeScanner(pair.scannerPath, '4006381333931\r');
    } catch {
      // the pty went away with the closed end
    }
    await new Promise((r) => setTimeout(r, 300));
    expect((await t.api('/api/v1/scans?limit=100')).body.scans.length).toBe(before);
  });
});
