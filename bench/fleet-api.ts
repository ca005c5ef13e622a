// npm run bench -- fleet-api [--stores 1000] [--interval-seconds 30] [--seconds 60]
//                            [--readers 4] [--read-every-ms 500] [--pool 20] [--db URL]
//
// The fleet page's API under the fleet's health reports (issue 17, must-show 4, docs/fleet.md):
// one `store-edge cloud` process (a child process, as deployed) on a throw-away MariaDB/MySQL
// database. `stores` light clients, each with its own store token created through the admin
// API, send `POST /v1/stores/{id}/health` once every `interval-seconds` (each at its own phase
// of the interval, so the cloud sees stores/interval reports a second, as a real fleet's agents
// do), with a few devices each, one printer in ten out of paper. Meanwhile `readers` head-office
// clients call `GET /v1/fleet` (all stores of the tenant) every `read-every-ms` each. Time is
// not compressed: the reports arrive at the fleet's real rate for `seconds`.
//
// Raw limit, in the same run on the same database: the same statements without the cloud
// process (no HTTP, no auth, no validation, no serialization): the report's transaction
// (fleet/health-reports.ts recordHealth) and the fleet query (fleet/queries.ts fleet) called straight
// through a mysql2 pool of the cloud's size, under the same offered load (reports at the same
// rate, readers at the same pace) for the same time. Ratio = raw p99 / cloud p99 (1 = the cloud
// adds nothing to the database's own time).
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { createPool, type Pool } from '../cloud/src/db.js';
import { type FleetClock, fleet, recordHealth } from '../cloud/src/fleet/index.js';
import type { HealthReport } from '../protocol/src/index.js';
import { type CloudProcess, startCloudProcess } from '../testing/src/cloud-process.js';
import { createTestDatabase, DEFAULT_MYSQL_URL } from '../testing/src/index.js';
import { cpuSeconds, cpuSecondsOf } from './_proc.js';
import { percentile, report } from './_report.js';

const { values } = parseArgs({
  args: process.argv.slice(3),
  options: {
    stores: { type: 'string', default: process.env.FLEET_API_STORES ?? '1000' },
    'interval-seconds': { type: 'string', default: '30' },
    seconds: { type: 'string', default: process.env.FLEET_API_SECONDS ?? '60' },
    readers: { type: 'string', default: '4' },
    'read-every-ms': { type: 'string', default: '500' },
    pool: { type: 'string', default: '20' },
    db: { type: 'string', default: process.env.STORE_EDGE_TEST_MYSQL_URL ?? DEFAULT_MYSQL_URL },
  },
});
function positive(name: keyof typeof values): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`fleet-api: --${name} must be a positive integer, got '${values[name]}'\n`);
    process.exit(2);
  }
  return n;
}
const STORES = positive('stores');
const INTERVAL_MS = positive('interval-seconds') * 1000;
const SECONDS = positive('seconds');
const READERS = positive('readers');
const READ_EVERY_MS = positive('read-every-ms');
const POOL = positive('pool');
const ADMIN = `fleet-api-admin-${randomUUID()}`;
const TENANT = 'fleet-api';

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

function call(
  base: URL,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        path,
        method,
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

/** What an agent with two scanners, a reader and a printer reports; one printer in ten is out of paper. */
function healthReport(store: number, tick: number): HealthReport {
  const paperOut = store % 10 === 0;
  const pending = (store * 31 + tick * 7) % 50;
  return {
    agentVersion: '0.1.0',
    sentAt: new Date().toISOString(),
    backlog: {
      pending,
      oldestPendingAt: pending > 0 ? new Date(Date.now() - pending * 1000).toISOString() : null,
    },
    devices: [
      {
        id: 'printer-1',
        kind: 'zpl-printer',
        status: paperOut ? 'error' : 'online',
        detail: paperOut ? 'paper out' : null,
      },
      { id: 'reader-dock', kind: 'rfid-reader', status: 'online', detail: null },
      { id: 'scanner-1', kind: 'serial-scanner', status: 'online', detail: null },
      { id: 'scanner-2', kind: 'hid-scanner', status: 'offline', detail: null },
    ],
    diskFreeBytes: 40_000_000_000 + store,
    clockOffsetMs: (store % 7) - 3,
  };
}

interface Sample {
  latencies: number[];
  errors: Map<string, number>;
}
const sample = (): Sample => ({ latencies: [], errors: new Map() });
const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

async function timed(s: Sample, work: () => Promise<string | null>): Promise<void> {
  const t = performance.now();
  let error: string | null;
  try {
    error = await work();
  } catch (err) {
    error = `network:${(err as Error).message.slice(0, 40)}`;
  }
  if (error === null) s.latencies.push(performance.now() - t);
  else bump(s.errors, error);
}

/**
 * `seconds` of the workload: every store reports once per interval at its own phase, readers read
 * every READ_EVERY_MS. `send` and `read` are the cloud's HTTP calls or the raw statements.
 */
async function workload(
  send: (store: number, tick: number) => Promise<string | null>,
  read: () => Promise<string | null>,
): Promise<{ reports: Sample; reads: Sample; seconds: number }> {
  const reports = sample();
  const reads = sample();
  const t0 = performance.now();
  const stopAt = t0 + SECONDS * 1000;
  const inflight = new Set<Promise<void>>();
  const storeLoops = Array.from({ length: STORES }, async (_, s) => {
    const phase = (s / STORES) * INTERVAL_MS;
    for (let tick = 0; ; tick++) {
      const due = t0 + phase + tick * INTERVAL_MS;
      if (due >= stopAt) return;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      // Open loop: a slow answer does not hold the next store's report back.
      const p = timed(reports, () => send(s, tick));
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
    }
  });
  const readerLoops = Array.from({ length: READERS }, async (_, r) => {
    await new Promise((res) => setTimeout(res, (r / READERS) * READ_EVERY_MS));
    while (performance.now() < stopAt) {
      const started = performance.now();
      await timed(reads, read);
      const wait = READ_EVERY_MS - (performance.now() - started);
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
    }
  });
  await Promise.all([...storeLoops, ...readerLoops]);
  await Promise.all(inflight);
  return { reports, reads, seconds: (performance.now() - t0) / 1000 };
}

const ms = (v: number) => Math.round(v * 10) / 10;

const db = await createTestDatabase(values.db, 'se_fleet_api');
let cloud: CloudProcess | null = null;
let pool: Pool | null = null;
try {
  cloud = await startCloudProcess({
    mysqlUrl: db.url,
    adminToken: ADMIN,
    readyTimeoutMs: 120_000,
    env: { STORE_EDGE_MYSQL_POOL_SIZE: String(POOL), STORE_EDGE_LOG_LEVEL: 'warn' },
  });
  const base = new URL(cloud.baseUrl);
  const t = await call(base, 'POST', '/v1/tenants', ADMIN, { id: TENANT, name: 'Fleet API bench' });
  if (t.status !== 201) throw new Error(`tenant: ${t.status} ${t.text}`);
  const tokens: string[] = new Array(STORES);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let s = next++; s < STORES; s = next++) {
        const r = await call(base, 'POST', '/v1/stores', ADMIN, {
          id: `fa-${s}`,
          tenantId: TENANT,
          name: `Store ${s}`,
        });
        if (r.status !== 201) throw new Error(`store ${s}: ${r.status} ${r.text}`);
        tokens[s] = (JSON.parse(r.text) as { token: string }).token;
      }
    }),
  );

  const viaCloud = {
    send: async (s: number, tick: number) => {
      const r = await call(base, 'POST', `/v1/stores/fa-${s}/health`, tokens[s] ?? '', healthReport(s, tick));
      return r.status === 200 ? null : String(r.status);
    },
    read: async () => {
      const r = await call(base, 'GET', `/v1/fleet?tenantId=${TENANT}`, ADMIN);
      if (r.status !== 200) return String(r.status);
      const n = (JSON.parse(r.text) as { stores: unknown[] }).stores.length;
      return n === STORES ? null : `stores:${n}`;
    },
  };
  // Every store has reported once before the measurement: the fleet page lists 1,000 reports.
  await Promise.all(Array.from({ length: STORES }, (_, s) => viaCloud.send(s, -1)));
  // A fresh process compiles its hot paths on the first calls; those are not the steady state.
  for (let i = 0; i < 20; i++) await viaCloud.read();

  const cpu0 = { cloud: cpuSeconds(cloud.child.pid), db: cpuSecondsOf('mariadbd') };
  const measured = await workload(viaCloud.send, viaCloud.read);
  const cpu1 = { cloud: cpuSeconds(cloud.child.pid), db: cpuSecondsOf('mariadbd') };

  // Raw: the same statements, same database, same offered load, without the cloud process.
  await cloud.stop();
  cloud = null;
  pool = createPool({ url: db.url, connectionLimit: POOL });
  const clock: FleetClock = { now: () => new Date(), offlineAfterSeconds: 90 };
  const rawPool = pool;
  const raw = await workload(
    async (s, tick) => {
      await recordHealth(
        rawPool,
        { storeId: `fa-${s}`, tenantId: TENANT },
        healthReport(s, tick),
        new Date(),
      );
      return null;
    },
    async () => {
      const stores = await fleet(rawPool, { tenantId: TENANT, stores: null }, clock);
      return stores.length === STORES ? null : `stores:${stores.length}`;
    },
  );

  const common = {
    stores: STORES,
    intervalSeconds: INTERVAL_MS / 1000,
    seconds: SECONDS,
    readers: READERS,
    readEveryMs: READ_EVERY_MS,
    pool: POOL,
  };
  const fleetP99 = percentile(measured.reads.latencies, 99);
  const rawFleetP99 = percentile(raw.reads.latencies, 99);
  report({
    name: 'fleet-api-get-fleet-p99',
    value: fleetP99,
    unit: 'ms',
    limit: rawFleetP99,
    ratio: rawFleetP99 / fleetP99,
    p50: ms(percentile(measured.reads.latencies, 50)),
    rawP50: ms(percentile(raw.reads.latencies, 50)),
    calls: measured.reads.latencies.length,
    errors: Object.fromEntries(measured.reads.errors),
    target: 200,
    withinTarget: fleetP99 <= 200,
    rawLimit: 'fleet/queries.ts fleet() straight through mysql2, same pace, same report load',
    ...common,
  });
  const reportP99 = percentile(measured.reports.latencies, 99);
  const rawReportP99 = percentile(raw.reports.latencies, 99);
  report({
    name: 'fleet-api-health-report-p99',
    value: reportP99,
    unit: 'ms',
    limit: rawReportP99,
    ratio: rawReportP99 / reportP99,
    p50: ms(percentile(measured.reports.latencies, 50)),
    rawP50: ms(percentile(raw.reports.latencies, 50)),
    reports: measured.reports.latencies.length,
    reportsPerSecond: ms(measured.reports.latencies.length / measured.seconds),
    errors: Object.fromEntries(measured.reports.errors),
    rawErrors: Object.fromEntries(raw.reports.errors),
    rawLimit:
      'fleet/health-reports.ts recordHealth() (the same transaction) straight through mysql2, same rate',
    cloudCpuSeconds: ms(cpu1.cloud - cpu0.cloud),
    mariadbCpuSeconds: ms(cpu1.db - cpu0.db),
    ...common,
  });
  if (measured.reads.errors.size > 0 || measured.reports.errors.size > 0) process.exitCode = 1;
} finally {
  agent.destroy();
  await cloud?.stop();
  await pool?.end();
  await db.drop();
}
