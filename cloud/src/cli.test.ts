import { spawnSync } from 'node:child_process';
import { createTestDatabase, freePort, repoRoot, startCloudProcess, storeEdgeBin } from '@store-edge/testing';
import { ADMIN_TOKEN } from '@store-edge/testing/cloud';
import { describe, expect, inject, it } from 'vitest';

describe('store-edge cloud', () => {
  it('refuses to start without STORE_EDGE_ADMIN_TOKEN, says why, and opens no port', async () => {
    const port = await freePort();
    const res = spawnSync(process.execPath, [storeEdgeBin, 'cloud'], {
      cwd: repoRoot,
      env: { ...process.env, STORE_EDGE_ADMIN_TOKEN: '', STORE_EDGE_CLOUD_PORT: String(port) },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain('STORE_EDGE_ADMIN_TOKEN');
    expect(res.stderr).toMatch(/required/);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('migrates with `cloud migrate`, then serves health, readiness, metrics and OpenAPI docs', async () => {
    const db = await createTestDatabase(inject('mysqlUrl'), 'se_cli');
    try {
      const mig = spawnSync(process.execPath, [storeEdgeBin, 'cloud', 'migrate'], {
        cwd: repoRoot,
        env: { ...process.env, STORE_EDGE_MYSQL_URL: db.url },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(mig.status).toBe(0);
      const { loadMigrations } = await import('./migrate.js');
      const n = loadMigrations().length;
      expect(mig.stdout).toMatch(new RegExp(`applied ${n} migration`));
      const proc = await startCloudProcess({
        mysqlUrl: db.url,
        adminToken: ADMIN_TOKEN,
        args: ['--no-migrate'],
      });
      try {
        expect((await fetch(`${proc.baseUrl}/healthz`)).status).toBe(200);
        expect(await (await fetch(`${proc.baseUrl}/readyz`)).json()).toEqual({
          status: 'ready',
          pid: proc.child.pid,
        });
        expect(await (await fetch(`${proc.baseUrl}/metrics`)).text()).toContain(
          'store_edge_cloud_http_request_duration_seconds',
        );
        const spec = (await (await fetch(`${proc.baseUrl}/docs/json`)).json()) as {
          paths: Record<string, unknown>;
        };
        expect(Object.keys(spec.paths)).toEqual(
          expect.arrayContaining([
            '/v1/stores/{storeId}/replication/batches',
            '/v1/stores/{storeId}/changes',
            '/v1/stock',
          ]),
        );
        const noAuth = await fetch(`${proc.baseUrl}/v1/stock?sku=x`);
        expect(noAuth.status).toBe(401);
        expect(noAuth.headers.get('content-type')).toContain('application/problem+json');
      } finally {
        await proc.stop();
      }
      expect(await proc.exited).toBe(0);
    } finally {
      await db.drop();
    }
  });
});
