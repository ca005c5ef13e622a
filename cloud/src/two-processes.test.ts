import type { ReplicationRecord } from '@store-edge/protocol';
import {
  type CloudProcess,
  createTestDatabase,
  startCloudProcess,
  type TestDatabase,
} from '@store-edge/testing';
import { ADMIN_TOKEN, records } from '@store-edge/testing/cloud';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const STORES = 4;
const RECORDS_PER_STORE = 300;
const EDGES_PER_STORE = 3;

let db: TestDatabase;
const procs: CloudProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase(inject('mysqlUrl'), 'se_cloud2');
  // Both replicas start at once on an empty database: the migration lock must sort it out.
  procs.push(
    ...(await Promise.all([
      startCloudProcess({ mysqlUrl: db.url, adminToken: ADMIN_TOKEN }),
      startCloudProcess({ mysqlUrl: db.url, adminToken: ADMIN_TOKEN }),
    ])),
  );
});

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await db?.drop();
});

async function call(base: string, path: string, init: RequestInit & { token: string }): Promise<Response> {
  return fetch(`${base}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${init.token}`, 'content-type': 'application/json' },
  });
}

describe('two cloud processes ingesting the same stores at once', () => {
  it('land every movement exactly once with gapless seqs, and never show a 5xx to a store', async () => {
    const [a, b] = procs as [CloudProcess, CloudProcess];
    const tokens: string[] = [];
    expect(
      (
        await call(a.baseUrl, '/v1/tenants', {
          method: 'POST',
          token: ADMIN_TOKEN,
          body: '{"id":"t","name":"T"}',
        })
      ).status,
    ).toBe(201);
    for (let s = 0; s < STORES; s++) {
      const res = await call(b.baseUrl, '/v1/stores', {
        method: 'POST',
        token: ADMIN_TOKEN,
        body: JSON.stringify({ id: `s${s}`, tenantId: 't', name: `Store ${s}` }),
      });
      expect(res.status).toBe(201);
      tokens.push(((await res.json()) as { token: string }).token);
    }
    const ledgers = tokens.map(() => records(1, RECORDS_PER_STORE, (seq) => ({ sku: `SKU-${seq % 7}` })));
    const statuses = new Map<number, number>();

    // Several "edges" per store (think: an edge that retries while an earlier request is still
    // in flight) send overlapping windows to alternating replicas, resending from the mark.
    async function edge(storeIdx: number, edgeIdx: number): Promise<void> {
      const ledger = ledgers[storeIdx] as ReplicationRecord[];
      const token = tokens[storeIdx] as string;
      let mark = 0;
      for (let i = 0; mark < RECORDS_PER_STORE && i < 200; i++) {
        const target = procs[(i + edgeIdx) % 2] as CloudProcess;
        const back = (i * 7 + edgeIdx * 3) % 10; // resend some already-applied records
        const from = Math.max(0, mark - back);
        const batch = ledger.slice(from, from + 25 + edgeIdx * 5);
        const res = await call(target.baseUrl, `/v1/stores/s${storeIdx}/replication/batches`, {
          method: 'POST',
          token,
          body: JSON.stringify({ records: batch }),
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const body = (await res.json()) as { appliedSeq?: number; expectedSeq?: number };
        if (res.status === 200) mark = Math.max(mark, body.appliedSeq ?? 0);
        else if (res.status === 409 && body.expectedSeq !== undefined) mark = body.expectedSeq - 1;
        else throw new Error(`unexpected ${res.status}: ${JSON.stringify(body)}`);
      }
    }
    const edges: Array<Promise<void>> = [];
    for (let s = 0; s < STORES; s++) for (let e = 0; e < EDGES_PER_STORE; e++) edges.push(edge(s, e));
    await Promise.all(edges);

    expect([...statuses.keys()].every((s) => s === 200 || s === 409)).toBe(true);
    const conn = await mysql.createConnection({ uri: db.url });
    try {
      const [rows] = await conn.query(
        `SELECT m.store_id, COUNT(*) AS n, COUNT(DISTINCT m.id) AS ids, MIN(m.seq) AS lo, MAX(m.seq) AS hi, s.applied_seq
           FROM movements m JOIN stores s ON s.id = m.store_id GROUP BY m.store_id, s.applied_seq ORDER BY m.store_id`,
      );
      expect(rows).toEqual(
        tokens.map((_, s) => ({
          store_id: `s${s}`,
          n: RECORDS_PER_STORE,
          ids: RECORDS_PER_STORE,
          lo: 1,
          hi: RECORDS_PER_STORE,
          applied_seq: RECORDS_PER_STORE,
        })),
      );
      // Each movement is the one the edge numbered with that seq.
      const [pairs] = await conn.query('SELECT store_id, seq, id FROM movements ORDER BY store_id, seq');
      for (const p of pairs as Array<{ store_id: string; seq: number; id: string }>) {
        const ledger = ledgers[Number(p.store_id.slice(1))] as ReplicationRecord[];
        expect(p.id).toBe(ledger[p.seq - 1]?.movement.id);
      }
      const [mig] = await conn.query('SELECT version, COUNT(*) AS n FROM schema_migrations GROUP BY version');
      for (const m of mig as Array<{ n: number }>) expect(Number(m.n)).toBe(1);
    } finally {
      await conn.end();
    }
  }, 60_000);

  it('lose nothing and duplicate nothing when one process is killed mid-stream', async () => {
    const [a, b] = procs as [CloudProcess, CloudProcess];
    const res = await call(a.baseUrl, '/v1/stores', {
      method: 'POST',
      token: ADMIN_TOKEN,
      body: JSON.stringify({ id: 'k1', tenantId: 't', name: 'Killed' }),
    });
    const { token } = (await res.json()) as { token: string };
    const ledger = records(1, 400);
    let applied = 0;
    let killed = false;
    async function edge(edgeIdx: number): Promise<void> {
      let mark = 0;
      for (let i = 0; mark < 400 && i < 400; i++) {
        if (!killed && applied >= 100) {
          killed = true;
          b.kill('SIGKILL');
        }
        const target = (i + edgeIdx) % 2 === 0 ? a : b;
        const from = Math.max(0, mark - (i % 4));
        try {
          const r = await call(target.baseUrl, '/v1/stores/k1/replication/batches', {
            method: 'POST',
            token,
            body: JSON.stringify({ records: ledger.slice(from, from + 20) }),
          });
          const body = (await r.json()) as { appliedSeq?: number; expectedSeq?: number };
          if (r.status === 429 || r.status === 503) {
            // Paced (per-store request limit) or busy: as the edge's shipper does, wait what
            // Retry-After says and send again; the attempt does not count.
            await new Promise((res) => setTimeout(res, Number(r.headers.get('retry-after') ?? 1) * 1000));
            i--;
            continue;
          }
          if (r.status === 200) mark = Math.max(mark, body.appliedSeq ?? 0);
          else if (r.status === 409 && body.expectedSeq !== undefined) mark = body.expectedSeq - 1;
          else throw new Error(`unexpected ${r.status}: ${JSON.stringify(body)}`);
          applied = Math.max(applied, mark);
        } catch (err) {
          // The killed replica: connection refused or reset. The edge just tries again.
          if (!(err instanceof TypeError)) throw err;
        }
      }
    }
    await Promise.all([edge(0), edge(1), edge(2)]);
    expect(killed).toBe(true);
    const conn = await mysql.createConnection({ uri: db.url });
    try {
      const [rows] = await conn.query(
        "SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS ids, MAX(seq) AS hi FROM movements WHERE store_id = 'k1'",
      );
      expect(rows).toEqual([{ n: 400, ids: 400, hi: 400 }]);
    } finally {
      await conn.end();
    }
  }, 60_000);
});
