/**
 * npm run bench -- catchup
 * 1,000,000 movements buffered at the edge are shipped to the cloud on MariaDB. Prints the
 * shipping rate, the raw MariaDB insert limit measured in the same run (the same rows through
 * mysql2 as 1,000-row multi-row inserts, one transaction each), their ratio, and the edge's
 * peak RSS while catching up.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquireMysql, createTestDatabase, makeTempDir } from '@store-edge/testing';
import mysql from 'mysql2/promise';
import { openDatabase } from '../edge-agent/src/db/database.js';
import {
  createItems,
  edgeToken,
  readBoth,
  replicationStatus,
  type Stack,
  startEdge,
  startStack,
} from '../test/e2e/harness.js';
import { cpuSeconds, cpuSecondsOf, memory } from './_proc.js';
import { report } from './_report.js';

const N = Number(process.env.BENCH_MOVEMENTS ?? 1_000_000);
const SKUS = ['A', 'B', 'C', 'D'];

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

/** Writes N movements into an edge ledger the way the ledger writes them (rows, stock, outbox). */
function bufferMovements(dataDir: string, n: number): void {
  const db = openDatabase(join(dataDir, 'ledger.sqlite'));
  const now = new Date().toISOString();
  const insM = db.prepare(
    `INSERT INTO movements (seq, id, type, sku, location, qty, delta_on_hand, delta_reserved, at, ref, reason, code,
       source, actor, flags, request_hash, recorded_at) VALUES (?, ?, 'receive', ?, ?, ?, ?, 0, ?, NULL, NULL, NULL, 'api', 'bench', NULL, ?, ?)`,
  );
  const insO = db.prepare('INSERT INTO outbox (seq) VALUES (?)');
  const stock = new Map<string, number>();
  for (let tx = 0; tx < n / 10_000; tx++) {
    db.transaction(() => {
      for (let i = 0; i < 10_000; i++) {
        const seq = tx * 10_000 + i + 1;
        const sku = SKUS[seq % 4] as string;
        const location = seq % 3 === 0 ? 'backroom' : 'salesfloor';
        const qty = 1 + (seq % 3);
        const id = randomUUID();
        insM.run(seq, id, sku, location, qty, qty, now, 'bench', now);
        insO.run(seq);
        stock.set(`${sku}|${location}`, (stock.get(`${sku}|${location}`) ?? 0) + qty);
      }
    })();
  }
  const put = db.prepare(
    'INSERT INTO stock (sku, location, on_hand, reserved, last_seq) VALUES (?, ?, ?, 0, ?)',
  );
  for (const [k, v] of stock) {
    const [sku, location] = k.split('|');
    put.run(sku, location, v, n);
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

let rawDbCpuPerRow = 0;

async function rawLimit(serverUrl: string, rows: number): Promise<number> {
  const db = await createTestDatabase(serverUrl, 'se_bench_raw');
  try {
    const conn = await mysql.createConnection({ uri: db.url });
    const ddl = readFileSync(new URL('../cloud/migrations/001_initial.sql', import.meta.url), 'utf8');
    const create = /CREATE TABLE movements \(([\s\S]*?)\) ENGINE=InnoDB[^;]*;/.exec(ddl)?.[0];
    if (!create) throw new Error('movements DDL not found');
    // Same columns and keys as the cloud's movements table, without the foreign keys.
    await conn.query(create.replace(/,\s*CONSTRAINT[^,)]*\([^)]*\)[^,)]*REFERENCES[^,)]*\([^)]*\)/g, ''));
    const now = new Date();
    const db0 = cpuSecondsOf('mariadbd');
    const t0 = process.hrtime.bigint();
    for (let done = 0; done < rows; done += 1000) {
      const values = Array.from({ length: 1000 }, (_, i) => {
        const seq = done + i + 1;
        return [
          'bench-store',
          seq,
          randomUUID(),
          'tenant',
          'receive',
          SKUS[seq % 4],
          'salesfloor',
          1,
          now,
          null,
          null,
          'api',
          'bench',
        ];
      });
      await conn.beginTransaction();
      await conn.query(
        'INSERT INTO movements (store_id, seq, id, tenant_id, type, sku, location, qty, at, ref, reason, source, actor) VALUES ?',
        [values],
      );
      await conn.commit();
    }
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const perRow = ((cpuSecondsOf('mariadbd') - db0) * 1e6) / rows;
    rawDbCpuPerRow = rawDbCpuPerRow > 0 ? Math.min(rawDbCpuPerRow, perRow) : perRow;
    await conn.end();
    return rows / secs;
  } finally {
    await db.drop();
  }
}

async function main(): Promise<void> {
  const server = await acquireMysql();
  if ('skip' in server) throw new Error(server.skip);
  let stack: Stack | null = null;
  const dir = makeTempDir('bench-catchup-');
  try {
    const limitBefore = await rawLimit(server.url, 200_000);
    log(`raw MariaDB limit: ${Math.round(limitBefore)} rows/s`);
    stack = await startStack(server.url, 'bench-store');
    log(`buffering ${N} movements in the edge ledger...`);
    bufferMovements(dir.path, N);
    // Log in (scrypt) and set up the catalog while the cloud is out of reach, then measure a
    // fresh agent process from its start: its lifetime peak is the catch-up's own.
    const setup = await startEdge(stack, dir.path, 'http://127.0.0.1:9', { STORE_EDGE_LOG_LEVEL: 'warn' });
    const token = await edgeToken(setup);
    await createItems(setup, token).catch(() => {});
    setup.kill('SIGTERM');
    await setup.exited;
    const cloudPid = stack.cloud?.child.pid;
    const cpuCloud0 = cpuSeconds(cloudPid);
    const cpuDb0 = cpuSecondsOf('mariadbd');
    const t0 = performance.now();
    const edge = await startEdge(stack, dir.path, stack.cloud!.baseUrl, { STORE_EDGE_LOG_LEVEL: 'warn' });
    const cpu0 = { edge: 0, cloud: cpuCloud0, db: cpuDb0 };
    let acked = 0;
    let peak = 0;
    let lastLog = 0;
    while (acked < N) {
      await new Promise((r) => setTimeout(r, 250));
      const s = await replicationStatus(edge, token);
      acked = s.lastAckedSeq;
      peak = Math.max(peak, memory(edge.child.pid, 'VmRSS'));
      if (performance.now() - lastLog > 5000) {
        lastLog = performance.now();
        log(
          `catch-up: ${acked}/${N} (${Math.round(acked / ((performance.now() - t0) / 1000))}/s), edge peak RSS ${Math.round(peak / 1e6)} MB, VmHWM ${Math.round(memory(edge.child.pid, 'VmHWM') / 1e6)} MB`,
        );
      }
    }
    const secs = (performance.now() - t0) / 1000;
    const cpu = {
      edge: cpuSeconds(edge.child.pid) - cpu0.edge,
      cloud: cpuSeconds(cloudPid) - cpu0.cloud,
      db: cpuSecondsOf('mariadbd') - cpu0.db,
    };
    peak = Math.max(peak, memory(edge.child.pid, 'VmRSS'));
    const lifetimePeak = memory(edge.child.pid, 'VmHWM');
    edge.kill('SIGTERM');
    await edge.exited;
    const limitAfter = await rawLimit(server.url, 200_000);
    const limit = Math.max(limitBefore, limitAfter);
    const rate = N / secs;
    report({
      name: 'mariadb_raw_insert',
      value: limit,
      unit: 'rows/s',
      note: '1000-row multi-row INSERT, one transaction each; best of before/after',
    });
    report({
      name: 'catchup_rate',
      value: rate,
      unit: 'movements/s',
      limit,
      ratio: rate / limit,
      movements: N,
      seconds: Math.round(secs),
    });
    const rawDbCpu = rawDbCpuPerRow;
    for (const [part, seconds] of Object.entries(cpu)) {
      report({
        name: `catchup_cpu_${part}`,
        value: (seconds * 1e6) / N,
        unit: 'µs CPU/movement',
        ...(part === 'db' ? { limit: rawDbCpu, note: 'limit: MariaDB CPU per row of the raw insert' } : {}),
      });
    }
    report({
      name: 'edge_peak_rss',
      value: peak / 1e6,
      unit: 'MB',
      note: 'highest VmRSS sampled every 250 ms during catch-up',
    });
    report({
      name: 'edge_lifetime_vmhwm',
      value: lifetimePeak / 1e6,
      unit: 'MB',
      note: 'lifetime peak of the agent process that caught up (logged in beforehand, in an earlier process: a login holds 32 MiB for scrypt)',
    });
    if (process.env.BENCH_VERIFY !== '0') {
      const both = await readBoth(stack, dir.path);
      const equal =
        both.cloudRows.length === N && JSON.stringify(both.cloudRows) === JSON.stringify(both.edgeRows);
      report({ name: 'catchup_rows_equal', value: equal ? 1 : 0, unit: 'bool' });
    }
  } finally {
    await stack?.stop();
    dir.remove();
    await server.stop();
  }
}

await main();
