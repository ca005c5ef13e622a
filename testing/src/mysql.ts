import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { freePort } from './ports.js';
import { makeTempDir, type TempDir } from './temp-dir.js';
import { which } from './which.js';

export const DEFAULT_MYSQL_URL = 'mysql://root@127.0.0.1:3306';

async function answers(url: string): Promise<boolean> {
  try {
    const conn = await mysql.createConnection({ uri: url, connectTimeout: 2000 });
    await conn.query('SELECT 1');
    await conn.end();
    return true;
  } catch {
    return false;
  }
}

export interface MysqlServer {
  /** Server URL without a database, e.g. mysql://root@127.0.0.1:3306 */
  url: string;
  /** Throw-away servers only: stop and start again on the same port and data (a database restart). */
  restart?: (downMs?: number) => Promise<void>;
  /** Throw-away servers only: the data directory, and stopping / starting the server on it. */
  datadir?: string;
  halt?: () => Promise<void>;
  launch?: () => Promise<void>;
  /** Set when the server was started by us; stop() shuts it down and removes its datadir. */
  stop(): Promise<void>;
  /** How the server was found, for logs and skip reasons. */
  origin: 'existing' | 'throwaway';
}

/**
 * A MySQL-compatible server for tests: the one on 127.0.0.1:3306 (root, no password) when it
 * answers, otherwise a throw-away MariaDB in a temp datadir on a free port. Returns null with
 * a reason only when no MariaDB is installed at all.
 */
export async function acquireMysql(
  preferred = process.env.STORE_EDGE_TEST_MYSQL_URL ?? DEFAULT_MYSQL_URL,
): Promise<MysqlServer | { skip: string }> {
  if (await answers(preferred)) return { url: preferred, origin: 'existing', stop: async () => {} };
  const mariadbd = which('mariadbd') ?? which('mysqld');
  const installDb = which('mariadb-install-db') ?? which('mysql_install_db');
  if (!mariadbd || !installDb) {
    return {
      skip: `no MySQL answers at ${preferred} and no mariadbd is installed (apt-get install mariadb-server)`,
    };
  }
  return startThrowawayMariadb(mariadbd, installDb);
}

export interface ThrowawayOptions {
  /** Extra server options, e.g. `--log-bin=/path/binlog` for point-in-time recovery tests. */
  extraArgs?: string[];
}

export async function startThrowawayMariadb(
  mariadbd: string,
  installDb: string,
  opts: ThrowawayOptions = {},
): Promise<MysqlServer> {
  const dir: TempDir = makeTempDir('store-edge-mariadb-');
  const datadir = join(dir.path, 'data');
  mkdirSync(datadir);
  const socket = join(dir.path, 'mysqld.sock');
  const user = process.getuid?.() === 0 ? ['--user=root'] : [];
  const init = spawnSync(
    installDb,
    [
      '--no-defaults',
      `--datadir=${datadir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      ...user,
    ],
    { encoding: 'utf8' },
  );
  if (init.status !== 0) throw new Error(`mariadb-install-db failed: ${init.stderr || init.stdout}`);
  const port = await freePort();
  const url = `mysql://root@127.0.0.1:${port}`;
  let child: ChildProcess;
  let stderr = '';
  const launch = async () => {
    child = spawn(
      mariadbd,
      [
        '--no-defaults',
        `--datadir=${datadir}`,
        `--socket=${socket}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        '--innodb-buffer-pool-size=128M',
        '--innodb-flush-log-at-trx-commit=1',
        '--max-connections=500',
        ...(opts.extraArgs ?? []),
        ...user,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr?.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const deadline = Date.now() + 30_000;
    while (!(await answers(url))) {
      if (child.exitCode !== null) throw new Error(`mariadbd exited: ${stderr.slice(-2000)}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`mariadbd did not answer within 30 s: ${stderr.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const halt = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    }
  };
  await launch();
  return {
    url,
    origin: 'throwaway',
    datadir,
    halt,
    launch,
    restart: async (downMs = 0) => {
      await halt();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
    stop: async () => {
      await halt();
      dir.remove();
    },
  };
}

export interface TestDatabase {
  /** URL including the database name. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, empty database on the given server; drop() removes it. */
export async function createTestDatabase(serverUrl: string, prefix = 'se_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const conn = await mysql.createConnection({ uri: serverUrl });
  await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await conn.end();
  const base = serverUrl.replace(/\/+$/, '');
  return {
    name,
    url: `${base}/${name}`,
    drop: async () => {
      const c = await mysql.createConnection({ uri: serverUrl });
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}
