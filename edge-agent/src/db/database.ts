import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { hashPasswordSync } from '../auth/passwords.js';

export type Db = Database.Database;

const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir = migrationsDir): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({
      version: Number(f.slice(0, 3)),
      name: f.slice(4, -4),
      sql: readFileSync(join(dir, f), 'utf8'),
    }));
}

/**
 * Opens (creating if needed) the ledger database with the settings durability depends on:
 * WAL so readers never block the writer, synchronous=FULL so a commit that returned survives
 * power loss (https://www.sqlite.org/pragma.html#pragma_synchronous), and applies pending
 * migrations, each in its own transaction.
 */
export function openDatabase(file: string, opts: { migrate?: boolean; cacheKiB?: number } = {}): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // better-sqlite3 gives every connection a 16 MiB page cache; the agent keeps several
  // connections, and a store node's memory matters more than a warm cache (indexes are small).
  db.pragma(`cache_size = -${opts.cacheKiB ?? 4096}`);
  // Migrations that hash secrets call it (009: reader passwords); SQLite has no scrypt.
  db.function('store_edge_hash_password', { deterministic: false }, (clear: unknown) =>
    typeof clear === 'string' ? hashPasswordSync(clear) : null,
  );
  if (opts.migrate !== false) migrate(db);
  return db;
}

export function migrate(db: Db, migrations = loadMigrations()): number[] {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  const applied = new Set(
    db
      .prepare('SELECT version FROM schema_migrations')
      .all()
      .map((r) => (r as { version: number }).version),
  );
  const done: number[] = [];
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
    })();
    done.push(m.version);
  }
  return done;
}

/** Folds the WAL back into the main file so a copy of the data dir is self-contained. */
export function checkpointAndClose(db: Db): void {
  if (!db.open) return;
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}
