// `store-edge cloud replenish`, run as the CronJob runs it: the real command on a real database.
import { spawn } from 'node:child_process';
import { repoRoot, storeEdgeBin } from '@store-edge/testing';
import {
  admin,
  bearer,
  createTenantAndStore,
  records,
  startTestCloud,
  type TestCloud,
} from '@store-edge/testing/cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { acquireRunLease } from './lease.js';

let cloud: TestCloud;

function replenish(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [storeEdgeBin, 'cloud', 'replenish', ...args], {
      cwd: repoRoot,
      env: { ...process.env, STORE_EDGE_MYSQL_URL: cloud.db.url },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  cloud = await startTestCloud(inject('mysqlUrl'));
  for (const [tenant, store] of [
    ['cli-a', 'cli-a1'],
    ['cli-a', 'cli-a2'],
    ['cli-b', 'cli-b1'],
  ] as const) {
    const { token } = await createTenantAndStore(cloud.app, tenant, store);
    if (store !== 'cli-a2') {
      const rep = await cloud.app.inject({
        method: 'POST',
        url: `/v1/stores/${store}/replication/batches`,
        headers: bearer(token),
        payload: { records: records(1, 1) },
      });
      expect(rep.statusCode).toBe(200);
    }
    const put = await cloud.app.inject({
      method: 'PUT',
      url: `/v1/stores/${store}/reorder-rules`,
      headers: admin,
      payload: { rules: [{ sku: 'SKU-9', min: 2, max: 10 }] },
    });
    expect(put.statusCode).toBe(200);
  }
});
afterAll(() => cloud.close());

describe('store-edge cloud replenish', () => {
  it('runs every tenant, prints progress and a summary, and exits 0', async () => {
    const res = await replenish(['--all-tenants']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^cli-a: stores 2\/3 done, 1 proposal\(s\) so far$/m);
    expect(res.stdout).toMatch(/^cli-a: run [0-9a-f-]{36}: 2 store\(s\), 1 proposal\(s\), 1 held back$/m);
    expect(res.stdout).toMatch(/^ {2}held back cli-a2: never replicated$/m);
    expect(res.stdout).toMatch(/^cli-b: stores 3\/3 done/m);
    expect(res.stdout).toMatch(
      /^replenish: 2 tenant\(s\), 3 store\(s\), 2 proposal\(s\), 1 held back, [\d.]+ s$/m,
    );
  });

  it('exits 75 when another run holds the tenant, 1 for an unknown tenant, 2 without a tenant', async () => {
    const held = await acquireRunLease(
      cloud.pool,
      {
        tenantId: 'cli-b',
        runId: '00000000-0000-4000-8000-00000000000b',
        storesTotal: 1,
        requestedStores: null,
      },
      new Date(),
    );
    expect(held.ok).toBe(true);
    const busy = await replenish(['--tenant', 'cli-b']);
    expect(busy.code).toBe(75);
    expect(busy.stderr).toMatch(/run 00000000-0000-4000-8000-00000000000b is in progress/);

    const unknown = await replenish(['--tenant', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no tenant 'nope'/);

    const none = await replenish([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--tenant ID \(repeatable\) or --all-tenants/);
  });
});
