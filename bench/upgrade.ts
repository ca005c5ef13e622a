/**
 * npm run bench -- upgrade
 * What an upgrade costs a store with a large ledger: migration 006 on a ledger made by the
 * schema before it, then the writer's first start, which files the existing movement ids in
 * runs (movement-ids.ts) before the agent answers /readyz. BENCH_MOVEMENTS sets the size.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { makeTempDir } from '@store-edge/testing';
import { loadMigrations, migrate, openDatabase } from '../edge-agent/src/db/database.js';
import { MovementIds } from '../edge-agent/src/ledger/movement-ids.js';
import { report } from './_report.js';

const N = Number(process.env.BENCH_MOVEMENTS ?? 1_000_000);
const dir = makeTempDir('bench-upgrade-');
try {
  const db = openDatabase(join(dir.path, 'ledger.sqlite'), { migrate: false });
  migrate(
    db,
    loadMigrations().filter((m) => m.version < 6),
  );
  const insert = db.prepare(
    `INSERT INTO movements (seq, id, type, sku, location, qty, delta_on_hand, delta_reserved, at, ref, reason, code,
       source, actor, flags, request_hash, recorded_at)
     VALUES (?, ?, 'receive', 'A', 'store', 1, 1, 0, '2026-11-22T08:00:00Z', NULL, NULL, NULL, 'api', 'bench', NULL, 'h', '2026-11-22T08:00:00Z')`,
  );
  for (let t = 0; t < N / 10_000; t++) {
    db.transaction(() => {
      for (let i = 1; i <= 10_000; i++) insert.run(t * 10_000 + i, randomUUID());
    })();
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  let t0 = performance.now();
  migrate(db);
  report({ name: 'migration_006', value: performance.now() - t0, unit: 'ms', movements: N });
  t0 = performance.now();
  const ids = new MovementIds(db);
  report({
    name: 'first_start_id_filing',
    value: performance.now() - t0,
    unit: 'ms',
    movements: N,
    runs: ids.runCount,
    idsInMemory: ids.size,
  });
  db.close();
} finally {
  dir.remove();
}
