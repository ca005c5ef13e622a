/**
 * npm run bench -- upgrade
 * What an upgrade costs a store with a large ledger: migration 006 on a ledger made by the
 * schema before it, then migration 007 (the movements table rebuilt with canonical ids under a
 * UNIQUE constraint), each timed. The agent answers /readyz only after both.
 * BENCH_MOVEMENTS sets the size.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { makeTempDir } from '@store-edge/testing';
import { loadMigrations, migrate, openDatabase } from '../edge-agent/src/db/database.js';
import { report } from './_report.js';

const N = Number(process.env.BENCH_MOVEMENTS ?? 1_000_000);
const dir = makeTempDir('bench-upgrade-');
try {
  const db = openDatabase(join(dir.path, 'ledger.sqlite'), { migrate: false });
  const all = loadMigrations();
  migrate(
    db,
    all.filter((m) => m.version < 6),
  );
  const insert = db.prepare(
    `INSERT INTO movements (seq, id, type, sku, location, qty, delta_on_hand, delta_reserved, at, ref, reason, code,
       source, actor, flags, request_hash, recorded_at)
     VALUES (?, ?, 'receive', 'A', 'store', 1, 1, 0, '2026-11-22T08:00:00Z', NULL, NULL, NULL, 'api', 'bench', NULL, 'h', '2026-11-22T08:00:00Z')`,
  );
  for (let t = 0; t < N / 10_000; t++) {
    db.transaction(() => {
      // Every hundredth id in upper case, as some clients send them: migration 007 makes it canonical.
      for (let i = 1; i <= 10_000; i++) {
        const id = randomUUID();
        insert.run(t * 10_000 + i, i % 100 === 0 ? id.toUpperCase() : id);
      }
    })();
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  for (const version of [6, 7]) {
    const t0 = performance.now();
    migrate(
      db,
      all.filter((m) => m.version <= version),
    );
    report({ name: `migration_00${version}`, value: performance.now() - t0, unit: 'ms', movements: N });
    db.pragma('wal_checkpoint(TRUNCATE)');
  }
  db.close();
} finally {
  dir.remove();
}
