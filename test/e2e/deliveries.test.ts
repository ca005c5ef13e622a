// Deliveries, receipts and transfers end to end (issue 18, docs/deliveries.md): a real cloud on
// MariaDB, real agent processes, serial scanners on socat ptys. Each test says what a buyer, a
// store manager or head office sees.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { type AgentProcess, makePtyPair, type PtyPair } from '@store-edge/testing';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { waitFor, writeScanner } from '../../edge-agent/test/scan-support.js';
import {
  adminCall,
  cleanupAfterEach,
  edgeApi,
  edgeToken,
  type Stack,
  stackWithDir,
  startEdge,
  waitReplicated,
} from './harness.js';
import { startChaosProxy } from './proxy.js';

const cleanups = cleanupAfterEach();

/** GS1 check digit (GenSpecs §7.9.1) appended to the first digits of a GTIN. */
function gtin(body: string): string {
  const digits = [...body].map(Number).reverse();
  const sum = digits.reduce((s, d, i) => s + d * (i % 2 === 0 ? 3 : 1), 0);
  return body + String((10 - (sum % 10)) % 10);
}

const WIDGET = { unit: '4006381333931', case: '14006381333938', pack: 12 };
const GADGET = { unit: gtin('400638133400') };
const EXTRA = { unit: gtin('400638133401') };

type Json = Record<string, unknown> & { [k: string]: unknown };
type Line = { sku: string; expected: number; received: number; damaged: number; short: number; over: number };

async function catalog(stack: Stack): Promise<void> {
  const cloud = stack.cloud as NonNullable<Stack['cloud']>;
  const items = [
    { sku: 'WIDGET', gtins: [WIDGET.unit], packs: [{ gtin: WIDGET.case, qty: WIDGET.pack }] },
    { sku: 'GADGET', gtins: [GADGET.unit], packs: [] },
    { sku: 'EXTRA', gtins: [EXTRA.unit], packs: [] },
  ];
  for (const i of items) {
    const r = await adminCall(cloud, 'PUT', `/v1/items/${i.sku}`, {
      tenantId: stack.tenantId,
      name: `Item ${i.sku}`,
      gtins: i.gtins,
      packs: i.packs,
      price: { amount: '2.50', currency: 'EUR' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  }
}

async function scannerOn(
  edge: AgentProcess,
  token: string,
  id: string,
  mode: 'receive' | 'damage',
): Promise<PtyPair> {
  const made = await makePtyPair();
  if ('skip' in made) throw new Error(made.skip);
  cleanups.push(() => made.stop());
  const put = await edgeApi(edge, token, 'PUT', `/devices/${id}`, {
    id,
    kind: 'serial-scanner',
    path: made.devicePath,
    baudRate: 9600,
    mode,
    location: 'dock',
    debounceMs: 0,
  });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
  await waitFor(
    async () => (await edgeApi(edge, token, 'GET', `/devices/${id}`)).body.status === 'online',
    20_000,
    `scanner ${id} online`,
  );
  return made;
}

const edgeDelivery = async (edge: AgentProcess, token: string, id: string) =>
  (await edgeApi(edge, token, 'GET', `/deliveries/${id}`)).body as Json & { lines: Line[]; status: string };

/** Waits until the edge's delivery shows `received` units of `sku` (scans are asynchronous). */
async function untilReceived(edge: AgentProcess, token: string, id: string, sku: string, received: number) {
  await waitFor(
    async () =>
      (await edgeDelivery(edge, token, id)).lines?.find((l) => l.sku === sku)?.received === received,
    30_000,
    `${received} ${sku} received into ${id}`,
  );
}

/** The store's movements with ref = id, from its ledger file (read-only). */
function ledgerByRef(
  dataDir: string,
  ref: string,
): Array<{ id: string; type: string; sku: string; qty: number }> {
  const db = new Database(join(dataDir, 'ledger.sqlite'), { readonly: true });
  try {
    return db
      .prepare('SELECT id, type, sku, qty FROM movements WHERE ref = ? ORDER BY seq')
      .all(ref) as Array<{ id: string; type: string; sku: string; qty: number }>;
  } finally {
    db.close();
  }
}

async function cloudByRef(stack: Stack, storeId: string, ref: string) {
  const conn = await mysql.createConnection({ uri: stack.db.url });
  try {
    const [rows] = await conn.query(
      'SELECT id, type, sku, qty FROM movements WHERE store_id = ? AND ref = ? ORDER BY seq',
      [storeId, ref],
    );
    const [receipts] = await conn.query(
      'SELECT COUNT(*) AS n FROM delivery_receipts WHERE store_id = ? AND delivery_id = ?',
      [storeId, ref],
    );
    return {
      movements: (rows as Array<{ id: string; type: string; sku: string; qty: number }>).map((r) => ({
        ...r,
        qty: Number(r.qty),
      })),
      receipts: Number((receipts as Array<{ n: number }>)[0]?.n),
    };
  } finally {
    await conn.end();
  }
}

/** Sums received/damaged per sku the way a receipt does, from a list of movements. */
function sums(movements: Array<{ type: string; sku: string; qty: number }>) {
  const out: Record<string, { received: number; damaged: number }> = {};
  for (const m of movements) {
    const s = out[m.sku] ?? { received: 0, damaged: 0 };
    out[m.sku] = s;
    if (m.type === 'damage') s.damaged += m.qty;
    else if (m.type === 'receive' || m.type === 'transfer_in') s.received += m.qty;
  }
  return out;
}

async function webhookSink(): Promise<{ url: string; events: Json[]; close(): Promise<void> }> {
  const events: Json[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      try {
        events.push(JSON.parse(body) as Json);
      } catch {
        // not ours
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    events,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('deliveries', () => {
  it('receives cases against a head-office delivery offline, records a damaged unit, closes it, and the cloud shows the receipt once the link returns', async () => {
    const { stack, dir } = await stackWithDir(cleanups, 'se-e2e-deliv-');
    const cloud = stack.cloud as NonNullable<Stack['cloud']>;
    await catalog(stack);
    const sink = await webhookSink();
    cleanups.push(() => sink.close());
    expect(
      (
        await adminCall(cloud, 'POST', '/v1/webhooks', {
          url: sink.url,
          secret: 'a-webhook-secret-0123456789',
          events: ['delivery.received'],
          tenantId: stack.tenantId,
        })
      ).status,
    ).toBe(201);

    // Head office: 2 cases of WIDGET (by case GTIN, 12 units each) and 5 GADGET.
    const bad = await adminCall(cloud, 'POST', '/v1/deliveries', {
      id: 'PO-1',
      storeId: stack.storeId,
      lines: [{ sku: 'NOPE', qty: 1 }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      { path: '/lines/0/sku', message: "no item 'NOPE' in the tenant catalog" },
    ]);
    const po = {
      id: 'PO-1',
      storeId: stack.storeId,
      supplier: 'ACME',
      lines: [
        { gtin: WIDGET.case, qty: 2 },
        { sku: 'GADGET', qty: 5 },
      ],
    };
    const made = await adminCall(cloud, 'POST', '/v1/deliveries', po);
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({
      id: 'PO-1',
      kind: 'purchase',
      status: 'open',
      lines: [
        { sku: 'GADGET', expected: 5, received: 0, short: 5 },
        { sku: 'WIDGET', expected: 24, received: 0, short: 24 },
      ],
    });
    // A retried POST answers the same delivery; the id with other lines is refused.
    expect((await adminCall(cloud, 'POST', '/v1/deliveries', po)).status).toBe(200);
    const other = await adminCall(cloud, 'POST', '/v1/deliveries', {
      ...po,
      lines: [{ sku: 'GADGET', qty: 1 }],
    });
    expect([other.status, other.body.code]).toEqual([409, 'delivery-exists']);

    const edge = await startEdge(stack, dir.path, cloud.baseUrl);
    cleanups.push(() => edge.stop());
    const token = await edgeToken(edge);
    await waitFor(
      async () => (await edgeDelivery(edge, token, 'PO-1')).status === 'open',
      60_000,
      'PO-1 at the store',
    );
    await waitFor(
      async () => (await edgeApi(edge, token, 'GET', `/items/lookup?code=${EXTRA.unit}`)).body.item,
      60_000,
      'catalog at the store',
    );
    const dock = await scannerOn(edge, token, 'dock-1', 'receive');

    // The link goes down before the truck arrives.
    const port = await stack.stopCloud();

    writeScanner(dock.scannerPath, `${WIDGET.case}\r`);
    await untilReceived(edge, token, 'PO-1', 'WIDGET', 12);
    writeScanner(dock.scannerPath, `${WIDGET.case}\r`);
    await untilReceived(edge, token, 'PO-1', 'WIDGET', 24);
    for (let i = 0; i < 3; i++) writeScanner(dock.scannerPath, `${GADGET.unit}\r`);
    await untilReceived(edge, token, 'PO-1', 'GADGET', 3);
    // Chosen on the console page: an item the delivery does not expect counts as over.
    expect((await edgeApi(edge, token, 'POST', '/deliveries/PO-1/select', {})).status).toBe(200);
    writeScanner(dock.scannerPath, `${EXTRA.unit}\r`);
    await untilReceived(edge, token, 'PO-1', 'EXTRA', 1);
    // One crushed unit, with its reason.
    const damage = await edgeApi(edge, token, 'POST', '/movements', {
      movements: [
        {
          id: randomUUID(),
          type: 'damage',
          sku: 'WIDGET',
          location: 'dock',
          qty: 1,
          ref: 'PO-1',
          reason: 'crushed case',
        },
      ],
    });
    expect(damage.status, JSON.stringify(damage.body)).toBe(200);

    const live = await edgeDelivery(edge, token, 'PO-1');
    expect(live.status).toBe('receiving');
    expect(live.lines).toEqual([
      { sku: 'GADGET', expected: 5, received: 3, damaged: 0, short: 2, over: 0 },
      { sku: 'WIDGET', expected: 24, received: 24, damaged: 1, short: 0, over: 0 },
      { sku: 'EXTRA', expected: 0, received: 1, damaged: 0, short: 0, over: 1 },
    ]);
    expect(live.damages).toEqual([{ sku: 'WIDGET', qty: 1, reason: 'crushed case' }]);

    const closed = await edgeApi(edge, token, 'POST', '/deliveries/PO-1/close');
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect(closed.body.status).toBe('closed');
    const again = await edgeApi(edge, token, 'POST', '/deliveries/PO-1/close');
    expect(again.body.receipt).toEqual(closed.body.receipt);
    expect(closed.body.receipt).toMatchObject({ closedBy: 'admin', reported: false });
    expect((await edgeApi(edge, token, 'GET', '/replication')).body.pending).toBeGreaterThan(0);

    // The link returns.
    await stack.startCloud({ port });
    await waitReplicated(edge, token);
    const shown = await waitFor(
      async () => {
        const r = await adminCall(stack.cloud as NonNullable<Stack['cloud']>, 'GET', '/v1/deliveries/PO-1');
        return r.body.status === 'closed' ? r.body : undefined;
      },
      60_000,
      'the receipt in the cloud',
    );
    expect(shown.lines).toEqual([
      { sku: 'EXTRA', expected: 0, received: 1, damaged: 0, short: 0, over: 1 },
      { sku: 'GADGET', expected: 5, received: 3, damaged: 0, short: 2, over: 0 },
      { sku: 'WIDGET', expected: 24, received: 24, damaged: 1, short: 0, over: 0 },
    ]);
    await waitFor(
      async () => ((await edgeDelivery(edge, token, 'PO-1')).receipt as Json).reported === true,
      30_000,
      'the store sees its receipt acknowledged',
    );
    // Each movement once: the cloud holds exactly the store's movements with this ref.
    const atStore = ledgerByRef(dir.path, 'PO-1');
    const inCloud = await cloudByRef(stack, stack.storeId, 'PO-1');
    expect(atStore.map((m) => m.qty)).toEqual([12, 12, 1, 1, 1, 1, 1]);
    expect(inCloud.movements).toEqual(atStore);
    expect(inCloud.receipts).toBe(1);
    const hooks = await waitFor(
      () => {
        const got = sink.events.filter((e) => e.type === 'delivery.received');
        return got.length > 0 ? got : undefined;
      },
      30_000,
      'the delivery.received webhook',
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(new Set(sink.events.filter((e) => e.type === 'delivery.received').map((e) => e.id)).size).toBe(1);
    expect(hooks[0]?.data).toMatchObject({ deliveryId: 'PO-1', storeId: stack.storeId });
  }, 240_000);

  it('counts two scanners at once, HTTP retries and an agent killed mid-receipt exactly once; two closes make one receipt', async () => {
    const { stack, dir } = await stackWithDir(cleanups, 'se-e2e-deliv2-');
    const cloud = stack.cloud as NonNullable<Stack['cloud']>;
    await catalog(stack);
    expect(
      (
        await adminCall(cloud, 'POST', '/v1/deliveries', {
          id: 'PO-2',
          storeId: stack.storeId,
          lines: [{ sku: 'WIDGET', qty: 500 }],
        })
      ).status,
    ).toBe(201);
    // A link that loses answers and delivers requests twice: the edge retries, the cloud sees doubles.
    const proxy = await startChaosProxy(cloud.port, { cutRate: 0.2, duplicateRate: 0.3 });
    cleanups.push(() => proxy.close());
    let edge = await startEdge(stack, dir.path, proxy.url);
    cleanups.push(() => edge.stop());
    let token = await edgeToken(edge);
    await waitFor(
      async () => (await edgeDelivery(edge, token, 'PO-2')).status === 'open',
      60_000,
      'PO-2 at the store',
    );
    await waitFor(
      async () => (await edgeApi(edge, token, 'GET', `/items/lookup?code=${WIDGET.unit}`)).body.item,
      60_000,
      'catalog at the store',
    );
    const a = await scannerOn(edge, token, 'dock-a', 'receive');
    const b = await scannerOn(edge, token, 'dock-b', 'receive');

    // Both scanners at once, units and cases, while a handheld's app retries the same POST.
    const posted = [
      { id: randomUUID(), type: 'receive', sku: 'WIDGET', location: 'dock', qty: 5, ref: 'PO-2' },
    ];
    const scanBoth = (n: number) => {
      for (let i = 0; i < n; i++) {
        writeScanner(a.scannerPath, `${WIDGET.unit}\r`);
        writeScanner(b.scannerPath, i % 5 === 0 ? `${WIDGET.case}\r` : `${WIDGET.unit}\r`);
      }
    };
    scanBoth(20);
    const first = await Promise.all([
      edgeApi(edge, token, 'POST', '/movements', { movements: posted }),
      edgeApi(edge, token, 'POST', '/movements', { movements: posted }),
    ]);
    expect(first.map((r) => r.status)).toEqual([200, 200]);
    await waitFor(
      async () => ((await edgeDelivery(edge, token, 'PO-2')).lines[0]?.received ?? 0) > 0,
      30_000,
      'scans booked',
    );
    // SIGKILL mid-receipt, scans still arriving.
    scanBoth(10);
    edge.kill('SIGKILL');
    await edge.exited;
    edge = await startEdge(stack, dir.path, proxy.url);
    token = await edgeToken(edge);
    await waitFor(
      async () => (await edgeApi(edge, token, 'GET', '/devices/dock-a')).body.status === 'online',
      20_000,
      'scanner back',
    );
    scanBoth(10);
    expect(
      (await edgeApi(edge, token, 'POST', '/movements', { movements: posted })).body.results,
    ).toMatchObject([{ status: 'duplicate' }]);
    // Wait until every scan the agent took is booked (the count stops moving).
    let last = -1;
    await waitFor(
      async () => {
        const now = (await edgeDelivery(edge, token, 'PO-2')).lines[0]?.received ?? 0;
        const still = now === last;
        last = now;
        await new Promise((r) => setTimeout(r, 700));
        return still && now > 0;
      },
      60_000,
      'scans settled',
    );

    // Two managers close at once: one receipt.
    const closes = await Promise.all([
      edgeApi(edge, token, 'POST', '/deliveries/PO-2/close'),
      edgeApi(edge, token, 'POST', '/deliveries/PO-2/close'),
    ]);
    expect(closes.map((c) => c.status)).toEqual([200, 200]);
    const { reported: _r0, ...receipt0 } = (closes[0]?.body.receipt ?? {}) as Json;
    const { reported: _r1, ...receipt1 } = (closes[1]?.body.receipt ?? {}) as Json;
    expect(receipt0).toEqual(receipt1);
    const receipt = closes[0]?.body.receipt as { lines: Line[]; asOfSeq: number };
    const atStore = ledgerByRef(dir.path, 'PO-2');
    expect(new Set(atStore.map((m) => m.id)).size).toBe(atStore.length);
    expect(atStore.filter((m) => m.qty === 5)).toHaveLength(1);
    expect(receipt.lines).toEqual([
      expect.objectContaining({ sku: 'WIDGET', expected: 500, received: sums(atStore).WIDGET?.received }),
    ]);

    await waitReplicated(edge, token);
    const shown = await waitFor(
      async () => {
        const r = await adminCall(cloud, 'GET', '/v1/deliveries/PO-2');
        return r.body.status === 'closed' ? r.body : undefined;
      },
      60_000,
      'the receipt in the cloud',
    );
    const inCloud = await cloudByRef(stack, stack.storeId, 'PO-2');
    expect(inCloud.movements).toEqual(atStore);
    expect(inCloud.receipts).toBe(1);
    expect(shown.lines).toEqual(receipt.lines);
    expect(proxy.stats.duplicated + proxy.stats.cut).toBeGreaterThan(0);
  }, 240_000);

  it('ships a transfer A → B while B is offline: in transit in the cloud; B receives one short; the cloud shows one short and nothing in transit', async () => {
    const { stack, dir } = await stackWithDir(cleanups, 'se-e2e-xfer-a-');
    const cloud = stack.cloud as NonNullable<Stack['cloud']>;
    await catalog(stack);
    const storeB = await adminCall(cloud, 'POST', '/v1/stores', {
      id: 'store-b',
      tenantId: stack.tenantId,
      name: 'B',
    });
    expect(storeB.status).toBe(201);
    const edgeA = await startEdge(stack, dir.path, cloud.baseUrl);
    cleanups.push(() => edgeA.stop());
    const tokenA = await edgeToken(edgeA);
    await waitFor(
      async () => (await edgeApi(edgeA, tokenA, 'GET', `/items/lookup?code=${GADGET.unit}`)).body.item,
      60_000,
      'catalog at A',
    );
    const stocked = await edgeApi(edgeA, tokenA, 'POST', '/movements', {
      movements: [
        { id: randomUUID(), type: 'receive', sku: 'WIDGET', qty: 40 },
        { id: randomUUID(), type: 'receive', sku: 'GADGET', qty: 10 },
      ],
    });
    expect(stocked.status).toBe(200);

    // A ships while its own link is down too; B is not even running.
    const port = await stack.stopCloud();
    const transfer = {
      id: 'T-1',
      toStoreId: 'store-b',
      lines: [
        { sku: 'WIDGET', qty: 10 },
        { sku: 'GADGET', qty: 3 },
      ],
    };
    const toSelf = await edgeApi(edgeA, tokenA, 'POST', '/transfers', {
      ...transfer,
      toStoreId: stack.storeId,
    });
    expect([toSelf.status, toSelf.body.errors]).toEqual([
      400,
      [{ path: '/toStoreId', message: 'is this store; a transfer goes to another store' }],
    ]);
    const shipped = await edgeApi(edgeA, tokenA, 'POST', '/transfers', transfer);
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(201);
    expect(shipped.body.transfer).toMatchObject({ status: 'shipped', reported: false });
    expect((await edgeApi(edgeA, tokenA, 'POST', '/transfers', transfer)).status).toBe(200);
    const reused = await edgeApi(edgeA, tokenA, 'POST', '/transfers', {
      ...transfer,
      lines: [{ sku: 'WIDGET', qty: 1 }],
    });
    expect(reused.status).toBe(409);
    const stockA = (await edgeApi(edgeA, tokenA, 'GET', '/stock?sku=WIDGET')).body.items as Json[];
    expect(stockA.reduce((s, i) => s + Number(i.onHand), 0)).toBe(30);

    await stack.startCloud({ port });
    const cloudNow = stack.cloud as NonNullable<Stack['cloud']>;
    await waitReplicated(edgeA, tokenA);
    const inTransit = await waitFor(
      async () => {
        const r = await adminCall(cloudNow, 'GET', '/v1/transfers/T-1');
        return r.status === 200 ? r.body : undefined;
      },
      60_000,
      'T-1 in the cloud',
    );
    expect(inTransit).toMatchObject({
      fromStoreId: stack.storeId,
      toStoreId: 'store-b',
      status: 'in-transit',
      lines: [
        { sku: 'GADGET', shipped: 3, received: 0, short: 0, inTransit: 3 },
        { sku: 'WIDGET', shipped: 10, received: 0, short: 0, inTransit: 10 },
      ],
    });
    await waitFor(
      async () => (await edgeApi(edgeA, tokenA, 'GET', '/transfers/T-1')).body.reported === true,
      30_000,
      'A sees the shipment reported',
    );
    const aged = await adminCall(cloudNow, 'GET', '/v1/transfers?status=in-transit');
    expect((aged.body.transfers as Json[]).map((t) => t.id)).toEqual(['T-1']);
    expect(Number((aged.body.transfers as Json[])[0]?.ageSeconds)).toBeGreaterThanOrEqual(0);

    // B comes online, gets the inbound delivery, receives all but one GADGET and closes.
    const dirB = join(dir.path, 'b');
    const edgeB = await startEdge(
      { ...stack, storeId: 'store-b', storeToken: String(storeB.body.token) },
      dirB,
      cloudNow.baseUrl,
    );
    cleanups.push(() => edgeB.stop());
    const tokenB = await edgeToken(edgeB);
    const inbound = await waitFor(
      async () => {
        const d = await edgeDelivery(edgeB, tokenB, 'T-1');
        return d.status === 'open' ? d : undefined;
      },
      60_000,
      'T-1 at B',
    );
    expect(inbound).toMatchObject({ kind: 'transfer', fromStoreId: stack.storeId });
    await waitFor(
      async () => (await edgeApi(edgeB, tokenB, 'GET', `/items/lookup?code=${GADGET.unit}`)).body.item,
      60_000,
      'catalog at B',
    );
    const dockB = await scannerOn(edgeB, tokenB, 'dock-b', 'receive');
    writeScanner(dockB.scannerPath, `${GADGET.unit}\r${GADGET.unit}\r`);
    await untilReceived(edgeB, tokenB, 'T-1', 'GADGET', 2);
    const widgets = await edgeApi(edgeB, tokenB, 'POST', '/movements', {
      movements: [
        { id: randomUUID(), type: 'transfer_in', sku: 'WIDGET', location: 'dock', qty: 10, ref: 'T-1' },
      ],
    });
    expect(widgets.status).toBe(200);
    expect(ledgerByRef(dirB, 'T-1').map((m) => m.type)).toEqual([
      'transfer_in',
      'transfer_in',
      'transfer_in',
    ]);
    const closed = await edgeApi(edgeB, tokenB, 'POST', '/deliveries/T-1/close');
    expect(closed.body.lines).toEqual([
      { sku: 'GADGET', expected: 3, received: 2, damaged: 0, short: 1, over: 0 },
      { sku: 'WIDGET', expected: 10, received: 10, damaged: 0, short: 0, over: 0 },
    ]);
    await waitReplicated(edgeB, tokenB);

    const done = await waitFor(
      async () => {
        const r = await adminCall(cloudNow, 'GET', '/v1/transfers/T-1');
        return r.body.status === 'received' ? r.body : undefined;
      },
      60_000,
      'T-1 received in the cloud',
    );
    expect(done.lines).toEqual([
      { sku: 'GADGET', shipped: 3, received: 2, short: 1, inTransit: 0 },
      { sku: 'WIDGET', shipped: 10, received: 10, short: 0, inTransit: 0 },
    ]);
    expect((await adminCall(cloudNow, 'GET', '/v1/transfers?status=in-transit')).body.transfers).toEqual([]);
    // A's movements reached the cloud once, in spite of the outage.
    expect((await cloudByRef(stack, stack.storeId, 'T-1')).movements).toEqual(ledgerByRef(dir.path, 'T-1'));
  }, 240_000);
});
