// Restore drill with real processes: a throw-away MariaDB with binlogs, the cloud and an edge
// agent. The cloud database is backed up with mariadb-backup through
// scripts/cloud-restore-drill.sh, more is replicated, and the database is restored (to the backup
// point, or with binlog point-in-time recovery to just before a failure). The edge, which keeps
// its ledger, sends again what the cloud lost; edge and cloud end equal, row for row.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type MysqlServer, makeTempDir, repoRoot, startThrowawayMariadb, which } from '@store-edge/testing';
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import {
  adminCall,
  cleanupAfterEach,
  createItems,
  edgeApi,
  edgeToken,
  makeMovements,
  readBoth,
  replicationStatus,
  type Stack,
  startEdge,
  startStack,
  waitReplicated,
} from './harness.js';

const script = join(repoRoot, 'scripts', 'cloud-restore-drill.sh');
const mariadbd = which('mariadbd') ?? which('mysqld');
const installDb = which('mariadb-install-db') ?? which('mysql_install_db');
const tools = mariadbd && installDb && which('mariadb-backup') && which('mariadb-binlog');

const cleanups = cleanupAfterEach();

function drill(args: string[]): string {
  const r = spawnSync('bash', [script, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cloud-restore-drill ${args[0]} failed:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

async function cloudCount(stack: Stack): Promise<number> {
  const conn = await mysql.createConnection({ uri: stack.db.url });
  try {
    const [rows] = await conn.query('SELECT COUNT(*) AS n FROM movements WHERE store_id = ?', [
      stack.storeId,
    ]);
    return Number((rows as Array<{ n: number }>)[0]?.n);
  } finally {
    await conn.end();
  }
}

/** Milliseconds per phase of a restore, in order (printed with the drill's figures). */
function phases(): { mark(name: string): void; all: Record<string, number> } {
  let last = performance.now();
  const all: Record<string, number> = {};
  return {
    all,
    mark(name) {
      const now = performance.now();
      all[name] = Math.round(now - last);
      last = now;
    },
  };
}

interface Setup {
  server: MysqlServer & { datadir: string; halt(): Promise<void>; launch(): Promise<void> };
  port: string;
  binlogDir: string;
  backupDir: string;
  stack: Stack;
  edge: Awaited<ReturnType<typeof startEdge>>;
  token: string;
  edgeDir: string;
}

/** MariaDB with binlogs outside its datadir, the cloud on it, an edge with 2,000 movements replicated and backed up. */
async function setup(): Promise<Setup> {
  const work = makeTempDir('restore-drill-');
  cleanups.push(() => work.remove());
  const binlogDir = join(work.path, 'binlog');
  mkdirSync(binlogDir);
  const server = (await startThrowawayMariadb(mariadbd as string, installDb as string, {
    extraArgs: [`--log-bin=${join(binlogDir, 'binlog')}`, '--server-id=1', '--binlog-format=ROW'],
  })) as Setup['server'];
  cleanups.push(() => server.stop());
  const port = new URL(server.url).port;
  const stack = await startStack(server.url, 'store-drill');
  cleanups.push(() => stack.stop());
  const edgeDir = join(work.path, 'edge');
  mkdirSync(edgeDir);
  const edge = await startEdge(stack, edgeDir, stack.cloud!.baseUrl);
  cleanups.push(() => edge.kill('SIGKILL'));
  const token = await edgeToken(edge);
  await createItems(edge, token);
  await makeMovements(edge, token, 2000);
  await waitReplicated(edge, token);
  const backupDir = join(work.path, 'backup');
  drill(['backup', '--target-dir', backupDir, '--port', port, '--datadir', server.datadir]);
  return { server, port, binlogDir, backupDir, stack, edge, token, edgeDir };
}

describe.skipIf(!tools)('cloud restore drill (mariadb-backup + binlog PITR)', () => {
  it('restored to the backup point, the cloud gets back from the store everything it lost', async () => {
    const s = await setup();
    await makeMovements(s.edge, s.token, 1500);
    await waitReplicated(s.edge, s.token);
    const beforeFailure = await cloudCount(s.stack);
    expect(beforeFailure).toBe(3500);

    // The restore: cloud scaled to zero, server stopped, backup prepared and copied back.
    const t0 = performance.now();
    const ph = phases();
    const cloudPort = await s.stack.stopCloud();
    ph.mark('stopCloud');
    await s.server.halt();
    ph.mark('stopMariadb');
    drill(['restore', '--backup-dir', s.backupDir, '--datadir', s.server.datadir, '--port', s.port]);
    ph.mark('prepareAndCopyBack');
    await s.server.launch();
    ph.mark('startMariadb');
    const afterRestore = await cloudCount(s.stack);
    await s.stack.startCloud({ port: cloudPort });
    ph.mark('startCloud');
    const rtoMs = performance.now() - t0;

    // The store keeps working; its next push finds the cloud's mark behind and resends.
    await makeMovements(s.edge, s.token, 100);
    await waitReplicated(s.edge, s.token);
    const caughtUpMs = performance.now() - t0;
    const status = await replicationStatus(s.edge, s.token);
    const both = await readBoth(s.stack, s.edgeDir);
    console.log(
      JSON.stringify({
        drill: 'restore-to-backup-point',
        rtoMs: Math.round(rtoMs),
        storesEqualAgainMs: Math.round(caughtUpMs),
        rpoMovementsLostByCloud: beforeFailure - afterRestore,
        resentByEdge: both.cloudRows.length - 100 - afterRestore,
        lostForGood: both.edgeRows.length - both.cloudRows.length,
        phasesMs: ph.all,
      }),
    );
    expect(afterRestore).toBe(2000);
    expect(status.alarm).toMatch(/the cloud lost movements from seq 2001/);
    expect(both.cloudRows.length).toBe(3600);
    expect(new Set(both.cloudRows.map((r) => r.id)).size).toBe(3600);
    expect(both.cloudRows).toEqual(both.edgeRows);
    expect(both.cloudStock).toEqual(both.edgeStock);
  }, 300_000);

  it('with binlog point-in-time recovery, the cloud comes back to just before the failure', async () => {
    const s = await setup();
    await makeMovements(s.edge, s.token, 1500);
    await waitReplicated(s.edge, s.token);

    // The failure: a mistaken statement destroys the movements table. Its binlog position is
    // where the replay stops.
    const root = await mysql.createConnection({ uri: s.server.url });
    const [master] = await root.query('SHOW MASTER STATUS');
    const failure = (master as Array<{ File: string; Position: number }>)[0];
    if (!failure) throw new Error('binlog is off');
    await root.query(`DROP TABLE \`${s.stack.db.name}\`.movements`);
    await root.end();
    // The store sells on through the outage.
    await makeMovements(s.edge, s.token, 300);

    const t0 = performance.now();
    const ph = phases();
    const cloudPort = await s.stack.stopCloud();
    ph.mark('stopCloud');
    await s.server.halt();
    ph.mark('stopMariadb');
    drill(['restore', '--backup-dir', s.backupDir, '--datadir', s.server.datadir, '--port', s.port]);
    ph.mark('prepareAndCopyBack');
    await s.server.launch();
    ph.mark('startMariadb');
    const atBackup = await cloudCount(s.stack);
    drill([
      'replay-binlog',
      '--backup-dir',
      s.backupDir,
      '--binlog-dir',
      s.binlogDir,
      '--port',
      s.port,
      '--stop-file',
      failure.File,
      '--stop-position',
      String(failure.Position),
    ]);
    ph.mark('replayBinlog');
    const atFailurePoint = await cloudCount(s.stack);
    await s.stack.startCloud({ port: cloudPort });
    ph.mark('startCloud');
    const rtoMs = performance.now() - t0;

    await waitReplicated(s.edge, s.token);
    const caughtUpMs = performance.now() - t0;
    const both = await readBoth(s.stack, s.edgeDir);
    console.log(
      JSON.stringify({
        drill: 'backup-plus-binlog-pitr',
        rtoMs: Math.round(rtoMs),
        storesEqualAgainMs: Math.round(caughtUpMs),
        replicatedBeforeFailure: 3500,
        atBackupPoint: atBackup,
        recoveredByBinlog: atFailurePoint - atBackup,
        rpoMovementsLostByCloud: 3500 - atFailurePoint,
        madeDuringOutageSentByEdge: both.cloudRows.length - atFailurePoint,
        lostForGood: both.edgeRows.length - both.cloudRows.length,
        phasesMs: ph.all,
      }),
    );
    expect(atBackup).toBe(2000);
    expect(atFailurePoint).toBe(3500);
    expect(both.cloudRows.length).toBe(3800);
    expect(new Set(both.cloudRows.map((r) => r.id)).size).toBe(3800);
    expect(both.cloudRows).toEqual(both.edgeRows);
    expect(both.cloudStock).toEqual(both.edgeStock);
  }, 300_000);

  it("after a restore, the store still hears the cloud's new changes though its feed cursor was ahead", async () => {
    const s = await setup();
    const reserve = async (ref: string) => {
      const cloud = s.stack.cloud!;
      const r = await adminCall(cloud, 'POST', '/v1/reservations', {
        storeId: s.stack.storeId,
        sku: 'A',
        qty: 1,
        ref,
      });
      expect(r.status).toBe(201);
      // The store's change feed retries with a backoff of up to 30 s after the cloud was away.
      const deadline = Date.now() + 90_000;
      for (;;) {
        const got = await adminCall(cloud, 'GET', `/v1/reservations/${r.body.id}`);
        if (got.body.status !== 'requested' || Date.now() > deadline) return got.body.status;
        await new Promise((res) => setTimeout(res, 200));
      }
    };
    // Stock where the store takes reservations from (the `store` location).
    const received = await edgeApi(s.edge, s.token, 'POST', '/movements', {
      movements: [{ id: randomUUID(), type: 'receive', sku: 'A', location: 'store', qty: 5 }],
    });
    expect(received.status).toBe(200);
    // Answered after the backup: the store's feed cursor moves past what the backup holds.
    expect(await reserve('WEB-before-restore')).toBe('accepted');
    await waitReplicated(s.edge, s.token);

    const cloudPort = await s.stack.stopCloud();
    await s.server.halt();
    drill(['restore', '--backup-dir', s.backupDir, '--datadir', s.server.datadir, '--port', s.port]);
    await s.server.launch();
    await s.stack.startCloud({ port: cloudPort });

    // A reservation made after the restore gets the cursor the lost one had; the store must
    // still see it and answer.
    expect(await reserve('WEB-after-restore')).toBe('accepted');
    await makeMovements(s.edge, s.token, 10);
    await waitReplicated(s.edge, s.token);
    const both = await readBoth(s.stack, s.edgeDir);
    expect(both.cloudRows).toEqual(both.edgeRows);
    expect(both.cloudStock).toEqual(both.edgeStock);
  }, 300_000);
});
