// npm run bench -- replenish [--stores 1000] [--rules 5000] [--pool 4] [--db throwaway|URL]
//                            [--buffer-pool 2G]
//
// One replenishment run (cloud/src/replenishment/run.ts, the code behind POST
// /v1/replenishment/runs and `store-edge cloud replenish`) over `stores` stores × `rules` reorder
// rules, each sku with a stock row and some on open deliveries, against the raw limit of the
// same reads and writes measured in the same run on the same database:
//
//   raw reads:  the run's three plain SELECTs per chunk of stores (rules, stock rows, open
//               delivery lines), sent the same way (three at once per chunk), rows received and
//               dropped: no sums, no formula;
//   raw writes: the same proposal rows (read back from the run) as plain multi-row INSERTs of
//               the run's size (2,000 rows) into a copy of replenishment_proposals made with
//               CREATE TABLE … LIKE (same keys), each committed on its own, like the run's.
//
// rows = rules + stock rows + delivery lines read + proposals written; rows/s = rows / seconds.
// Ratio = run rows/s ÷ raw rows/s (1.0: the run costs no more than moving its rows). The raw
// reads are measured before and after the run and the better counts (the buffer pool differs).
//
// Database: `--db throwaway` (default) starts a MariaDB of its own (testing/src/mysql.ts) with
// `--buffer-pool` of InnoDB buffer pool, durability as in production (flush at every commit),
// so the seeded rows do not compete with other sessions' test databases; or a server URL (a
// throw-away database on it). Seeding uses LOAD DATA LOCAL INFILE over `pool` connections and prints
// progress to stderr. Flags fall back to REPLENISH_* environment variables.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import { createPool, type Pool } from '../cloud/src/db.js';
import { migrate } from '../cloud/src/migrate.js';
import { runReplenishment } from '../cloud/src/replenishment/run.js';
import { createTestDatabase, type MysqlServer, startThrowawayMariadb, which } from '../testing/src/index.js';
import { report } from './_report.js';

const env = (name: string, dflt: string) => process.env[`REPLENISH_${name}`] ?? dflt;
const { values } = parseArgs({
  args: process.argv.slice(3),
  options: {
    stores: { type: 'string', default: env('STORES', '1000') },
    rules: { type: 'string', default: env('RULES', '5000') },
    pool: { type: 'string', default: env('POOL', '4') },
    db: { type: 'string', default: env('DB', 'throwaway') },
    'buffer-pool': { type: 'string', default: env('BUFFER_POOL', '2G') },
  },
});
const STORES = positive('stores');
const RULES = positive('rules');
const POOL = positive('pool');
const TENANT = 'bench';
/** As the run: stores per chunk, rows per INSERT (run.ts defaults). */
const PER_CHUNK = 10;
const INSERT_ROWS = 2000;
/** Lines per store on an open purchase delivery and an open inbound transfer. */
const PO_LINES = Math.min(100, RULES);
const TRANSFER_LINES = Math.min(20, RULES);

function positive(name: keyof typeof values): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`replenish: --${name} must be a positive integer, got '${values[name]}'\n`);
    process.exit(2);
  }
  return n;
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const storeId = (s: number) => `bench-${String(s).padStart(5, '0')}`;
const sku = (i: number) => `SKU-${String(i).padStart(6, '0')}`;
/** A cheap deterministic hash, so every run of the bench seeds the same figures. */
const h = (a: number, b: number, salt: number) =>
  ((a * 73_856_093) ^ (b * 19_349_663) ^ (salt * 83_492_791)) >>> 0;

async function database(): Promise<{ url: string; server?: MysqlServer; drop: () => Promise<void> }> {
  if (values.db === 'throwaway') {
    const mariadbd = which('mariadbd') ?? which('mysqld');
    const installDb = which('mariadb-install-db') ?? which('mysql_install_db');
    if (!mariadbd || !installDb) throw new Error('no mariadbd installed: pass --db mysql://…');
    log(`starting a throw-away MariaDB (buffer pool ${values['buffer-pool']}) …`);
    const server = await startThrowawayMariadb(mariadbd, installDb, {
      extraArgs: [`--innodb-buffer-pool-size=${values['buffer-pool']}`, '--innodb-log-file-size=512M'],
    });
    const db = await createTestDatabase(server.url, 'se_replenish');
    return { url: db.url, server, drop: () => server.stop() };
  }
  const db = await createTestDatabase(values.db ?? '', 'se_replenish');
  return { url: db.url, drop: () => db.drop() };
}

/** Loads tab-separated rows (`\\N` for NULL) into `target` ("table (columns)"). */
async function loadData(c: mysql.PoolConnection, target: string, tsv: string): Promise<void> {
  const [table, columns] = [target.slice(0, target.indexOf(' ')), target.slice(target.indexOf(' ') + 1)];
  await c.query({
    sql: `LOAD DATA LOCAL INFILE 'seed.tsv' INTO TABLE ${table} ${columns}`,
    infileStreamFactory: () => Readable.from([Buffer.from(tsv)]),
  });
}

/** Seeds tenant, stores (replicated just now), rules, stock and open deliveries. */
async function seed(url: string): Promise<{ rules: number; stock: number; lines: number }> {
  const conn = await mysql.createConnection({ uri: url, timezone: 'Z' });
  await conn.query('INSERT INTO tenants (id, name) VALUES (?, ?)', [TENANT, 'Bench']);
  for (let s = 0; s < STORES; s += 1000) {
    const ids = Array.from({ length: Math.min(1000, STORES - s) }, (_, k) => s + k);
    await conn.query('INSERT INTO stores (id, tenant_id, name, applied_seq, last_replicated_at) VALUES ?', [
      ids.map((i) => [storeId(i), TENANT, `Store ${i}`, 1, new Date()]),
    ]);
  }
  await conn.end();
  const pool = mysql.createPool({ uri: url, connectionLimit: POOL, timezone: 'Z' });
  const t0 = performance.now();
  let done = 0;
  let lastLog = 0;
  const next = { s: 0 };
  await Promise.all(
    Array.from({ length: POOL }, async () => {
      const c = await pool.getConnection();
      try {
        // Seeding only: the keys are unique by construction and every store exists.
        await c.query('SET SESSION unique_checks = 0, foreign_key_checks = 0');
        for (let s = next.s++; s < STORES; s = next.s++) {
          const id = storeId(s);
          // LOAD DATA LOCAL INFILE from tab-separated text built here: no escaping in JS and
          // the server's cheapest parser (1.5 × the rows/s of multi-row INSERTs on this machine).
          let rules = '';
          let stock = '';
          for (let i = 0; i < RULES; i++) {
            const min = 10 + (h(s, i, 1) % 20);
            const max = min + 20 + (h(s, i, 2) % 40);
            const multiple = [1, 1, 6, 12, 24][h(s, i, 3) % 5] as number;
            const lead = h(s, i, 4) % 3 === 0 ? '2' : '\\N';
            rules += `${id}\t${sku(i)}\t${TENANT}\t${min}\t${max}\t${multiple}\t${lead}\n`;
            stock += `${id}\t${sku(i)}\tstore\t${TENANT}\t${(h(s, i, 5) % 90) - 5}\t${h(s, i, 6) % 4 === 0 ? 1 : 0}\n`;
          }
          await loadData(
            c,
            'reorder_rules (store_id, sku, tenant_id, min_qty, max_qty, multiple, lead_days)',
            rules,
          );
          await loadData(c, 'stock (store_id, sku, location, tenant_id, on_hand, reserved)', stock);
          await c.query(
            'INSERT INTO deliveries (store_id, id, tenant_id, kind, from_store_id, status) VALUES (?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?)',
            [
              id,
              `PO-${id}`,
              TENANT,
              'purchase',
              null,
              'open',
              id,
              `TR-${id}`,
              TENANT,
              'transfer',
              storeId(0),
              'open',
            ],
          );
          const lines: unknown[][] = [];
          for (let l = 0; l < PO_LINES; l++) lines.push([id, `PO-${id}`, sku((l * 37) % RULES), 24, 0]);
          for (let l = 0; l < TRANSFER_LINES; l++)
            lines.push([id, `TR-${id}`, sku((l * 101 + 7) % RULES), 6, l % 2]);
          // One sku can appear on both; each delivery lists it once (distinct line keys).
          await c.query(
            'INSERT IGNORE INTO delivery_lines (store_id, delivery_id, sku, expected, received) VALUES ?',
            [lines],
          );
          done++;
          const t = performance.now();
          if (t - lastLog > 5000 || done === STORES) {
            lastLog = t;
            const s2 = (t - t0) / 1000;
            log(
              `seed: stores ${done}/${STORES} (${(done * RULES).toLocaleString('en')} rules, ` +
                `${(done * RULES).toLocaleString('en')} stock rows), ${s2.toFixed(0)} s, ` +
                `${Math.round((done * RULES * 2) / s2).toLocaleString('en')} rows/s`,
            );
          }
        }
      } finally {
        c.release();
      }
    }),
  );
  const [[counts]] = (await pool.query(
    'SELECT (SELECT COUNT(*) FROM reorder_rules) AS rules, (SELECT COUNT(*) FROM stock) AS stock, (SELECT COUNT(*) FROM delivery_lines) AS line_count',
  )) as unknown as [[{ rules: number; stock: number; line_count: number }]];
  await pool.end();
  return { rules: Number(counts.rules), stock: Number(counts.stock), lines: Number(counts.line_count) };
}

/** The run's reads without the run: the same statements per chunk, rows dropped. */
async function rawReads(pool: Pool, stores: string[]): Promise<{ seconds: number; rows: number }> {
  const t0 = performance.now();
  let rows = 0;
  for (let i = 0; i < stores.length; i += PER_CHUNK) {
    const chunk = stores.slice(i, i + PER_CHUNK);
    const answers = await Promise.all([
      pool.query(
        `SELECT store_id, sku, min_qty, max_qty, multiple, lead_days FROM reorder_rules
          WHERE store_id IN (?) ORDER BY store_id, sku`,
        [chunk],
      ),
      pool.query('SELECT store_id, sku, on_hand, reserved FROM stock WHERE store_id IN (?)', [chunk]),
      pool.query(
        `SELECT l.store_id, l.sku, d.kind, l.expected, l.received FROM delivery_lines l
           JOIN deliveries d ON d.store_id = l.store_id AND d.id = l.delivery_id
          WHERE l.store_id IN (?) AND d.status <> 'closed'`,
        [chunk],
      ),
    ]);
    for (const [r] of answers) rows += (r as unknown[]).length;
  }
  return { seconds: (performance.now() - t0) / 1000, rows };
}

/** The run's proposal rows as plain INSERTs into a copy of the table (same keys). */
async function rawWrites(pool: Pool, runId: string): Promise<{ seconds: number; rows: number }> {
  await pool.query('CREATE TABLE raw_proposals LIKE replenishment_proposals');
  try {
    const [proposals] = await pool.query(
      `SELECT store_id, run_id, sku, qty, on_hand, reserved, on_order, in_transit, lead_days
         FROM replenishment_proposals WHERE run_id = ? ORDER BY store_id, sku`,
      [runId],
    );
    const rows = (proposals as Array<Record<string, unknown>>).map((p) => [
      p.store_id,
      randomUUID(),
      p.sku,
      p.qty,
      p.on_hand,
      p.reserved,
      p.on_order,
      p.in_transit,
      p.lead_days,
    ]);
    const t0 = performance.now();
    for (let r = 0; r < rows.length; r += INSERT_ROWS) {
      await pool.query(
        `INSERT INTO raw_proposals (store_id, run_id, sku, qty, on_hand, reserved, on_order, in_transit, lead_days) VALUES ?`,
        [rows.slice(r, r + INSERT_ROWS)],
      );
    }
    return { seconds: (performance.now() - t0) / 1000, rows: rows.length };
  } finally {
    await pool.query('DROP TABLE raw_proposals');
  }
}

const db = await database();
try {
  await migrate(db.url);
  const t0 = performance.now();
  const seeded = await seed(db.url);
  log(
    `seeded ${seeded.rules.toLocaleString('en')} rules, ${seeded.stock.toLocaleString('en')} stock rows, ` +
      `${seeded.lines.toLocaleString('en')} delivery lines in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
  const pool = createPool({ url: db.url, connectionLimit: POOL });
  try {
    const stores = Array.from({ length: STORES }, (_, s) => storeId(s));
    log('raw reads (before the run) …');
    const before = await rawReads(pool, stores);
    log(`raw reads: ${before.rows.toLocaleString('en')} rows in ${before.seconds.toFixed(1)} s`);

    log('replenishment run …');
    let lastLog = 0;
    const r0 = performance.now();
    const summary = await runReplenishment(pool, {
      tenantId: TENANT,
      scope: { tenantId: null, stores: null },
      now: () => new Date(),
      maxLagMinutes: 24 * 60,
      onProgress: (p) => {
        const t = performance.now();
        if (t - lastLog < 5000 && p.storesDone < p.storesTotal) return;
        lastLog = t;
        log(`run: stores ${p.storesDone}/${p.storesTotal}, ${p.proposals.toLocaleString('en')} proposals`);
      },
    });
    const runSeconds = (performance.now() - r0) / 1000;
    // The run reads the rows the raw reads read (same statements) and writes its proposals.
    const runRows = before.rows + summary.proposals;
    log(`run: ${summary.proposals.toLocaleString('en')} proposals in ${runSeconds.toFixed(1)} s`);

    log('raw reads (after the run) and raw writes …');
    const after = await rawReads(pool, stores);
    const writes = await rawWrites(pool, summary.id);
    const readSeconds = Math.min(before.seconds, after.seconds);
    const rawSeconds = readSeconds + writes.seconds;
    const rowsPerS = runRows / runSeconds;
    const rawPerS = (before.rows + writes.rows) / rawSeconds;
    report({
      name: 'replenishment run',
      value: rowsPerS,
      unit: 'rows/s',
      limit: rawPerS,
      ratio: rowsPerS / rawPerS,
      seconds: Math.round(runSeconds * 10) / 10,
      rawSeconds: Math.round(rawSeconds * 10) / 10,
      stores: STORES,
      rules: seeded.rules,
      rowsRead: before.rows,
      proposals: summary.proposals,
      heldBack: summary.heldBack.length,
    });
    report({
      name: 'replenishment run time',
      value: runSeconds,
      unit: 's',
      limit: rawSeconds,
      ratio: rawSeconds / runSeconds,
    });
    report({
      name: 'raw reads',
      value: before.rows / readSeconds,
      unit: 'rows/s',
      seconds: Math.round(readSeconds * 10) / 10,
      before: Math.round(before.seconds * 10) / 10,
      after: Math.round(after.seconds * 10) / 10,
    });
    report({
      name: 'raw writes',
      value: writes.rows / writes.seconds,
      unit: 'rows/s',
      seconds: Math.round(writes.seconds * 10) / 10,
    });
  } finally {
    await pool.end();
  }
} finally {
  await db.drop();
}
