/**
 * npm run bench -- restore
 * A replaced node (empty disk) restores a store of 1,000,000 movements (BENCH_MOVEMENTS) from a
 * real cloud on MariaDB, the agent under --max-old-space-size=128 as `npm start` runs it.
 * Prints the restore's rate, the agent's peak RSS, and whether the ledger equals the cloud row
 * for row (compared page by page afterwards) with its stock equal to the projection rebuilt from
 * its movements.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { acquireMysql, makeTempDir } from '@store-edge/testing';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import {
  edgeToken,
  replicationStatus,
  SKUS,
  type Stack,
  startEdge,
  startStack,
} from '../test/e2e/harness.js';
import { memory } from './_proc.js';
import { report } from './_report.js';

const N = Number(process.env.BENCH_MOVEMENTS ?? 1_000_000);
const STORE = 'bench-restore';

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

/** MariaDB DATETIME(3) text of an instant. */
function sqlTime(d: Date): string {
  return d.toISOString().replace('T', ' ').slice(0, 23);
}

/** The store's history straight into the cloud's tables, as its ingest would have left them. */
async function fillCloud(stack: Stack, n: number): Promise<number> {
  const conn = await mysql.createConnection({ uri: stack.db.url });
  const t0 = performance.now();
  const base = Date.parse('2026-01-01T08:00:00.000Z');
  try {
    for (let done = 0; done < n; done += 1000) {
      const values = Array.from({ length: Math.min(1000, n - done) }, (_, i) => {
        const seq = done + i + 1;
        const sku = SKUS[seq % SKUS.length] as string;
        const location = seq % 3 === 0 ? 'backroom' : 'salesfloor';
        // Mostly receipts and sales; a count now and then (its stock effect depends on on-hand).
        const type = seq % 997 === 0 ? 'count' : seq % 5 === 4 ? 'sale' : 'receive';
        const qty = type === 'count' ? 40 : type === 'sale' ? 1 : 1 + (seq % 3);
        return [
          STORE,
          seq,
          randomUUID(),
          stack.tenantId,
          type,
          sku,
          location,
          qty,
          sqlTime(new Date(base + seq * 1000)),
          null,
          null,
          'api',
          'bench',
        ];
      });
      await conn.query(
        'INSERT INTO movements (store_id, seq, id, tenant_id, type, sku, location, qty, at, ref, reason, source, actor) VALUES ?',
        [values],
      );
      if (done % 100_000 === 0) log(`cloud: ${done}/${n} movements written`);
    }
    await conn.query('UPDATE stores SET applied_seq = ? WHERE id = ?', [n, STORE]);
  } finally {
    await conn.end();
  }
  return n / ((performance.now() - t0) / 1000);
}

interface Row {
  seq: number;
  id: string;
  type: string;
  sku: string;
  location: string;
  qty: number;
  at: string;
}

/** Compares the edge's ledger with the cloud's movements, page by page; the first difference. */
async function compare(stack: Stack, dataDir: string): Promise<{ rows: number; difference: string | null }> {
  const sqlite = new Database(join(dataDir, 'ledger.sqlite'), { readonly: true });
  const conn = await mysql.createConnection({ uri: stack.db.url, dateStrings: false });
  const edgePage = sqlite.prepare<[number, number], Row>(
    'SELECT seq, id, type, sku, location, qty, at FROM movements WHERE seq > ? ORDER BY seq LIMIT ?',
  );
  let after = 0;
  let rows = 0;
  try {
    for (;;) {
      const edge = edgePage.all(after, 20_000);
      const [raw] = await conn.query(
        'SELECT seq, id, type, sku, location, qty, at FROM movements WHERE store_id = ? AND seq > ? ORDER BY seq LIMIT ?',
        [STORE, after, 20_000],
      );
      const cloud = (raw as Array<Omit<Row, 'at'> & { at: Date }>).map((r) => ({
        ...r,
        seq: Number(r.seq),
        qty: Number(r.qty),
        at: r.at.toISOString(),
      }));
      if (edge.length !== cloud.length)
        return { rows, difference: `after seq ${after}: edge ${edge.length} rows, cloud ${cloud.length}` };
      for (let i = 0; i < edge.length; i++) {
        const a = JSON.stringify(edge[i]);
        const b = JSON.stringify(cloud[i]);
        if (a !== b) return { rows, difference: `edge ${a} / cloud ${b}` };
      }
      rows += edge.length;
      if (edge.length === 0) break;
      after = (edge[edge.length - 1] as Row).seq;
    }
    const stockDiffers = sqlite
      .prepare(
        `SELECT COUNT(*) AS n FROM (
           SELECT sku, location, SUM(delta_on_hand) AS on_hand, SUM(delta_reserved) AS reserved FROM movements GROUP BY sku, location
         ) p FULL OUTER JOIN stock s USING (sku, location)
         WHERE COALESCE(p.on_hand, 0) <> COALESCE(s.on_hand, 0) OR COALESCE(p.reserved, 0) <> COALESCE(s.reserved, 0)`,
      )
      .get() as { n: number };
    if (stockDiffers.n > 0)
      return { rows, difference: `${stockDiffers.n} stock rows differ from the ledger's projection` };
    return { rows, difference: null };
  } finally {
    sqlite.close();
    await conn.end();
  }
}

async function main(): Promise<void> {
  const server = await acquireMysql();
  if ('skip' in server) throw new Error(server.skip);
  let stack: Stack | null = null;
  const dir = makeTempDir('bench-restore-');
  try {
    stack = await startStack(server.url, STORE);
    log(`filling the cloud with ${N} movements...`);
    const fillRate = await fillCloud(stack, N);
    report({
      name: 'cloud_fill',
      value: fillRate,
      unit: 'movements/s',
      note: '1000-row INSERTs straight into MariaDB (the history the edge restores)',
    });

    // The replaced node: an empty data dir, the store's id and credential.
    const t0 = performance.now();
    const edge = await startEdge(stack, dir.path, stack.cloud?.baseUrl ?? '', {
      STORE_EDGE_LOG_LEVEL: 'info',
    });
    const token = await edgeToken(edge);
    let peak = 0;
    let lastLog = 0;
    let refusedWhileRestoring = 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      peak = Math.max(peak, memory(edge.child.pid, 'VmRSS'));
      const s = (await replicationStatus(edge, token)) as Awaited<ReturnType<typeof replicationStatus>> & {
        restore?: { done: number; total: number; ratePerSecond: number } | null;
      };
      if (s.restore && refusedWhileRestoring === 0) {
        const r = await fetch(`${edge.baseUrl}/api/v1/movements`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ movements: [{ id: randomUUID(), type: 'receive', sku: 'A', qty: 1 }] }),
        });
        refusedWhileRestoring = r.status;
      }
      if (performance.now() - lastLog > 5000) {
        lastLog = performance.now();
        log(
          `restore: ${s.restore ? `${s.restore.done}/${s.restore.total} at ${s.restore.ratePerSecond}/s` : `acked ${s.lastAckedSeq}`}, edge RSS ${Math.round(memory(edge.child.pid, 'VmRSS') / 1e6)} MB (peak ${Math.round(peak / 1e6)} MB)`,
        );
      }
      if (s.lastAckedSeq >= N && !s.restore) break;
      if (edge.child.exitCode !== null) throw new Error(`the agent exited:\n${edge.output().slice(-3000)}`);
    }
    const secs = (performance.now() - t0) / 1000;
    peak = Math.max(peak, memory(edge.child.pid, 'VmRSS'));
    const lifetimePeak = memory(edge.child.pid, 'VmHWM');
    const progressLines = edge
      .output()
      .split('\n')
      .filter((l) => l.includes('restore from the cloud:')).length;
    edge.kill('SIGTERM');
    await edge.exited;
    report({
      name: 'restore_rate',
      value: N / secs,
      unit: 'movements/s',
      movements: N,
      seconds: Math.round(secs),
      note: 'from the agent process start (empty disk) until the ledger holds the cloud history and the cloud mark is acknowledged',
    });
    report({
      name: 'restore_edge_peak_rss',
      value: Math.max(peak, lifetimePeak) / 1e6,
      unit: 'MB',
      sampledPeakMB: Math.round(peak / 1e6),
      vmHwmMB: Math.round(lifetimePeak / 1e6),
      note: 'agent under --max-old-space-size=128 --max-semi-space-size=4 (as npm start); VmHWM is the lifetime peak',
    });
    report({
      name: 'restore_new_movement_answer_while_restoring',
      value: refusedWhileRestoring,
      unit: 'HTTP status',
      note: '503 expected: new movements wait until the history is in',
    });
    report({ name: 'restore_progress_log_lines', value: progressLines, unit: 'lines' });
    const cmp = await compare(stack, dir.path);
    report({
      name: 'restore_ledger_equals_cloud',
      value: cmp.difference === null && cmp.rows === N ? 1 : 0,
      unit: 'bool',
      rows: cmp.rows,
      ...(cmp.difference ? { difference: cmp.difference } : {}),
      note: 'seq, id, type, sku, location, qty, at, row for row; stock equal to the projection of the ledger',
    });
  } finally {
    await stack?.stop();
    dir.remove();
  }
}

await main();
