// npm run bench -- fleet [--stores 1000] [--backlog 400] [--trickle-seconds 30] [--rate 2]
//                        [--interval-ms 1000] [--batch-size 1000] [--pool 20] [--capacity-seconds 10]
//                        [--db single|galera|URL] [--new-stores]
//
// A fleet of simulated stores against one `store-edge cloud` process (a child process, as
// deployed). Each store is a light client speaking the real replication protocol
// (protocol/src/replication.ts): its own credential created through the admin API, gapless
// seqs, gzip bodies and the agent-instance header like the edge's shipper, resending from
// `expectedSeq` on a gap, waiting `Retry-After` on 429/503 and backing off on other errors. It does not run an
// edge agent: 1,000 agents would measure this machine, not the cloud.
//
//  1. catch-up: every store has `backlog` movements waiting (a WAN outage) and pushes them in
//     batches of up to `batch-size`, all stores at once. The stores have traded before: the
//     stock rows their movements touch exist (zero), as in a chain's stores; `--new-stores`
//     measures a fleet's first sync instead, where every stock row is inserted;
//  2. trickle: every store sends what it made in the last `interval-ms` (`rate` movements/s on
//     average, Poisson-spread so batches differ) for `trickle-seconds`: latency and errors under
//     the busy hour's offered load (its batches/s is what the stores offered, not a capacity);
//  3. small-batch capacity: as many stores as the cloud admits at once (2 × pool) each send a
//     batch of the trickle's size as soon as the previous one is answered, for
//     `capacity-seconds`: the most small batches/s the cloud applies, set against the raw limit
//     of the same database for transactions of that size over the cloud's pool (both closed
//     loops at full concurrency, so the ratio compares capacity with capacity).
//
// Raw limit, measured in the same run on the same database: the same rows (same columns and
// values) inserted straight through mysql2 as multi-row INSERTs, one transaction per batch,
// over as many connections as the cloud's pool. The better of a run before and after the
// cloud run counts (buffer pool and flushing differ). Ratio = catch-up rate / raw limit.
//
// Database: `--db single` (default; STORE_EDGE_TEST_MYSQL_URL or 127.0.0.1:3306, a throw-away
// database on it), `--db galera` (a 3-node Galera cluster behind HAProxy started by
// testing/src/galera.ts), or a server URL. Flags fall back to FLEET_* environment variables
// (FLEET_STORES, FLEET_BACKLOG, FLEET_TRICKLE_SECONDS, FLEET_RATE, FLEET_DB, ...).
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import type { ReplicationRecord } from '../protocol/src/index.js';
import { type CloudProcess, startCloudProcess } from '../testing/src/cloud-process.js';
import { cpuSeconds, cpuSecondsOf, memory } from './_proc.js';
import { percentile, report } from './_report.js';
import { openDatabase } from './fleet-db.js';
import { rawInsert, rawSmallTransactions } from './fleet-raw.js';
import { createStores, seedStock, warmUp } from './fleet-setup.js';
import { fleetAgent, makeMovement, newStats, type Stats } from './fleet-store.js';

const env = (name: string, dflt: string) => process.env[`FLEET_${name}`] ?? dflt;
const { values } = parseArgs({
  args: process.argv.slice(3),
  options: {
    stores: { type: 'string', default: env('STORES', '1000') },
    backlog: { type: 'string', default: env('BACKLOG', '400') },
    'batch-size': { type: 'string', default: env('BATCH_SIZE', '1000') },
    'trickle-seconds': { type: 'string', default: env('TRICKLE_SECONDS', '30') },
    rate: { type: 'string', default: env('RATE', '2') },
    'interval-ms': { type: 'string', default: env('INTERVAL_MS', '1000') },
    pool: { type: 'string', default: env('POOL', '20') },
    'capacity-seconds': { type: 'string', default: env('CAPACITY_SECONDS', '10') },
    db: { type: 'string', default: env('DB', 'single') },
    'new-stores': { type: 'boolean', default: env('NEW_STORES', '') === '1' },
  },
});
const STORES = positive('stores');
const BACKLOG = positive('backlog');
const BATCH = Math.min(1000, positive('batch-size'));
const TRICKLE_S = Number(values['trickle-seconds']);
const RATE = Number(values.rate);
const INTERVAL_MS = positive('interval-ms');
const POOL = positive('pool');
const CAPACITY_S = positive('capacity-seconds');
const agent = fleetAgent(STORES);
const ADMIN = `fleet-admin-${randomUUID()}`;
const TENANT = 'fleet';

function positive(name: keyof typeof values): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`fleet: --${name} must be a positive integer, got '${values[name]}'\n`);
    process.exit(2);
  }
  return n;
}

// --- raw limit (bench/fleet-raw.ts) ---------------------------------------------------------

/** Rows like the catch-up's (fresh ids: the raw table's unique key must not make it cheaper). */
function rawBatches(): ReplicationRecord[][][] {
  return Array.from({ length: STORES }, (_, s) => {
    const all = Array.from({ length: BACKLOG }, (_, i) => ({ seq: i + 1, movement: makeMovement(s, i + 1) }));
    const out: ReplicationRecord[][] = [];
    for (let i = 0; i < all.length; i += BATCH) out.push(all.slice(i, i + BATCH));
    return out;
  });
}

// --- run -------------------------------------------------------------------------------------

async function metricsOf(cloud: CloudProcess): Promise<Record<string, number>> {
  const text = await (await fetch(`${cloud.baseUrl}/metrics`)).text();
  const sum = (re: RegExp) => [...text.matchAll(re)].reduce((a, m) => a + Number(m[1]), 0);
  return {
    txRetries: sum(/^store_edge_cloud_transaction_retries_total(?:\{[^}]*\})? (\d+)/gm),
  };
}

function phaseReport(name: string, stats: Stats): void {
  report({
    name: `${name}-batch-latency-p99`,
    value: percentile(stats.latencies, 99),
    unit: 'ms',
    p50: Math.round(percentile(stats.latencies, 50) * 10) / 10,
    batches: stats.latencies.length,
  });
  report({
    name: `${name}-errors`,
    value: [...stats.byStatus.entries()]
      .filter(([k]) => !k.startsWith('409:'))
      .reduce((a, [, n]) => a + n, 0),
    unit: 'failed requests',
    byStatus: Object.fromEntries(stats.byStatus),
    gaps: stats.gaps,
    retried: stats.retries,
  });
}

const database = await openDatabase(values.db);
const rawTarget = { url: database.url, pool: POOL, tenant: TENANT };
let cloud: CloudProcess | null = null;
try {
  const t = performance.now();
  // The cloud migrates its database at start, as in a deployment.
  cloud = await startCloudProcess({
    mysqlUrl: database.url,
    adminToken: ADMIN,
    readyTimeoutMs: 120_000,
    // As deployed (Dockerfile.cloud, the chart's semiSpaceMiB).
    nodeArgs: ['--max-semi-space-size=128'],
    env: {
      STORE_EDGE_MYSQL_POOL_SIZE: String(POOL),
      STORE_EDGE_LOG_LEVEL: 'warn',
      STORE_EDGE_WEBHOOK_INTERVAL_MS: '5000',
    },
  });
  const admin = { cloud, agent, token: ADMIN };
  const stores = await createStores(admin, {
    tenant: TENANT,
    prefix: 'fleet',
    count: STORES,
    batchSize: BATCH,
  });
  const setupSeconds = (performance.now() - t) / 1000;
  await warmUp(admin, STORES);
  // `--new-stores` leaves the stock rows out: every stock row is a new one, a fleet's first
  // sync, which costs the database about a third more per movement (docs/scale.md).
  if (!values['new-stores']) await seedStock(database.url, TENANT, STORES, BACKLOG);

  const rawBeforeRows = rawBatches();
  const rawBeforeCpu = await withCpu(() => rawInsert(rawTarget, 'movements_raw_before', rawBeforeRows));
  const rawBefore = rawBeforeCpu.value;

  // --- 1. catch-up ---
  for (const s of stores) s.make(BACKLOG);
  // Each store has its first batch built and compressed when the WAN comes back, as an edge
  // has (its own CPU, not the cloud's): the clock measures the cloud.
  for (const s of stores) s.nextBatch();
  const catchup = newStats();
  const cpu0 = {
    cloud: cpuSeconds(cloud.child.pid),
    db: cpuSecondsOf('mariadbd'),
    stores: cpuSeconds(process.pid),
  };
  const c0 = performance.now();
  await Promise.all(stores.map((s) => s.drain(catchup)));
  const catchupSeconds = (performance.now() - c0) / 1000;
  const cpu1 = {
    cloud: cpuSeconds(cloud.child.pid),
    db: cpuSecondsOf('mariadbd'),
    stores: cpuSeconds(process.pid),
  };

  // --- 2. trickle ---
  const trickle = newStats();
  let offered = 0;
  const t0 = performance.now();
  const stopAt = t0 + TRICKLE_S * 1000;
  await Promise.all(
    stores.map(async (s) => {
      // Stores are not in phase: each starts at a random point of the interval.
      await new Promise((r) => setTimeout(r, Math.random() * INTERVAL_MS));
      while (performance.now() < stopAt) {
        const tick = performance.now();
        const n = poisson((RATE * INTERVAL_MS) / 1000);
        s.make(n);
        offered += n;
        if (s.outbox.length > 0) await s.drain(trickle, stopAt + 30_000);
        const wait = INTERVAL_MS - (performance.now() - tick);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    }),
  );
  const trickleSeconds = (performance.now() - t0) / 1000;
  const cpu2 = { cloud: cpuSeconds(cloud.child.pid), db: cpuSecondsOf('mariadbd') };
  // What stores still hold (backing off at the end of the trickle) is sent before the check,
  // outside the measured time: the check is about the cloud, not about when the bench stopped.
  const pendingAtEnd = stores.reduce((a, s) => a + s.outbox.length, 0);
  await Promise.all(stores.map((s) => s.drain(newStats())));
  const trickleBatchRows = Math.max(1, Math.round(offered / Math.max(1, trickle.latencies.length)));

  // --- 3. small-batch capacity ---
  const capacity = newStats();
  const busy = stores.slice(0, Math.min(STORES, 2 * POOL));
  const k0 = performance.now();
  const capacityStop = k0 + CAPACITY_S * 1000;
  await Promise.all(
    busy.map(async (s) => {
      while (performance.now() < capacityStop) {
        s.make(trickleBatchRows);
        await s.drain(capacity, capacityStop + 30_000);
      }
    }),
  );
  const capacitySeconds = (performance.now() - k0) / 1000;
  const cpu3 = { cloud: cpuSeconds(cloud.child.pid), db: cpuSecondsOf('mariadbd') };
  const metrics = await metricsOf(cloud);

  // Exactly once: every movement the stores made is in the cloud once, and nothing else is.
  const check = await mysql.createConnection({ uri: database.url });
  const [cnt] = await check.query(
    'SELECT COUNT(*) AS n, COUNT(DISTINCT store_id, id) AS ids FROM movements WHERE tenant_id = ?',
    [TENANT],
  );
  const landed = (cnt as Array<{ n: number; ids: number }>)[0];
  const [marks] = await check.query('SELECT SUM(applied_seq) AS s FROM stores WHERE tenant_id = ?', [TENANT]);
  await check.end();
  const made = stores.reduce((a, s) => a + s.nextSeq - 1, 0);

  const rawAfterRows = rawBatches();
  const rawAfterCpu = await withCpu(() => rawInsert(rawTarget, 'movements_raw_after', rawAfterRows));
  const rawAfter = rawAfterCpu.value;
  // CPU per raw row: the database's and this process's (mysql2 building and sending the rows,
  // the raw path's counterpart of the cloud's own work); the cheaper of the two runs.
  const rawRows = STORES * BACKLOG;
  const rawCpuUs = (Math.min(rawBeforeCpu.cpu, rawAfterCpu.cpu) * 1e6) / rawRows;
  const rawRate = Math.max(rawBefore, rawAfter);
  const rawTx = await rawSmallTransactions(
    rawTarget,
    'movements_raw_small',
    trickleBatchRows,
    CAPACITY_S,
    makeMovement,
  );
  const catchupRate = catchup.movements / catchupSeconds;

  const common = { database: database.kind, stores: STORES, pool: POOL };
  report({
    name: 'fleet-catchup',
    value: catchupRate,
    unit: 'movements/s',
    limit: rawRate,
    ratio: catchupRate / rawRate,
    ...common,
    backlogPerStore: BACKLOG,
    batchSize: BATCH,
    stockRows: values['new-stores'] ? 'new (first sync)' : 'existing (trading stores)',
    movements: catchup.movements,
    seconds: Math.round(catchupSeconds * 10) / 10,
    rawBefore: Math.round(rawBefore),
    rawAfter: Math.round(rawAfter),
    cloudCpuSeconds: Math.round((cpu1.cloud - cpu0.cloud) * 10) / 10,
    mariadbCpuSeconds: Math.round((cpu1.db - cpu0.db) * 10) / 10,
    // The simulated stores share the two cores (HTTP, resends, later batches' compression).
    storesCpuSeconds: Math.round((cpu1.stores - cpu0.stores) * 10) / 10,
    // Against the chart's 512 MiB limit (charts/cloud/values.yaml).
    cloudPeakRssMiB: Math.round(memory(cloud.child.pid, 'VmHWM') / 1048576),
  });
  phaseReport('fleet-catchup', catchup);
  // The rate above shares two cores between the stores' simulator, the cloud and the database,
  // while the raw limit gives the database almost all of them: the CPU each path spends per
  // movement compares the work itself, whatever the machine leaves to each process.
  const cloudCpuUs = ((cpu1.cloud - cpu0.cloud + cpu1.db - cpu0.db) * 1e6) / Math.max(1, catchup.movements);
  report({
    name: 'fleet-catchup-cpu-per-movement',
    value: cloudCpuUs,
    unit: 'µs',
    limit: rawCpuUs,
    ratio: rawCpuUs / cloudCpuUs,
    note: 'cloud + MariaDB CPU per applied movement in the catch-up, against MariaDB + mysql2 client CPU per row of the raw insert (the cheaper of its two runs)',
  });
  const trickleRate = trickle.movements / trickleSeconds;
  const batchRate = trickle.latencies.length / trickleSeconds;
  const capacityRate = capacity.latencies.length / capacitySeconds;
  report({
    name: 'fleet-trickle',
    value: trickleRate,
    unit: 'movements/s',
    // What the fleet offered; below it (saturated), stores were held back by 503 busy answers.
    offered: STORES * RATE,
    saturated: trickleRate < 0.9 * STORES * RATE,
    ...common,
    ratePerStore: RATE,
    intervalMs: INTERVAL_MS,
    batchesPerSecond: Math.round(batchRate * 10) / 10,
    // Of the small-batch capacity measured below.
    utilisation: Math.round((batchRate / capacityRate) * 1000) / 1000,
    seconds: Math.round(trickleSeconds * 10) / 10,
    cloudCpuSeconds: Math.round((cpu2.cloud - cpu1.cloud) * 10) / 10,
    mariadbCpuSeconds: Math.round((cpu2.db - cpu1.db) * 10) / 10,
  });
  phaseReport('fleet-trickle', trickle);
  report({
    name: 'fleet-small-batch-capacity',
    value: capacityRate,
    unit: 'batches/s',
    limit: rawTx,
    ratio: capacityRate / rawTx,
    rowsPerBatch: trickleBatchRows,
    stores: busy.length,
    seconds: Math.round(capacitySeconds * 10) / 10,
    rawLimit: `${POOL} connections committing ${trickleBatchRows}-row INSERTs back to back, ${CAPACITY_S} s`,
    cloudCpuMsPerBatch: Math.round(((cpu3.cloud - cpu2.cloud) * 1e5) / capacity.latencies.length) / 100,
    mariadbCpuMsPerBatch: Math.round(((cpu3.db - cpu2.db) * 1e5) / capacity.latencies.length) / 100,
  });
  phaseReport('fleet-small-batch-capacity', capacity);
  report({
    name: 'fleet-exactly-once',
    value: Number(landed?.n),
    unit: 'movements in the cloud',
    made,
    distinctIds: Number(landed?.ids),
    sumOfAppliedSeq: Number((marks as Array<{ s: number }>)[0]?.s),
    transactionRetriesInCloud: metrics.txRetries,
    pendingAtEndOfTrickle: pendingAtEnd,
    setupSeconds: Math.round(setupSeconds * 10) / 10,
  });
  if (Number(landed?.n) !== made || Number(landed?.ids) !== made) process.exitCode = 1;
} finally {
  agent.destroy();
  await cloud?.stop();
  await database.stop();
}

/** Runs `work`, answering its value and the CPU seconds MariaDB and this process spent meanwhile. */
async function withCpu<T>(work: () => Promise<T>): Promise<{ value: T; cpu: number }> {
  const db0 = cpuSecondsOf('mariadbd');
  const me0 = process.cpuUsage();
  const value = await work();
  const me = process.cpuUsage(me0);
  return { value, cpu: cpuSecondsOf('mariadbd') - db0 + (me.user + me.system) / 1e6 };
}

/** Knuth's method: fine for the small means of one store's interval. */
function poisson(mean: number): number {
  const l = Math.exp(-mean);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= Math.random();
  } while (p > l);
  return k - 1;
}
