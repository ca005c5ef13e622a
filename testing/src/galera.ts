// A throw-away 3-node MariaDB Galera cluster behind HAProxy, for tests and benchmarks that must
// see what a real database cluster does (certification conflicts, a node dying mid-transaction,
// failover through a proxy). Debian packages: mariadb-server, galera-4, haproxy, rsync.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { freePort } from './ports.js';
import { makeTempDir } from './temp-dir.js';
import { which } from './which.js';

export const GALERA_PROVIDER_PATHS = [
  '/usr/lib/galera/libgalera_smm.so',
  '/usr/lib64/galera-4/libgalera_smm.so',
];

export interface GaleraNode {
  /** 0-based position in the cluster. */
  index: number;
  /** SQL port of this node (direct, not through HAProxy). */
  port: number;
  /** Server URL without a database, straight to this node: mysql://root@127.0.0.1:port */
  url: string;
  /** Whether the node's mariadbd is running (it may still be joining). */
  alive(): boolean;
}

export interface GaleraCluster {
  nodes: GaleraNode[];
  /** Server URL without a database through HAProxy (one writer, the others backups). */
  proxyUrl: string;
  /** The HAProxy port. */
  proxyPort: number;
  /** Index of the node HAProxy sends connections to while it is up. */
  writer: number;
  /** SIGKILL the node's mariadbd (no shutdown, no flush: a machine that died). */
  kill(index: number): Promise<void>;
  /** Starts a stopped or killed node again on its own datadir and waits until it is Synced. */
  restart(index: number): Promise<void>;
  /** Waits until every running node reports wsrep_local_state_comment = Synced and the size. */
  waitSynced(timeoutMs?: number): Promise<void>;
  /** wsrep_cluster_size as seen by node `index`. */
  clusterSize(index: number): Promise<number>;
  /** The last lines of a node's error log (for failure messages). */
  log(index: number, chars?: number): string;
  /** Stops HAProxy and every node, removes the datadirs. */
  stop(): Promise<void>;
}

export interface GaleraOptions {
  /** Number of nodes (default 3). */
  nodes?: number;
  /** Which node HAProxy prefers (default 0); the others are backups in index order. */
  writer?: number;
  /** Time to wait for the cluster to form (default 120 s; it usually takes 10-40 s). */
  timeoutMs?: number;
}

/** The reason Galera tests cannot run here, or null when every needed binary is installed. */
export function galeraMissing(): string | null {
  const missing: string[] = [];
  if (!(which('mariadbd') && which('mariadb-install-db'))) missing.push('mariadb-server');
  if (!GALERA_PROVIDER_PATHS.some((p) => existsSync(p))) missing.push('galera-4');
  if (!which('haproxy')) missing.push('haproxy');
  if (!which('rsync')) missing.push('rsync');
  return missing.length > 0
    ? `not installed: ${missing.join(', ')} (apt-get install ${missing.join(' ')})`
    : null;
}

async function query(url: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const conn = await mysql.createConnection({ uri: url, connectTimeout: 2000 });
  try {
    const [rows] = await conn.query(sql);
    return rows as Array<Record<string, unknown>>;
  } finally {
    await conn.end().catch(() => {});
  }
}

async function status(url: string, name: string): Promise<string | null> {
  try {
    const rows = await query(url, `SHOW STATUS LIKE '${name}'`);
    const v = rows[0]?.Value;
    return v === undefined ? null : String(v);
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface NodeState {
  index: number;
  dir: string;
  datadir: string;
  port: number;
  gcommPort: number;
  istPort: number;
  sstPort: number;
  child: ChildProcess | null;
  logFile: string;
}

/**
 * Starts a Galera cluster in a temp dir. The first node bootstraps (`--wsrep-new-cluster`); the
 * others start from a copy of its datadir taken after a clean shutdown, so they join with an
 * incremental state transfer (IST) of a few events instead of a full copy (SST); rsync is the
 * SST method for a node that needs one. Every port is picked free. Throws when it does not form.
 */
export async function startGaleraCluster(opts: GaleraOptions = {}): Promise<GaleraCluster> {
  const missing = galeraMissing();
  if (missing) throw new Error(`cannot start a Galera cluster: ${missing}`);
  const mariadbd = which('mariadbd') as string;
  const installDb = which('mariadb-install-db') as string;
  const haproxyBin = which('haproxy') as string;
  const provider = GALERA_PROVIDER_PATHS.find((p) => existsSync(p)) as string;
  const count = opts.nodes ?? 3;
  const writer = opts.writer ?? 0;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const tmp = makeTempDir('store-edge-galera-');
  // mariadbd runs as `mysql` when we are root: the rsync SST daemon then runs as the owner of
  // the datadir (as root it would drop to `nobody` and fail to write it).
  const asRoot = process.getuid?.() === 0;
  const runUser = asRoot ? 'mysql' : undefined;
  chmodSync(tmp.path, 0o755);

  const nodes: NodeState[] = [];
  for (let i = 0; i < count; i++) {
    const dir = join(tmp.path, `n${i + 1}`);
    nodes.push({
      index: i,
      dir,
      datadir: join(dir, 'data'),
      port: await freePort(),
      gcommPort: await freePort(),
      istPort: await freePort(),
      sstPort: await freePort(),
      child: null,
      logFile: join(dir, 'error.log'),
    });
  }
  const clusterAddress = `gcomm://${nodes.map((n) => `127.0.0.1:${n.gcommPort}`).join(',')}`;
  const url = (n: NodeState) => `mysql://root@127.0.0.1:${n.port}`;

  const args = (n: NodeState, bootstrap: boolean): string[] => [
    '--no-defaults',
    `--datadir=${n.datadir}`,
    `--socket=${join(n.dir, 'mysqld.sock')}`,
    `--pid-file=${join(n.dir, 'mysqld.pid')}`,
    `--log-error=${n.logFile}`,
    `--port=${n.port}`,
    '--bind-address=127.0.0.1',
    ...(runUser ? [`--user=${runUser}`] : []),
    '--innodb-buffer-pool-size=64M',
    '--innodb-log-file-size=48M',
    '--innodb-flush-log-at-trx-commit=1',
    '--max-connections=500',
    // What Galera requires: row events, InnoDB, interleaved auto-increment locks.
    '--binlog-format=ROW',
    '--default-storage-engine=InnoDB',
    '--innodb-autoinc-lock-mode=2',
    '--wsrep-on=ON',
    `--wsrep-provider=${provider}`,
    '--wsrep-cluster-name=store-edge-test',
    `--wsrep-cluster-address=${clusterAddress}`,
    `--wsrep-node-name=n${n.index + 1}`,
    '--wsrep-node-address=127.0.0.1',
    `--wsrep-node-incoming-address=127.0.0.1:${n.port}`,
    // Every node on one host: each needs its own group, IST and SST ports. A killed node is
    // declared dead after a few seconds instead of the default 15 (tests wait for it).
    `--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:${n.gcommPort};ist.recv_addr=127.0.0.1:${n.istPort};gcache.size=128M;evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S;evs.install_timeout=PT6S`,
    `--wsrep-sst-receive-address=127.0.0.1:${n.sstPort}`,
    '--wsrep-sst-method=rsync',
    '--wsrep-slave-threads=2',
    ...(bootstrap ? ['--wsrep-new-cluster'] : []),
  ];

  const launch = (n: NodeState, bootstrap: boolean) => {
    const child = spawn(mariadbd, args(n, bootstrap), { stdio: ['ignore', 'ignore', 'ignore'] });
    n.child = child;
  };
  const alive = (n: NodeState) =>
    n.child !== null && n.child.exitCode === null && n.child.signalCode === null;
  const halt = async (n: NodeState, signal: NodeJS.Signals) => {
    const child = n.child;
    if (!child || !alive(n)) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await Promise.race([exited, sleep(30_000)]);
    if (alive(n)) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  const logTail = (n: NodeState, chars = 3000) => {
    try {
      return readFileSync(n.logFile, 'utf8').slice(-chars);
    } catch {
      return '(no log)';
    }
  };
  const waitNode = async (n: NodeState, deadline: number, what: (u: string) => Promise<boolean>) => {
    while (!(await what(url(n)))) {
      if (!alive(n)) throw new Error(`galera node n${n.index + 1} exited:\n${logTail(n)}`);
      if (Date.now() > deadline)
        throw new Error(`galera node n${n.index + 1} not ready in time:\n${logTail(n)}`);
      await sleep(250);
    }
  };
  const synced = async (u: string) =>
    (await status(u, 'wsrep_local_state_comment')) === 'Synced' && (await status(u, 'wsrep_ready')) === 'ON';

  let proxy: ChildProcess | null = null;
  const stopAll = async () => {
    if (proxy && proxy.exitCode === null && proxy.signalCode === null) {
      const p = proxy;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    }
    // Killing is enough: the datadirs are thrown away.
    await Promise.all(nodes.map((n) => halt(n, 'SIGKILL')));
    tmp.remove();
  };

  try {
    const first = nodes[0] as NodeState;
    mkdirSync(first.dir, { recursive: true });
    const init = spawnSync(
      installDb,
      [
        '--no-defaults',
        `--datadir=${first.datadir}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        ...(runUser ? [`--user=${runUser}`] : []),
      ],
      { encoding: 'utf8' },
    );
    if (init.status !== 0) throw new Error(`mariadb-install-db failed: ${init.stderr || init.stdout}`);
    if (runUser) spawnSync('chown', ['-R', `${runUser}:${runUser}`, tmp.path]);
    const deadline = Date.now() + timeoutMs;
    // One bootstrap run to create the users and a Galera state (grastate.dat), then a clean stop.
    launch(first, true);
    await waitNode(first, deadline, synced);
    for (const sql of [
      // HAProxy's mysql-check logs in as this user (no password, no privileges).
      "CREATE USER IF NOT EXISTS 'haproxy_check'@'127.0.0.1'",
      "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED VIA mysql_native_password USING ''",
      "GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION",
    ]) {
      await query(url(first), sql);
    }
    await halt(first, 'SIGTERM');
    for (const n of nodes.slice(1)) {
      cpSync(first.dir, n.dir, { recursive: true, preserveTimestamps: true });
      for (const f of ['gvwstate.dat', 'error.log', 'mysqld.pid', 'mysqld.sock']) {
        spawnSync('rm', ['-f', join(n.dir, f), join(n.datadir, f)]);
      }
      const gra = join(n.datadir, 'grastate.dat');
      writeFileSync(gra, readFileSync(gra, 'utf8').replace(/safe_to_bootstrap:\s*1/, 'safe_to_bootstrap: 0'));
    }
    spawnSync('rm', ['-f', join(first.datadir, 'gvwstate.dat')]);
    if (runUser) spawnSync('chown', ['-R', `${runUser}:${runUser}`, tmp.path]);
    launch(first, true);
    await waitNode(first, deadline, synced);
    for (const n of nodes.slice(1)) launch(n, false);
    await Promise.all(nodes.map((n) => waitNode(n, deadline, synced)));

    // HAProxy: one writer, the rest backups (the usual way to send Galera writes to one node
    // and avoid most certification conflicts); a dead writer's sessions are cut at once.
    const proxyPort = await freePort();
    const order = [writer, ...nodes.map((n) => n.index).filter((i) => i !== writer)];
    const cfg = [
      'global',
      '  maxconn 4000',
      'defaults',
      '  mode tcp',
      '  timeout connect 2s',
      '  timeout client 1h',
      '  timeout server 1h',
      'listen galera',
      `  bind 127.0.0.1:${proxyPort}`,
      '  option mysql-check user haproxy_check post-41',
      ...order.map((i, k) => {
        const n = nodes[i] as NodeState;
        return `  server n${i + 1} 127.0.0.1:${n.port} check inter 500 fall 2 rise 2 on-marked-down shutdown-sessions${k > 0 ? ' backup' : ''}`;
      }),
      '',
    ].join('\n');
    const cfgFile = join(tmp.path, 'haproxy.cfg');
    writeFileSync(cfgFile, cfg);
    let proxyOut = '';
    proxy = spawn(haproxyBin, ['-db', '-f', cfgFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    proxy.stdout?.on('data', (b: Buffer) => {
      proxyOut = (proxyOut + b.toString()).slice(-4000);
    });
    proxy.stderr?.on('data', (b: Buffer) => {
      proxyOut = (proxyOut + b.toString()).slice(-4000);
    });
    const proxyUrl = `mysql://root@127.0.0.1:${proxyPort}`;
    for (;;) {
      if (proxy.exitCode !== null) throw new Error(`haproxy exited: ${proxyOut}`);
      try {
        await query(proxyUrl, 'SELECT 1');
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`haproxy does not pass connections: ${proxyOut}`);
        await sleep(200);
      }
    }

    const cluster: GaleraCluster = {
      nodes: nodes.map((n) => ({ index: n.index, port: n.port, url: url(n), alive: () => alive(n) })),
      proxyUrl,
      proxyPort,
      writer,
      kill: async (index) => {
        await halt(nodes[index] as NodeState, 'SIGKILL');
      },
      restart: async (index) => {
        const n = nodes[index] as NodeState;
        await halt(n, 'SIGTERM');
        launch(n, false);
        await waitNode(n, Date.now() + timeoutMs, synced);
      },
      waitSynced: async (ms = timeoutMs) => {
        const end = Date.now() + ms;
        const running = nodes.filter(alive);
        await Promise.all(running.map((n) => waitNode(n, end, synced)));
        for (const n of running) {
          while (Number(await status(url(n), 'wsrep_cluster_size')) !== running.length) {
            if (Date.now() > end) throw new Error(`cluster size never reached ${running.length}`);
            await sleep(250);
          }
        }
      },
      clusterSize: async (index) =>
        Number(await status(url(nodes[index] as NodeState), 'wsrep_cluster_size')),
      log: (index, chars) => logTail(nodes[index] as NodeState, chars),
      stop: stopAll,
    };
    return cluster;
  } catch (err) {
    await stopAll();
    throw err;
  }
}
