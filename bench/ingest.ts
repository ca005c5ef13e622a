/**
 * npm run bench -- ingest
 * Durable HTTP ingest of the edge agent against the raw SQLite limit measured in the same run.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { makeTempDir, startAgent } from '@store-edge/testing';
import { openDatabase } from '../edge-agent/src/db/database.js';
import { jsonClient } from './_http.js';
import { percentile, report } from './_report.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CLIENTS = 16;
const BATCH = 100;

function rawLimit(): number {
  const dir = makeTempDir('bench-raw-');
  try {
    const db = openDatabase(join(dir.path, 'raw.sqlite'));
    const insM = db.prepare(
      `INSERT INTO movements (seq, id, type, sku, location, qty, delta_on_hand, delta_reserved, at, ref, reason, code,
         source, actor, flags, request_hash, recorded_at) VALUES (?, ?, 'receive', ?, 'store', 1, 1, 0, ?, NULL, NULL, NULL, 'api', 'bench', NULL, ?, ?)`,
    );
    const upS = db.prepare(
      `INSERT INTO stock (sku, location, on_hand, reserved, last_seq) VALUES (?, 'store', 1, 0, ?)
       ON CONFLICT (sku, location) DO UPDATE SET on_hand = on_hand + 1, last_seq = excluded.last_seq`,
    );
    const insO = db.prepare('INSERT INTO outbox (seq, payload, created_at) VALUES (?, ?, ?)');
    const total = 200_000;
    const now = new Date().toISOString();
    const payload = JSON.stringify({
      id: randomUUID(),
      type: 'receive',
      sku: 'SKU-1',
      location: 'store',
      qty: 1,
      at: now,
    });
    const t0 = process.hrtime.bigint();
    let seq = 0;
    for (let tx = 0; tx < total / 1000; tx++) {
      db.transaction(() => {
        for (let i = 0; i < 1000; i++) {
          seq++;
          insM.run(seq, randomUUID(), `SKU-${seq % 50}`, now, 'h'.repeat(32), now);
          upS.run(`SKU-${seq % 50}`, seq);
          insO.run(seq, payload, now);
        }
      })();
    }
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    db.close();
    return total / secs;
  } finally {
    dir.remove();
  }
}

async function main(): Promise<void> {
  const limit = rawLimit();
  report({
    name: 'sqlite_raw_insert',
    value: limit,
    unit: 'movements/s',
    note: 'same schema, 1000-row transactions, synchronous=FULL',
  });

  const dir = makeTempDir('bench-ingest-');
  const agent = await startAgent({
    dataDir: dir.path,
    env: { STORE_EDGE_LOG_LEVEL: 'warn', STORE_EDGE_MQTT_PORT: '0' },
  });
  try {
    const login = await fetch(`${agent.baseUrl}/api/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'admin-test-password' }),
    });
    const { token } = (await login.json()) as { token: string };
    const client = jsonClient(agent.baseUrl, token, CLIENTS + 4);
    for (let s = 0; s < 50; s++) {
      const r = await fetch(`${agent.baseUrl}/api/v1/items/SKU-${s}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `Item ${s}`, gtins: [], price: { amount: '1.00', currency: 'EUR' } }),
      });
      if (r.status !== 200) throw new Error(`item: ${r.status}`);
    }
    const batchBody = (n: number) =>
      JSON.stringify({
        movements: Array.from({ length: n }, (_, i) => ({
          id: randomUUID(),
          type: 'receive',
          sku: `SKU-${i % 50}`,
          qty: 1,
        })),
      });

    // Throughput: 16 clients, batches of 100, as fast as acks come back.
    let done = 0;
    let failed = 0;
    const deadline = Date.now() + SECONDS * 1000;
    const t0 = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (Date.now() < deadline) {
          const r = await client.post('/api/v1/movements', batchBody(BATCH));
          if (r.status === 200) done += BATCH;
          else failed++;
        }
      }),
    );
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const rate = done / secs;
    report({
      name: 'agent_durable_ingest',
      value: rate,
      unit: 'movements/s',
      limit,
      ratio: rate / limit,
      clients: CLIENTS,
      batch: BATCH,
      failedRequests: failed,
    });

    // Latency at a steady 2,000 movements/s: 200 requests/s of 10, sent on a fixed schedule (open loop).
    const perSecond = 200;
    const n = perSecond * SECONDS;
    const lat: number[] = [];
    const start = performance.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const due = start + (i * 1000) / perSecond;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const body = batchBody(10);
      const sent = performance.now();
      pending.push(
        client.post('/api/v1/movements', body).then((r) => {
          if (r.status !== 200) throw new Error(`status ${r.status}`);
          lat.push(performance.now() - sent);
        }),
      );
    }
    await Promise.all(pending);
    report({ name: 'ack_latency_p50_at_2000_per_s', value: percentile(lat, 50), unit: 'ms' });
    report({ name: 'ack_latency_p99_at_2000_per_s', value: percentile(lat, 99), unit: 'ms' });
    client.close();
  } finally {
    agent.kill('SIGTERM');
    await agent.exited;
    dir.remove();
  }
}

await main();
