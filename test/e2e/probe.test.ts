// `store-edge probe` against a live pair: a real edge agent process and a real cloud process on
// MariaDB. The cloud connects as a MySQL user of its own, so one write path can be broken
// (REVOKE) without touching the server other tests share.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, repoRoot, storeEdgeBin } from '@store-edge/testing';
import mysql from 'mysql2/promise';
import { describe, expect, inject, it } from 'vitest';
import { ADMIN_TOKEN, cleanupAfterEach, startEdge, startStack } from './harness.js';

const cleanups = cleanupAfterEach();

interface ProbeRun {
  code: number | null;
  steps: Array<{ step: string; ok: boolean; ms: number; detail: string }>;
  stderr: string;
}

function runProbe(args: string[]): Promise<ProbeRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [storeEdgeBin, 'probe', ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    child.on('exit', (code) =>
      resolve({
        code,
        stderr: err,
        steps: out
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as ProbeRun['steps'][number]),
      }),
    );
  });
}

describe('store-edge probe', () => {
  it('passes through a live pair, and names the step a broken cloud database fails', async () => {
    const serverUrl = inject('mysqlUrl');
    const stack = await startStack(serverUrl, 'store-probe');
    cleanups.push(() => stack.stop());

    // The cloud's own MySQL user, with rights granted table by table: table-level grants and
    // revokes take effect on the next statement of open connections (MySQL 8 manual 8.2.13).
    const user = `probe_${randomBytes(4).toString('hex')}`;
    const root = await mysql.createConnection({ uri: serverUrl });
    cleanups.push(async () => {
      await root.query(`DROP USER IF EXISTS '${user}'@'%'`);
      await root.end();
    });
    await root.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'probe-pass'`);
    const [tables] = await root.query(
      'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
      [stack.db.name],
    );
    for (const { t } of tables as Array<{ t: string }>)
      await root.query(`GRANT ALL ON \`${stack.db.name}\`.\`${t}\` TO '${user}'@'%'`);
    const limitedUrl = new URL(stack.db.url);
    limitedUrl.username = user;
    limitedUrl.password = 'probe-pass';
    const port = await stack.stopCloud();
    const cloud = await stack.startCloud({ port, env: { STORE_EDGE_MYSQL_URL: limitedUrl.toString() } });

    const dir = makeTempDir('e2e-probe-');
    cleanups.push(() => dir.remove());
    const edge = await startEdge(stack, dir.path, cloud.baseUrl);
    cleanups.push(() => edge.kill('SIGKILL'));

    const args = (timeout: number) => [
      '--edge',
      edge.baseUrl,
      '--edge-user',
      'admin',
      '--edge-password',
      'admin-test-password',
      '--cloud',
      cloud.baseUrl,
      '--cloud-token',
      ADMIN_TOKEN,
      '--step-timeout-seconds',
      String(timeout),
    ];

    const metricsFile = join(dir.path, 'store_edge_probe.prom');
    const ok = await runProbe([...args(60), '--metrics-file', metricsFile]);
    expect(ok.stderr).toBe('');
    expect(ok.steps.map((s) => [s.step, s.ok])).toEqual([
      ['setup', true],
      ['receive', true],
      ['adjust', true],
      ['reserve', true],
      ['ship', true],
    ]);
    expect(ok.code).toBe(0);
    expect(ok.steps[1]?.detail).toMatch(/landed once at seq \d+/);
    expect(ok.steps[4]?.detail).toMatch(/reservation fulfilled/);
    // What Prometheus reads through the node_exporter textfile collector.
    const okMetrics = readFileSync(metricsFile, 'utf8');
    expect(okMetrics).toMatch(/^store_edge_probe_success\{step="ship"\} 1$/m);
    expect(okMetrics).toMatch(/^store_edge_probe_last_run_success 1$/m);
    expect(okMetrics).toMatch(/^store_edge_probe_duration_seconds\{step="reserve"\} [\d.]+$/m);

    // A cloud whose database refuses to store movements: the store's receipt never lands.
    await root.query(`REVOKE INSERT ON \`${stack.db.name}\`.movements FROM '${user}'@'%'`);
    const noMovements = await runProbe([...args(5), '--metrics-file', metricsFile]);
    expect(noMovements.code).toBe(1);
    expect(noMovements.steps.map((s) => [s.step, s.ok])).toEqual([
      ['setup', true],
      ['receive', false],
    ]);
    expect(noMovements.steps[1]?.detail).toMatch(/not within 5 s/);
    expect(noMovements.stderr).toMatch(/step 'receive' failed/);
    const failedMetrics = readFileSync(metricsFile, 'utf8');
    expect(failedMetrics).toMatch(/^store_edge_probe_success\{step="setup"\} 1$/m);
    expect(failedMetrics).toMatch(/^store_edge_probe_success\{step="receive"\} 0$/m);
    expect(failedMetrics).toMatch(/^store_edge_probe_success\{step="ship"\} 0$/m);
    expect(failedMetrics).toMatch(/^store_edge_probe_last_run_success 0$/m);

    // Writes back; a cloud that cannot record reservations fails the reserve step only.
    await root.query(`GRANT INSERT ON \`${stack.db.name}\`.movements TO '${user}'@'%'`);
    await root.query(`REVOKE INSERT ON \`${stack.db.name}\`.reservations FROM '${user}'@'%'`);
    const noReservations = await runProbe(args(60));
    expect(noReservations.code).toBe(1);
    expect(noReservations.steps.map((s) => [s.step, s.ok])).toEqual([
      ['setup', true],
      ['receive', true],
      ['adjust', true],
      ['reserve', false],
    ]);
    expect(noReservations.steps[3]?.detail).toMatch(/POST .*\/v1\/reservations answered 500/);
    expect(noReservations.stderr).toMatch(/step 'reserve' failed/);

    // Repaired: the next run passes, and the probe's stock in the cloud still equals the edge's.
    await root.query(`GRANT INSERT ON \`${stack.db.name}\`.reservations TO '${user}'@'%'`);
    const again = await runProbe(args(60));
    expect(again.steps.every((s) => s.ok)).toBe(true);
    expect(again.code).toBe(0);
  }, 180_000);

  it('refuses to run without what it needs, naming each missing option', async () => {
    const r = await runProbe(['--edge', 'http://127.0.0.1:1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--edge-user is required/);
    expect(r.stderr).toMatch(/--cloud-token is required/);
  });
});
