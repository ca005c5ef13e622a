import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildStock } from '../src/ledger/ledger.js';
import { ITEM, mv, startTestAgent, type TestAgent } from './helpers.js';

let t: TestAgent;

beforeAll(async () => {
  t = await startTestAgent();
  expect((await t.api('/api/v1/items/SKU-1', { method: 'PUT', body: ITEM })).status).toBe(200);
  expect(
    (
      await t.api('/api/v1/items/SKU-2', {
        method: 'PUT',
        body: { ...ITEM, name: 'Olive oil 1 l', gtins: ['5012345678900'], packs: [] },
      })
    ).status,
  ).toBe(200);
});
afterAll(() => t.stop());

async function stockOf(sku: string, location = 'store') {
  const r = await t.api(`/api/v1/stock?sku=${sku}&location=${location}`);
  return r.body.items[0] ?? { onHand: 0, reserved: 0, available: 0 };
}

describe('movements', () => {
  it('streams each movement to a console listening on /api/v1/events once it is durable', async () => {
    const ctrl = new AbortController();
    const res = await fetch(`${t.baseUrl}/api/v1/events`, {
      headers: { authorization: `Bearer ${await t.token()}` },
      signal: ctrl.signal,
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const m = mv('receive', { qty: 2 });
    const posted = await t.api('/api/v1/movements', { body: { movements: [m] } });
    let text = '';
    const decoder = new TextDecoder();
    const giveUp = setTimeout(() => ctrl.abort(), 5000);
    try {
      while (!text.includes(`${m.id as string}"`)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      }
    } catch {
      // aborted: the assertions below say what was missing
    } finally {
      clearTimeout(giveUp);
      ctrl.abort();
    }
    const event = text.split('\n\n').find((e) => e.includes(m.id as string)) ?? '';
    expect(event.startsWith('event: movements\n')).toBe(true);
    expect(JSON.parse(event.slice(event.indexOf('data: ') + 6))).toEqual([
      expect.objectContaining({
        id: m.id,
        seq: posted.body.results[0].seq,
        type: 'receive',
        sku: 'SKU-1',
        qty: 2,
      }),
    ]);
  });

  it('records a receipt, answers with gapless seqs, and moves stock', async () => {
    const before = await stockOf('SKU-1');
    const r = await t.api('/api/v1/movements', {
      body: { movements: [mv('receive', { qty: 10 }), mv('receive', { qty: 5 })] },
    });
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: { status: string }) => x.status)).toEqual(['created', 'created']);
    expect(r.body.results[1].seq).toBe(r.body.results[0].seq + 1);
    expect((await stockOf('SKU-1')).onHand).toBe(before.onHand + 15);
  });

  it('treats a repeated id with the same content as a duplicate, not a second movement', async () => {
    const m = mv('receive', { qty: 3 });
    const first = await t.api('/api/v1/movements', { body: { movements: [m] } });
    const before = await stockOf('SKU-1');
    const again = await t.api('/api/v1/movements', { body: { movements: [m] } });
    expect(again.status).toBe(200);
    expect(again.body.results[0]).toEqual({ id: m.id, seq: first.body.results[0].seq, status: 'duplicate' });
    expect((await stockOf('SKU-1')).onHand).toBe(before.onHand);
  });

  it('answers 409 when an id is reused with different content', async () => {
    const m = mv('receive', { qty: 3 });
    await t.api('/api/v1/movements', { body: { movements: [m] } });
    const r = await t.api('/api/v1/movements', { body: { movements: [{ ...m, qty: 4 }] } });
    expect(r.status).toBe(409);
    expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(r.body.errors[0].path).toBe('/movements/0/id');
  });

  it('rejects a whole batch when one movement is invalid, naming its path, and applies nothing', async () => {
    const before = await stockOf('SKU-1');
    const r = await t.api('/api/v1/movements', {
      body: {
        movements: [
          mv('receive', { qty: 2 }),
          mv('receive', { qty: 2 }),
          mv('receive', { qty: 2 }),
          mv('receive', { qty: 0 }),
        ],
      },
    });
    expect(r.status).toBe(400);
    expect(r.body.errors).toContainEqual({
      path: '/movements/3/qty',
      message: 'must be greater than 0 for receive',
    });
    expect((await stockOf('SKU-1')).onHand).toBe(before.onHand);
  });

  it('answers 422 naming an unknown sku or code, and applies none of the batch', async () => {
    const before = await stockOf('SKU-1');
    const r = await t.api('/api/v1/movements', {
      body: { movements: [mv('receive'), mv('receive', { sku: 'NOPE' })] },
    });
    expect(r.status).toBe(422);
    expect(r.body.detail).toContain("'NOPE'");
    expect(r.body.errors[0].path).toBe('/movements/1/sku');
    const c = await t.api('/api/v1/movements', {
      body: { movements: [mv('receive', { sku: undefined, code: '9999999999994' })] },
    });
    expect(c.status).toBe(422);
    expect(c.body.errors[0].path).toBe('/movements/0/code');
    expect((await stockOf('SKU-1')).onHand).toBe(before.onHand);
  });

  it('receives a whole case when the code is a case GTIN', async () => {
    const before = await stockOf('SKU-1', 'dock');
    const r = await t.api('/api/v1/movements', {
      body: {
        movements: [mv('receive', { sku: undefined, code: '14006381333938', qty: 2, location: 'dock' })],
      },
    });
    expect(r.status).toBe(200);
    expect((await stockOf('SKU-1', 'dock')).onHand).toBe(before.onHand + 24);
  });

  it('resolves a unit GTIN-13 to its sku', async () => {
    const before = await stockOf('SKU-1');
    await t.api('/api/v1/movements', {
      body: { movements: [mv('sale', { sku: undefined, code: '4006381333931' })] },
    });
    expect((await stockOf('SKU-1')).onHand).toBe(before.onHand - 1);
  });

  it('lets a sale drive on-hand below zero and flags it', async () => {
    const sale = mv('sale', { sku: 'SKU-2', qty: 2, location: 'salesfloor' });
    const r = await t.api('/api/v1/movements', { body: { movements: [sale] } });
    expect(r.status).toBe(200);
    expect((await stockOf('SKU-2', 'salesfloor')).onHand).toBe(-2);
    const list = await t.api(`/api/v1/movements?afterSeq=${r.body.results[0].seq - 1}&limit=1`);
    expect(list.body.movements[0].flags).toBe('negative');
  });

  it('records a count as the difference to the counted total', async () => {
    await t.api('/api/v1/movements', {
      body: { movements: [mv('receive', { sku: 'SKU-2', qty: 10, location: 'backroom' })] },
    });
    const r = await t.api('/api/v1/movements', {
      body: { movements: [mv('count', { sku: 'SKU-2', qty: 7, location: 'backroom' })] },
      role: 'manager',
    });
    expect(r.status).toBe(200);
    expect((await stockOf('SKU-2', 'backroom')).onHand).toBe(7);
    const list = await t.api(`/api/v1/movements?afterSeq=${r.body.results[0].seq - 1}&limit=1`);
    expect(list.body.movements[0]).toMatchObject({ type: 'count', qty: 7, deltaOnHand: -3 });
  });

  it('reserves only what is available (409 with the figures), then ships and releases', async () => {
    await t.api('/api/v1/movements', {
      body: { movements: [mv('receive', { sku: 'SKU-2', qty: 5, location: 'salesfloor' })] },
    });
    const s = await stockOf('SKU-2', 'salesfloor'); // -2 + 5 = 3 on hand
    expect(s.onHand).toBe(3);
    const tooMuch = await t.api('/api/v1/movements', {
      body: { movements: [mv('reserve', { sku: 'SKU-2', qty: 4, location: 'salesfloor', ref: 'R-1' })] },
    });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body).toMatchObject({ onHand: 3, reserved: 0, available: 3 });
    const ok = await t.api('/api/v1/movements', {
      body: { movements: [mv('reserve', { sku: 'SKU-2', qty: 2, location: 'salesfloor', ref: 'R-1' })] },
    });
    expect(ok.status).toBe(200);
    expect(await stockOf('SKU-2', 'salesfloor')).toMatchObject({ onHand: 3, reserved: 2, available: 1 });
    await t.api('/api/v1/movements', {
      body: { movements: [mv('ship', { sku: 'SKU-2', qty: 1, location: 'salesfloor', ref: 'R-1' })] },
    });
    expect(await stockOf('SKU-2', 'salesfloor')).toMatchObject({ onHand: 2, reserved: 1, available: 1 });
    const overRelease = await t.api('/api/v1/movements', {
      body: { movements: [mv('release', { sku: 'SKU-2', qty: 2, location: 'salesfloor', ref: 'R-1' })] },
    });
    expect(overRelease.status).toBe(409);
    await t.api('/api/v1/movements', {
      body: { movements: [mv('release', { sku: 'SKU-2', qty: 1, location: 'salesfloor', ref: 'R-1' })] },
    });
    expect(await stockOf('SKU-2', 'salesfloor')).toMatchObject({ onHand: 2, reserved: 0, available: 2 });
  });

  it('needs a reason for an adjust and a ref for a transfer', async () => {
    const r = await t.api('/api/v1/movements', {
      body: { movements: [mv('adjust', { qty: -1 }), mv('transfer_out', { qty: 1 })] },
      role: 'manager',
    });
    expect(r.status).toBe(400);
    const paths = r.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/movements/0/reason', '/movements/1/ref']));
  });

  it('refuses an adjust by an associate (403) and records who made each movement', async () => {
    const r = await t.api('/api/v1/movements', {
      body: { movements: [mv('adjust', { qty: -1, reason: 'broken' })] },
      role: 'associate',
    });
    expect(r.status).toBe(403);
    const ok = await t.api('/api/v1/movements', { body: { movements: [mv('receive')] }, role: 'associate' });
    const list = await t.api(`/api/v1/movements?afterSeq=${ok.body.results[0].seq - 1}&limit=1`);
    expect(list.body.movements[0].actor).toBe('test-associate');
  });

  it('answers 413 above 1000 movements per batch', async () => {
    const movements = Array.from({ length: 1001 }, () => mv('receive'));
    const r = await t.api('/api/v1/movements', { body: { movements } });
    expect(r.status).toBe(413);
    expect(r.body.title).toBe('Payload too large');
  });

  it('keeps stock equal to the projection rebuilt from the ledger, and seq gapless', async () => {
    // Concurrent requests share group commits; one bad request must not undo its neighbours.
    const reqs = Array.from({ length: 30 }, (_, i) =>
      t.api('/api/v1/movements', {
        body: {
          movements:
            i % 7 === 3
              ? [mv('receive'), mv('receive', { sku: 'NOPE' })]
              : [mv('receive', { qty: i + 1 }), mv('sale')],
        },
      }),
    );
    const results = await Promise.all(reqs);
    expect(results.filter((r) => r.status === 422)).toHaveLength(4);
    const db = t.agent.parts!.db;
    const live = t.agent.parts!.ledger.stock({});
    expect(rebuildStock(db)).toEqual(live);
    const seqs = db.prepare('SELECT seq FROM movements ORDER BY seq').all() as Array<{ seq: number }>;
    expect(seqs.map((s) => s.seq)).toEqual(seqs.map((_, i) => i + 1));
    const outbox = db.prepare('SELECT MIN(seq) AS a, MAX(seq) AS b, COUNT(*) AS n FROM outbox').get() as {
      a: number;
      b: number;
      n: number;
    };
    expect(outbox).toEqual({ a: 1, b: seqs.length, n: seqs.length });
  });

  it('refuses requests without a valid token', async () => {
    const r = await fetch(`${t.baseUrl}/api/v1/stock`);
    expect(r.status).toBe(401);
    const bad = await t.api('/api/v1/stock', { token: 'se_not-a-token' });
    expect(bad.status).toBe(401);
  });

  it('rate-limits failed logins', async () => {
    const attempt = () =>
      fetch(`${t.baseUrl}/api/v1/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: `wrong-${randomUUID()}` }),
      });
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await attempt()).status);
    expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(codes.slice(5)).toEqual([429, 429]);
  });
});
