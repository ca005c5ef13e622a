import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { ReplicationRecord } from '@store-edge/protocol';
import { freePort } from '@store-edge/testing';
import {
  admin,
  bearer,
  createTenantAndStore,
  records,
  startTestCloud,
  type TestCloud,
} from '@store-edge/testing/cloud';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { EventEnvelope } from './outbox.js';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, verifySignature, WebhookDispatcher } from './webhooks.js';

const SECRET = 'whsec-test-0123456789abcdef';

/** A receiver that checks every signature and fails the first two attempts of each event. */
class Receiver {
  server: Server;
  url = '';
  readonly attempts = new Map<string, number>();
  readonly acked: EventEnvelope[] = [];
  badSignatures = 0;

  constructor(private readonly failFirst: number) {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (b: Buffer) => {
        body += b.toString();
      });
      req.on('end', () => {
        if (!verifySignature(SECRET, String(req.headers[SIGNATURE_HEADER] ?? ''), body)) {
          this.badSignatures += 1;
          res.writeHead(401).end();
          return;
        }
        const event = JSON.parse(body) as EventEnvelope;
        expect(req.headers[EVENT_ID_HEADER]).toBe(event.id);
        const n = (this.attempts.get(event.id) ?? 0) + 1;
        this.attempts.set(event.id, n);
        if (n <= this.failFirst) {
          res.writeHead(503).end('not yet');
          return;
        }
        this.acked.push(event);
        res.writeHead(204).end();
      });
    });
  }

  async start(): Promise<void> {
    const port = await freePort();
    await new Promise<void>((r) => this.server.listen(port, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${port}/hook`;
  }
}

let cloud: TestCloud;
const receiver = new Receiver(2);
const dispatchers: WebhookDispatcher[] = [];

function dispatcher(staleAfterSeconds: number): WebhookDispatcher {
  const d = new WebhookDispatcher({
    pool: cloud.pool,
    log: pino({ level: 'silent' }),
    intervalMs: 20,
    baseBackoffMs: 20,
    maxBackoffMs: 200,
    maxAttempts: 10,
    ratePerTenant: 1000,
    staleAfterSeconds,
  });
  dispatchers.push(d);
  return d;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  cloud = await startTestCloud(inject('mysqlUrl'));
  await receiver.start();
});
afterAll(async () => {
  await Promise.all(dispatchers.map((d) => d.stop()));
  await new Promise((r) => receiver.server.close(r));
  await cloud?.close();
});

describe('webhooks', () => {
  it('delivers each event, signed, exactly once it is acknowledged, through failures and two replicas', async () => {
    const { token } = await createTenantAndStore(cloud.app, 'hooked', 'hooked-1');
    const sub = await cloud.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: admin,
      payload: {
        url: receiver.url,
        secret: SECRET,
        events: ['movements.applied', 'reservation.changed'],
        tenantId: 'hooked',
      },
    });
    expect(sub.statusCode).toBe(201);

    const ledger = records(1, 30);
    for (const [from, to] of [
      [1, 10],
      [11, 20],
      [5, 30], // partly a duplicate: one event for the new part only
      [21, 30], // pure duplicate: no event
    ] as const) {
      const res = await cloud.app.inject({
        method: 'POST',
        url: '/v1/stores/hooked-1/replication/batches',
        headers: bearer(token),
        payload: { records: ledger.slice(from - 1, to) },
      });
      expect(res.statusCode).toBe(200);
    }
    const reservation = await cloud.app.inject({
      method: 'POST',
      url: '/v1/reservations',
      headers: admin,
      payload: { storeId: 'hooked-1', sku: 'SKU-1', qty: 1, ref: 'web-1' },
    });
    expect(reservation.statusCode).toBe(201);

    // Two replicas deliver the same outbox.
    dispatcher(0).start();
    dispatcher(0).start();
    await until(() => receiver.acked.length >= 4, 'four acknowledged events');
    // Give the dispatchers a few more passes: nothing may arrive again.
    await new Promise((r) => setTimeout(r, 300));

    expect(receiver.badSignatures).toBe(0);
    // Deliveries run in parallel, so acknowledgements may come in any order.
    const applied = receiver.acked
      .filter((e) => e.type === 'movements.applied')
      .map((e) => e.data as { fromSeq: number; toSeq: number; movements: ReplicationRecord[] })
      .sort((x, y) => x.fromSeq - y.fromSeq);
    // Each event carries exactly the movements it applied.
    for (const e of applied) expect(e.movements).toEqual(ledger.slice(e.fromSeq - 1, e.toSeq));
    expect(applied.map(({ movements: _, ...rest }) => rest)).toEqual([
      { storeId: 'hooked-1', fromSeq: 1, toSeq: 10, count: 10 },
      { storeId: 'hooked-1', fromSeq: 11, toSeq: 20, count: 10 },
      { storeId: 'hooked-1', fromSeq: 21, toSeq: 30, count: 10 },
    ]);
    expect(receiver.acked.filter((e) => e.type === 'reservation.changed').map((e) => e.data)).toEqual([
      expect.objectContaining({ id: reservation.json().id, status: 'requested', storeId: 'hooked-1' }),
    ]);
    const ids = receiver.acked.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Each event was refused twice before it was acknowledged, and never sent after.
    for (const id of ids) expect(receiver.attempts.get(id)).toBe(3);
  });

  it('rejects a forged or stale signature on the receiving side', () => {
    const body = '{"x":1}';
    const now = Date.now();
    const t = Math.floor(now / 1000);
    const good = `t=${t},v1=${createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex')}`;
    expect(verifySignature(SECRET, good, body, now)).toBe(true);
    expect(verifySignature('another-secret-000000', good, body, now)).toBe(false);
    expect(verifySignature(SECRET, good, '{"x":2}', now)).toBe(false);
    expect(verifySignature(SECRET, good, body, now + 3_600_000)).toBe(false);
  });

  it('announces a store that has not replicated for the configured time, once', async () => {
    await createTenantAndStore(cloud.app, 'quiet', 'quiet-1');
    const sub = await cloud.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: admin,
      payload: { url: receiver.url, secret: SECRET, events: ['store.stale'], tenantId: 'quiet' },
    });
    expect(sub.statusCode).toBe(201);
    await new Promise((r) => setTimeout(r, 1100));
    // Two replicas check at once; only one may claim the silence.
    dispatcher(1).start();
    dispatcher(1).start();
    await until(() => receiver.acked.some((e) => e.type === 'store.stale'), 'store.stale');
    await new Promise((r) => setTimeout(r, 300));
    const stale = receiver.acked.filter((e) => e.type === 'store.stale');
    expect(stale.map((e) => (e.data as { storeId: string }).storeId)).toEqual(['quiet-1']);
  });
});
