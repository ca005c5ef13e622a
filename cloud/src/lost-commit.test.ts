// A connection lost around COMMIT is ambiguous: the batch may or may not have committed. The
// cloud runs the whole transaction again; the exactly-once check by (store, seq, movement id)
// must make that re-run harmless either way. A TCP proxy in front of the real MariaDB cuts the
// connection at the COMMIT: after the server answered it (committed, the client never hears),
// or before the server got it (rolled back).
import { createServer, type Server, Socket } from 'node:net';
import { freePort } from '@store-edge/testing';
import {
  countMovements,
  createTenantAndStore,
  records,
  startTestCloud,
  type TestCloud,
} from '@store-edge/testing/cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPool, type Pool, type RetryReason } from './db.js';
import { ingestBatch } from './ingest/index.js';

type Cut = 'after-commit' | 'before-commit' | null;

/** A TCP proxy to MySQL that, when armed, cuts the client's connection at its next COMMIT. */
async function commitCutter(
  target: URL,
): Promise<{ port: number; arm(cut: Cut): void; close(): Promise<void> }> {
  let armed: Cut = null;
  const COMMIT = Buffer.from('\x03COMMIT');
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    const upstream = new Socket();
    sockets.add(upstream);
    let swallow = false;
    upstream.connect(Number(target.port || 3306), target.hostname);
    upstream.on('data', (b: Buffer) => {
      if (swallow) {
        // The server answered the COMMIT: it committed. The client never learns it.
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(b);
    });
    client.on('data', (b: Buffer) => {
      if (armed && b.includes(COMMIT)) {
        const cut = armed;
        armed = null;
        if (cut === 'before-commit') {
          client.destroy();
          upstream.destroy();
          return;
        }
        swallow = true;
      }
      upstream.write(b);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return {
    port,
    arm: (cut) => {
      armed = cut;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

let cloud: TestCloud;
let cutter: Awaited<ReturnType<typeof commitCutter>>;
let pool: Pool;

beforeAll(async () => {
  cloud = await startTestCloud(inject('mysqlUrl'));
  const url = new URL(cloud.db.url);
  cutter = await commitCutter(url);
  const viaProxy = new URL(cloud.db.url);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(cutter.port);
  pool = createPool({ url: viaProxy.toString(), connectionLimit: 2 });
});

afterAll(async () => {
  await pool?.end().catch(() => {});
  await cutter?.close();
  await cloud?.close();
});

describe('a connection lost at COMMIT', () => {
  for (const cut of ['after-commit', 'before-commit'] as const) {
    it(`${cut === 'after-commit' ? 'after the server committed' : 'before the server got it'}: the batch is applied exactly once and acknowledged`, async () => {
      const storeId = `lc-${cut}`;
      await createTenantAndStore(cloud.app, `t-${cut}`, storeId);
      const batch = records(1, 50, (seq) => ({ sku: `SKU-${seq % 3}`, qty: 1 + (seq % 2) }));
      const retries: RetryReason[] = [];
      cutter.arm(cut);
      const result = await ingestBatch(pool, { storeId, tenantId: `t-${cut}` }, batch, {
        onRetry: (reason) => retries.push(reason),
      });
      expect(retries).toEqual(['connection-lost']);
      expect(result.appliedSeq).toBe(50);
      // The re-run found the first attempt's commit (answered as a duplicate), or did the work.
      expect(result.inserted).toBe(cut === 'after-commit' ? 0 : 50);
      // What committed: either attempt's, never both.
      expect(await countMovements(cloud.pool, storeId)).toEqual({ rows: 50, maxSeq: 50, distinctIds: 50 });
      const [stock] = await cloud.pool.query('SELECT SUM(on_hand) AS total FROM stock WHERE store_id = ?', [
        storeId,
      ]);
      const expected = batch.reduce((a, r) => a + r.movement.qty, 0);
      expect(Number((stock as Array<{ total: number }>)[0]?.total)).toBe(expected);
      // The edge sends it again (it never heard back in its own run): still once.
      const again = await ingestBatch(cloud.pool, { storeId, tenantId: `t-${cut}` }, batch);
      expect(again).toMatchObject({ appliedSeq: 50, inserted: 0 });
      expect(await countMovements(cloud.pool, storeId)).toEqual({ rows: 50, maxSeq: 50, distinctIds: 50 });
    });
  }
});
