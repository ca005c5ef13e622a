import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backoffDelay } from '@store-edge/protocol';
import mysql from 'mysql2/promise';
import { isRetryable, mysqlErrno, retryReason } from './db.js';

export const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'migrations');

/**
 * How long a migrator's claim on the lock row lasts without renewal. It renews before every
 * statement, so this bounds one statement and how long a crashed migrator blocks the others.
 */
const LEASE_SECONDS = 300;

/** MySQL/MariaDB errors a re-run of a migration statement that already took effect answers. */
const ALREADY_DONE = new Set([
  1050, // ER_TABLE_EXISTS_ERROR
  1060, // ER_DUP_FIELDNAME
  1061, // ER_DUP_KEYNAME
  1068, // ER_MULTIPLE_PRI_KEY
  1091, // ER_CANT_DROP_FIELD_OR_KEY
  1826, // ER_FK_DUP_NAME
]);

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

export function loadMigrations(dir = migrationsDir): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d+_[\w-]+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number.parseInt(file, 10),
      name: file.replace(/\.sql$/, ''),
      statements: splitStatements(readFileSync(join(dir, file), 'utf8')),
    }));
}

/** Splits a migration file at `;` line ends after dropping `--` comment lines. */
export function splitStatements(sql: string): string[] {
  const withoutComments = sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n');
  return withoutComments
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export interface MigrateResult {
  applied: string[];
  database: string;
}

/**
 * Brings the database at `url` up to date: creates the database when it does not exist (if the
 * user may), then applies pending migrations in version order while holding the lock row, so
 * several replicas starting at once, on one server or on several nodes of a cluster, apply each
 * migration exactly once.
 *
 * Why a row and not GET_LOCK: Galera does not replicate GET_LOCK or LOCK TABLES, so two
 * replicas talking to two nodes would both get "the" lock. A row is replicated like any write:
 * two nodes claiming it at once conflict at certification and one of them loses (1213, or the
 * server's own autocommit retry finds the row taken). The claim carries an owner and a lease,
 * so a migrator that died mid-way blocks the others for at most LEASE_SECONDS; every statement
 * is also safe to run twice (ALREADY_DONE), since DDL commits on its own and a migration that
 * died half-way is run again from its first statement.
 */
export async function migrate(
  url: string,
  opts: { lockTimeoutSeconds?: number; owner?: string } = {},
): Promise<MigrateResult> {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database) throw new Error(`STORE_EDGE_MYSQL_URL names no database: ${redact(url)}`);
  await ensureDatabase(parsed, database);
  const conn = await mysql.createConnection({ uri: url, multipleStatements: false });
  const owner = opts.owner ?? `${hostname()}:${process.pid}:${randomUUID()}`.slice(0, 128);
  try {
    // Galera: read what other nodes committed before (see db.ts); not a variable on MySQL.
    await conn.query('SET SESSION wsrep_sync_wait = 1').catch(() => {});
    // CREATE TABLE IF NOT EXISTS is total-order DDL on Galera: every node runs the same ones in
    // the same order, and the second one finds the table.
    await conn.query(
      `CREATE TABLE IF NOT EXISTS schema_lock (
         id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
         owner VARCHAR(128) NULL,
         expires_at DATETIME(6) NULL
       ) ENGINE=InnoDB`,
    );
    await conn.query('INSERT IGNORE INTO schema_lock (id) VALUES (1)');
    await acquire(conn, owner, opts.lockTimeoutSeconds ?? 120);
    try {
      await conn.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           version INT NOT NULL PRIMARY KEY,
           name VARCHAR(255) NOT NULL,
           applied_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
         ) ENGINE=InnoDB`,
      );
      const [rows] = await conn.query('SELECT version FROM schema_migrations');
      const done = new Set((rows as Array<{ version: number }>).map((r) => r.version));
      const applied: string[] = [];
      for (const m of loadMigrations()) {
        if (done.has(m.version)) continue;
        // DDL commits implicitly, so a migration is not atomic: the lease is checked before each
        // statement (a migrator that lost it stops), and each statement tolerates its own re-run.
        for (const stmt of m.statements) {
          await renew(conn, owner);
          try {
            await conn.query(stmt);
          } catch (err) {
            if (!ALREADY_DONE.has(mysqlErrno(err) ?? 0)) throw err;
          }
        }
        await renew(conn, owner);
        await conn.query('INSERT IGNORE INTO schema_migrations (version, name) VALUES (?, ?)', [
          m.version,
          m.name,
        ]);
        applied.push(m.name);
      }
      return { applied, database };
    } finally {
      await conn
        .query('UPDATE schema_lock SET owner = NULL, expires_at = NULL WHERE id = 1 AND owner = ?', [owner])
        .catch(() => {});
    }
  } finally {
    await conn.end().catch(() => {});
  }
}

/** Polling the lock row: full jitter up to 40 ms, doubling to 1 s. */
const LOCK_POLL = { baseMs: 40, capMs: 1000 };

/** Claims the lock row for `owner`, waiting (polling) until it is free or its lease ran out. */
async function acquire(conn: mysql.Connection, owner: string, timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (let attempt = 0; ; attempt++) {
    try {
      const [res] = await conn.query(
        `UPDATE schema_lock SET owner = ?, expires_at = NOW(6) + INTERVAL ? SECOND
         WHERE id = 1 AND (owner IS NULL OR owner = ? OR expires_at < NOW(6))`,
        [owner, LEASE_SECONDS, owner],
      );
      if ((res as { affectedRows?: number }).affectedRows === 1) return;
    } catch (err) {
      // Two nodes claimed it at once and this one lost certification: look again.
      if (!isRetryable(err) || retryReason(err) === 'connection-lost') throw err;
    }
    if (Date.now() > deadline) throw new Error('timed out waiting for the migration lock (schema_lock)');
    await new Promise((r) => setTimeout(r, backoffDelay(LOCK_POLL, attempt)));
  }
}

/** Extends the lease; throws when another migrator took the row meanwhile (our lease ran out). */
async function renew(conn: mysql.Connection, owner: string): Promise<void> {
  const [res] = await conn.query(
    'UPDATE schema_lock SET expires_at = NOW(6) + INTERVAL ? SECOND WHERE id = 1 AND owner = ?',
    [LEASE_SECONDS, owner],
  );
  // mysql2 connects with CLIENT_FOUND_ROWS: affectedRows counts the matched row, changed or not.
  if ((res as { affectedRows?: number }).affectedRows !== 1) {
    throw new Error('lost the migration lock (schema_lock) to another migrator: its lease ran out');
  }
}

async function ensureDatabase(parsed: URL, database: string): Promise<void> {
  const server = new URL(parsed.toString());
  server.pathname = '/';
  const conn = await mysql.createConnection({ uri: server.toString() });
  try {
    const [rows] = await conn.query(
      'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      [database],
    );
    if ((rows as unknown[]).length > 0) return;
    await conn.query(
      `CREATE DATABASE IF NOT EXISTS \`${database.replace(/`/g, '``')}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
    );
  } finally {
    await conn.end().catch(() => {});
  }
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}
