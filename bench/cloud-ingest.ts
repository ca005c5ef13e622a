// npm run bench -- cloud-ingest [--stores 100] [--batches 3] [--batch-size 1000]
//
// 100 simulated stores push 1,000-record batches concurrently to two `store-edge cloud`
// processes. The raw limit is measured in the same run: the same rows inserted straight
// through mysql2 as 1,000-row multi-row INSERTs, one transaction each, with the same
// concurrency and as many connections as the two processes' pools together.
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import { toSqlDateTime } from '../cloud/src/db.js';
import { migrate } from '../cloud/src/migrate.js';
import type { ReplicationRecord } from '../protocol/src/index.js';
import { records } from '../testing/src/cloud.js';
import { type CloudProcess, startCloudProcess } from '../testing/src/cloud-process.js';
import { createTestDatabase, DEFAULT_MYSQL_URL } from '../testing/src/index.js';
import { percentile, report } from './_report.js';

const { values } = parseArgs({
  args: process.argv.slice(3),
  options: {
    stores: { type: 'string', default: '100' },
    batches: { type: 'string', default: '3' },
    'batch-size': { type: 'string', default: '1000' },
    pool: { type: 'string', default: '20' },
  },
});
const STORES = Number(values.stores);
const BATCHES = Number(values.batches);
const BATCH = Number(values['batch-size']);
const POOL = Number(values.pool);
const ADMIN = 'bench-admin-token-0123456789';

/** The same rows straight through mysql2: one 1,000-row INSERT per transaction. */
async function rawInsert(url: string, table: string, ledgers: ReplicationRecord[][]): Promise<number> {
  const setup = await mysql.createConnection({ uri: url });
  await setup.query(`CREATE TABLE ${table} LIKE movements`);
  await setup.end();
  const raw = mysql.createPool({ uri: url, connectionLimit: POOL * 2, timezone: 'Z' });
  const r0 = performance.now();
  await Promise.all(
    ledgers.map(async (ledger, s) => {
      for (let b = 0; b < BATCHES; b++) {
        const rows = ledger
          .slice(b * BATCH, (b + 1) * BATCH)
          .map(({ seq, movement: m }) => [
            `s${s}`,
            seq,
            m.id,
            'bench',
            m.type,
            m.sku,
            m.location,
            m.qty,
            toSqlDateTime(m.at),
            m.ref ?? null,
            m.reason ?? null,
            m.source ?? null,
            m.actor ?? null,
          ]);
        const conn = await raw.getConnection();
        try {
          await conn.beginTransaction();
          await conn.query(
            `INSERT INTO ${table} (store_id, seq, id, tenant_id, type, sku, location, qty, at, ref, reason, source, actor) VALUES ?`,
            [rows],
          );
          await conn.commit();
        } finally {
          conn.release();
        }
      }
    }),
  );
  const seconds = (performance.now() - r0) / 1000;
  await raw.end();
  return (ledgers.length * BATCHES * BATCH) / seconds;
}

const serverUrl = process.env.STORE_EDGE_TEST_MYSQL_URL ?? DEFAULT_MYSQL_URL;
const db = await createTestDatabase(serverUrl, 'se_bench');
const procs: CloudProcess[] = [];
try {
  await migrate(db.url);
  procs.push(
    ...(await Promise.all(
      [0, 1].map(() =>
        startCloudProcess({
          mysqlUrl: db.url,
          adminToken: ADMIN,
          args: ['--no-migrate'],
          env: { STORE_EDGE_MYSQL_POOL_SIZE: String(POOL), STORE_EDGE_WEBHOOK_INTERVAL_MS: '5000' },
        }),
      ),
    )),
  );
  const call = (p: CloudProcess, path: string, token: string, body: string) =>
    fetch(`${p.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    });
  const first = procs[0] as CloudProcess;
  await call(first, '/v1/tenants', ADMIN, JSON.stringify({ id: 'bench', name: 'Bench' }));
  const tokens: string[] = [];
  for (let s = 0; s < STORES; s++) {
    const res = await call(
      first,
      '/v1/stores',
      ADMIN,
      JSON.stringify({ id: `s${s}`, tenantId: 'bench', name: `S${s}` }),
    );
    tokens.push(((await res.json()) as { token: string }).token);
  }
  // Ledgers and request bodies are built before the clock starts.
  const ledgers: ReplicationRecord[][] = tokens.map(() =>
    records(1, BATCHES * BATCH, (seq) => ({
      type: seq % 5 === 0 ? 'sale' : 'receive',
      sku: `SKU-${seq % 250}`,
      source: 'bench',
    })),
  );
  const bodies = ledgers.map((l) =>
    Array.from({ length: BATCHES }, (_, b) =>
      JSON.stringify({ records: l.slice(b * BATCH, (b + 1) * BATCH) }),
    ),
  );

  // Raw limit before and after the cloud run (buffer pool and flushing differ); the better one counts.
  const rawBefore = await rawInsert(db.url, 'movements_raw_before', ledgers);

  // --- through the cloud ---
  const latencies: number[] = [];
  const failures = new Map<number, number>();
  const t0 = performance.now();
  await Promise.all(
    tokens.map(async (token, s) => {
      for (let b = 0; b < BATCHES; b++) {
        const proc = procs[(s + b) % 2] as CloudProcess;
        const started = performance.now();
        const res = await call(proc, `/v1/stores/s${s}/replication/batches`, token, bodies[s]?.[b] as string);
        await res.arrayBuffer();
        latencies.push(performance.now() - started);
        if (res.status !== 200) failures.set(res.status, (failures.get(res.status) ?? 0) + 1);
      }
    }),
  );
  const cloudSeconds = (performance.now() - t0) / 1000;
  const total = STORES * BATCHES * BATCH;

  const check = await mysql.createConnection({ uri: db.url });
  const [cnt] = await check.query('SELECT COUNT(*) AS n, COUNT(DISTINCT store_id, id) AS ids FROM movements');
  const landed = (cnt as Array<{ n: number; ids: number }>)[0];
  await check.end();
  const rawAfter = await rawInsert(db.url, 'movements_raw_after', ledgers);

  const cloudRate = total / cloudSeconds;
  const rawRate = Math.max(rawBefore, rawAfter);
  const metrics = await Promise.all(procs.map(async (p) => (await fetch(`${p.baseUrl}/metrics`)).text()));
  const txRetries = metrics
    .flatMap((m) => [...m.matchAll(/^store_edge_cloud_transaction_retries_total\{[^}]*\} (\d+)/gm)])
    .reduce((a, r) => a + Number(r[1]), 0);
  report({
    name: 'cloud-ingest',
    value: cloudRate,
    unit: 'movements/s',
    limit: rawRate,
    ratio: cloudRate / rawRate,
    stores: STORES,
    batchSize: BATCH,
    batchesPerStore: BATCHES,
    processes: 2,
    movements: total,
    rawBefore: Math.round(rawBefore),
    rawAfter: Math.round(rawAfter),
    landed: Number(landed?.n),
    distinct: Number(landed?.ids),
  });
  const p99 = percentile(latencies, 99);
  report({
    name: 'cloud-ingest-batch-latency-p99',
    value: p99,
    unit: 'ms',
    p50: Math.round(percentile(latencies, 50)),
  });
  report({
    name: 'cloud-ingest-errors-to-stores',
    value: [...failures.values()].reduce((a, b) => a + b, 0),
    unit: 'responses',
    byStatus: Object.fromEntries(failures),
    deadlockRetriesInServer: txRetries,
  });
} finally {
  await Promise.all(procs.map((p) => p.stop()));
  await db.drop();
}
