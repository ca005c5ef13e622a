import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadMigrations, migrate, splitStatements } from './migrate.js';

const server = inject('mysqlUrl');
const name = `se_mig_${randomBytes(4).toString('hex')}`;

afterAll(async () => {
  const c = await mysql.createConnection({ uri: server });
  await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await c.end();
});

describe('migrations', () => {
  it('create the database, and apply each migration once when several replicas start at once', async () => {
    const url = `${server.replace(/\/+$/, '')}/${name}`;
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => migrate(url)));
    const applied = results.flatMap((r) => r.applied);
    expect(applied).toEqual(loadMigrations().map((m) => m.name));
    const c = await mysql.createConnection({ uri: url });
    try {
      const [rows] = await c.query('SELECT version FROM schema_migrations ORDER BY version');
      expect((rows as Array<{ version: number }>).map((r) => r.version)).toEqual(
        loadMigrations().map((m) => m.version),
      );
      const [tables] = await c.query('SHOW TABLES');
      expect((tables as Array<Record<string, string>>).map((t) => Object.values(t)[0])).toEqual(
        expect.arrayContaining(['movements', 'stores', 'tenants', 'changes', 'webhook_deliveries']),
      );
    } finally {
      await c.end();
    }
    expect((await migrate(url)).applied).toEqual([]);
  });

  it('split a file into statements, ignoring comment lines', () => {
    expect(
      splitStatements('-- a; comment\nCREATE TABLE a (x INT);\n\n-- b\nCREATE TABLE b (y INT)\n'),
    ).toEqual(['CREATE TABLE a (x INT)', 'CREATE TABLE b (y INT)']);
  });
});
