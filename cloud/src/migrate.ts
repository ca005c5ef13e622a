import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';

export const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'migrations');

/** Named lock every replica takes before migrating; MySQL and MariaDB both have GET_LOCK. */
const LOCK_NAME = 'store_edge_migrations';

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
 * user may), then applies pending migrations in version order under a named lock, so several
 * replicas starting at once apply each migration exactly once.
 */
export async function migrate(
  url: string,
  opts: { lockTimeoutSeconds?: number } = {},
): Promise<MigrateResult> {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database) throw new Error(`STORE_EDGE_MYSQL_URL names no database: ${redact(url)}`);
  await ensureDatabase(parsed, database);
  const conn = await mysql.createConnection({ uri: url, multipleStatements: false });
  try {
    const [lockRows] = await conn.query('SELECT GET_LOCK(?, ?) AS got', [
      LOCK_NAME,
      opts.lockTimeoutSeconds ?? 120,
    ]);
    if (firstValue(lockRows, 'got') !== 1) throw new Error('timed out waiting for the migration lock');
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
        // DDL commits implicitly in MySQL, so a migration is not atomic; the lock makes sure only
        // one process runs it, and the version row is written right after its last statement.
        for (const stmt of m.statements) await conn.query(stmt);
        await conn.query('INSERT INTO schema_migrations (version, name) VALUES (?, ?)', [m.version, m.name]);
        applied.push(m.name);
      }
      return { applied, database };
    } finally {
      await conn.query('SELECT RELEASE_LOCK(?)', [LOCK_NAME]).catch(() => {});
    }
  } finally {
    await conn.end().catch(() => {});
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

function firstValue(rows: unknown, key: string): unknown {
  if (!Array.isArray(rows)) return undefined;
  const row: unknown = rows[0];
  return typeof row === 'object' && row !== null ? (row as Record<string, unknown>)[key] : undefined;
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
