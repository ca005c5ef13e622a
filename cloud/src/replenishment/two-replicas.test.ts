// Two `store-edge cloud` processes (real child processes on one database), both asked to run
// replenishment for the same tenant at the same moment: one run happens (odoo/odoo#1062).
import {
  type CloudProcess,
  createTestDatabase,
  startCloudProcess,
  type TestDatabase,
} from '@store-edge/testing';
import { ADMIN_TOKEN, records } from '@store-edge/testing/cloud';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// Enough rules that a run takes a noticeable while, so both requests meet it in progress.
const STORES = 30;
const RULES = 1000;

let db: TestDatabase;
const procs: CloudProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase(inject('mysqlUrl'), 'se_repl2');
  procs.push(
    ...(await Promise.all([
      startCloudProcess({ mysqlUrl: db.url, adminToken: ADMIN_TOKEN }),
      startCloudProcess({ mysqlUrl: db.url, adminToken: ADMIN_TOKEN }),
    ])),
  );
}, 120_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await db?.drop();
});

async function call(base: string, path: string, body: unknown, token = ADMIN_TOKEN): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: path.endsWith('reorder-rules') ? 'PUT' : 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('two cloud processes asked to run replenishment at once', () => {
  it('make one run: the other answers 409 run-in-progress naming it', async () => {
    const [a, b] = procs as [CloudProcess, CloudProcess];
    expect((await call(a.baseUrl, '/v1/tenants', { id: 't2', name: 'T2' })).status).toBe(201);
    for (let s = 0; s < STORES; s++) {
      const created = await call(b.baseUrl, '/v1/stores', { id: `s${s}`, tenantId: 't2', name: `S${s}` });
      expect(created.status).toBe(201);
      const { token } = (await created.json()) as { token: string };
      // One replicated batch: the store is fresh, so its rules are worked on.
      const rep = await call(
        a.baseUrl,
        `/v1/stores/s${s}/replication/batches`,
        { records: records(1, 1) },
        token,
      );
      expect(rep.status).toBe(200);
      const rules = Array.from({ length: RULES }, (_, i) => ({
        sku: `SKU-${i}`,
        min: 5,
        max: 20,
        multiple: 6,
      }));
      expect((await call(b.baseUrl, `/v1/stores/s${s}/reorder-rules`, { rules })).status).toBe(200);
    }

    const answers = await Promise.all(
      [a, b].map(async (p) => {
        const res = await call(p.baseUrl, '/v1/replenishment/runs', { tenantId: 't2' });
        return {
          status: res.status,
          body: (await res.json()) as { id?: string; runId?: string; code?: string },
        };
      }),
    );
    const won = answers.filter((x) => x.status === 201);
    const lost = answers.filter((x) => x.status === 409);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]?.body).toMatchObject({ code: 'run-in-progress', runId: won[0]?.body.id });

    const conn = await mysql.createConnection({ uri: db.url });
    try {
      const [runs] = await conn.query('SELECT id, status FROM replenishment_runs');
      expect(runs).toEqual([{ id: won[0]?.body.id, status: 'done' }]);
      const [count] = await conn.query('SELECT COUNT(*) AS n FROM replenishment_proposals');
      // Every sku stands at 0 (SKU-1 got one unit: still below min): 20 rounded up to 6 = 24.
      expect((count as Array<{ n: number }>)[0]?.n).toBe(STORES * RULES);
    } finally {
      await conn.end();
    }
  }, 180_000);
});
