// Issue 14, the wire: whatever the edge accepts the cloud applies; a record the cloud refuses
// for good stops shipping with an alarm naming it and is repaired by the operator; an
// acknowledgement above what was sent prunes nothing. Real agent and cloud processes, MariaDB.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalId } from '@store-edge/protocol';
import type { TempDir } from '@store-edge/testing';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import {
  cleanupAfterEach,
  createItems,
  edgeApi,
  edgeToken,
  makeMovements,
  readBoth,
  replicationStatus,
  type Stack,
  stackWithDir,
  startEdge,
  waitReplicated,
} from './harness.js';
import { startInflatingProxy } from './inflating-proxy.js';

const cleanups = cleanupAfterEach();

const setup = () => stackWithDir(cleanups, 'e2e-wire-');

/** Small batches, so a refused record sits in the middle of a batch and of the stream. */
function smallBatches(dir: TempDir): Record<string, string> {
  const file = `${dir.path}/small-batches.yaml`;
  writeFileSync(file, 'replication:\n  batchSize: 50\n  maxBackoffMs: 2000\n');
  return { STORE_EDGE_CONFIG: file, STORE_EDGE_LOG_LEVEL: 'error' };
}

/** Buffers `n` movements with the cloud unreachable, then stops that edge. */
async function buffer(stack: Stack, dataDir: string, n: number): Promise<void> {
  const edge = await startEdge(stack, dataDir, 'http://127.0.0.1:9');
  const token = await edgeToken(edge);
  await createItems(edge, token);
  await makeMovements(edge, token, n);
  edge.kill('SIGTERM');
  await edge.exited;
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  ms = 120_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await probe();
    if (got) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function cloudCount(stack: Stack): Promise<{ rows: number; applied: number }> {
  const conn = await mysql.createConnection({ uri: stack.db.url });
  try {
    const [r] = await conn.query('SELECT COUNT(*) AS n FROM movements WHERE store_id = ?', [stack.storeId]);
    const [s] = await conn.query('SELECT applied_seq FROM stores WHERE id = ?', [stack.storeId]);
    return {
      rows: Number((r as Array<{ n: number }>)[0]?.n),
      applied: Number((s as Array<{ applied_seq: number }>)[0]?.applied_seq),
    };
  } finally {
    await conn.end();
  }
}

async function expectEqual(stack: Stack, dataDir: string, expected: number): Promise<void> {
  const both = await readBoth(stack, dataDir);
  expect(both.cloudRows.length).toBe(expected);
  expect(new Set(both.cloudRows.map((r) => r.id)).size).toBe(expected);
  expect(both.cloudRows.map((r) => r.seq)).toEqual(both.cloudRows.map((_, i) => i + 1));
  expect(both.cloudRows).toEqual(both.edgeRows.map((r) => ({ ...r, id: canonicalId(r.id) })));
  expect(both.cloudStock).toEqual(both.edgeStock);
}

// ---- random movements the edge API may accept ----

const pad = (n: number, w: number) => String(n).padStart(w, '0');
const atArb = fc
  .record({
    y: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(1000, 1970, 2024, 2026, 9999)),
    mo: fc.integer({ min: 1, max: 12 }),
    d: fc.oneof(fc.integer({ min: 1, max: 31 }), fc.constantFrom(28, 29, 30)),
    h: fc.integer({ min: 0, max: 23 }),
    mi: fc.integer({ min: 0, max: 59 }),
    s: fc.oneof(fc.integer({ min: 0, max: 59 }), fc.constant(60)),
    frac: fc.option(fc.stringMatching(/^[0-9]{1,9}$/), { nil: undefined }),
    sep: fc.constantFrom('T', 't', ' '),
    zone: fc.oneof(
      fc.constantFrom('Z', 'z', '+00:00', '-00:00', '+14:00', '-12:00'),
      fc
        .tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
        .map(([sign, h, m]) => `${sign}${pad(h, 2)}:${pad(m, 2)}`),
    ),
  })
  .map(
    (t) =>
      `${pad(t.y, 4)}-${pad(t.mo, 2)}-${pad(t.d, 2)}${t.sep}${pad(t.h, 2)}:${pad(t.mi, 2)}:${pad(t.s, 2)}${t.frac === undefined ? '' : `.${t.frac}`}${t.zone}`,
  );

const idArb = fc
  .tuple(fc.uuid(), fc.constantFrom('lower', 'upper', 'urn'))
  .map(([u, form]) => (form === 'upper' ? u.toUpperCase() : form === 'urn' ? `urn:uuid:${u}` : u));

const textArb = (max: number) =>
  fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: max }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: max }),
  );

// Mostly what a store sends, with the edge cases mixed in: most batches must be accepted for
// the property to say something about replication, and enough refused to cover the limits.
const locationArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  {
    weight: 4,
    arbitrary: fc.constantFrom('backroom', 'salesfloor', 'dock', 'x'.repeat(64), 'Lager Süd', '倉庫 2'),
  },
  { weight: 1, arbitrary: fc.constantFrom('backroom ', ' dock', 'x'.repeat(65)) },
  { weight: 2, arbitrary: textArb(64) },
);

const itemArb = fc.oneof(
  fc.constantFrom('A', 'B', 'C', 'D').map((sku) => ({ sku })),
  fc
    .constantFrom('4006381333931', '14006381333938', '15012345678907', '0004006381333931')
    .map((code) => ({ code })),
);

const qtyArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: -5, max: 0 }) },
  { weight: 1, arbitrary: fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }) },
  { weight: 1, arbitrary: fc.constantFrom(19_999, 20_000, 20_001, 1_000_000_000, -1_000_000_000) },
);

const movementArb = fc
  .record({
    id: idArb,
    type: fc.constantFrom(
      'receive',
      'sale',
      'return',
      'adjust',
      'transfer_out',
      'transfer_in',
      'count',
      'damage',
      'reserve',
    ),
    item: itemArb,
    qty: qtyArb,
    location: locationArb,
    at: fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: atArb }),
    ref: fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: textArb(130) }),
    reason: fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: textArb(40) }),
  })
  .map(({ item, location, at, ref, reason, type, ...m }) => ({
    ...m,
    type,
    ...item,
    ...(location === undefined ? {} : { location }),
    ...(at === undefined ? {} : { at }),
    // Most transfers and adjusts carry what they need, so the ledger has plenty to ship.
    ...(ref === undefined
      ? type.startsWith('transfer') || type === 'reserve'
        ? { ref: 'T-1' }
        : {}
      : { ref }),
    ...(reason === undefined ? (type === 'adjust' ? { reason: 'found' } : {}) : { reason }),
  }));

describe('the wire: what the edge accepts, the cloud applies', () => {
  it('replicates every randomly generated movement the edge API accepts (fast-check, 150 batches) to the cloud on MariaDB', async () => {
    const { stack, dir } = await setup();
    const edge = await startEdge(stack, dir.path, stack.cloud!.baseUrl, smallBatches(dir));
    cleanups.push(() => edge.kill('SIGKILL'));
    const token = await edgeToken(edge);
    await createItems(edge, token);
    const caseItem = await edgeApi(edge, token, 'PUT', '/items/CASE', {
      name: 'Water',
      gtins: ['4006381333931'],
      packs: [
        { gtin: '14006381333938', qty: 12 },
        { gtin: '15012345678907', qty: 100_000 },
      ],
      price: { amount: 0.89, currency: 'EUR' },
    });
    expect(caseItem.status).toBe(200);

    const accepted: string[] = [];
    const answers = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(movementArb, { minLength: 1, maxLength: 3 }), async (movements) => {
        const r = await edgeApi(edge, token, 'POST', '/movements', { movements });
        answers.set(r.status, (answers.get(r.status) ?? 0) + 1);
        // Never a crash: either the whole batch is taken or a problem names what is wrong.
        expect(r.status, JSON.stringify(r.body)).toBeLessThan(500);
        if (r.status === 200) for (const m of movements) accepted.push(canonicalId(m.id) as string);
        else expect(r.body.detail).toBeTruthy();
      }),
      { numRuns: 150 },
    );
    // Enough of each answer that the property covered both sides of every limit.
    expect(answers.get(200) ?? 0).toBeGreaterThan(10);
    expect(answers.get(400) ?? 0).toBeGreaterThan(10);

    await waitReplicated(edge, token, 120_000);
    const status = await replicationStatus(edge, token);
    expect(status.alarm ?? null).toBeNull();
    expect((status as { refused?: unknown }).refused ?? null).toBeNull();
    const both = await readBoth(stack, dir.path);
    const inCloud = new Set(both.cloudRows.map((r) => r.id));
    for (const id of accepted) expect(inCloud.has(id), id).toBe(true);
    expect(both.cloudRows).toEqual(both.edgeRows.map((r) => ({ ...r, id: canonicalId(r.id) })));
    expect(both.cloudStock).toEqual(both.edgeStock);
    // Times: the cloud holds the instant the edge holds.
    const sqlite = new Database(join(dir.path, 'ledger.sqlite'), { readonly: true });
    const edgeAt = sqlite.prepare('SELECT seq, at FROM movements ORDER BY seq').all() as Array<{
      seq: number;
      at: string;
    }>;
    sqlite.close();
    const conn = await mysql.createConnection({ uri: stack.db.url, timezone: 'Z' });
    const [rows] = await conn.query('SELECT seq, at FROM movements WHERE store_id = ? ORDER BY seq', [
      stack.storeId,
    ]);
    await conn.end();
    expect(
      (rows as Array<{ seq: number; at: Date }>).map((r) => ({ seq: Number(r.seq), at: r.at.toISOString() })),
    ).toEqual(edgeAt);
  }, 600_000);

  it('stops before a record the cloud refuses, names it in the API, /metrics and the log, loses nothing after it, and ships on once it is voided', async () => {
    const { stack, dir } = await setup();
    await buffer(stack, dir.path, 500);
    // An edge of an older version let a leap second through: the cloud refuses the record for good.
    const planted = new Database(join(dir.path, 'ledger.sqlite'));
    const bad = planted.prepare('SELECT id FROM movements WHERE seq = 250').get() as { id: string };
    planted.prepare("UPDATE movements SET at = '2024-06-30T23:59:60Z' WHERE seq = 250").run();
    planted.close();

    const edge = await startEdge(stack, dir.path, stack.cloud!.baseUrl, smallBatches(dir));
    cleanups.push(() => edge.kill('SIGKILL'));
    const token = await edgeToken(edge);
    type Status = Awaited<ReturnType<typeof replicationStatus>> & {
      refused?: { seq: number; id: string; status: number; reason: string } | null;
      state?: string;
    };
    const stuck = await waitFor('the refusal', async () => {
      const s = (await replicationStatus(edge, token)) as Status;
      return s.refused && s.lastAckedSeq === 249 ? s : null;
    });
    expect(stuck.refused).toMatchObject({ seq: 250, id: bad.id, status: 400 });
    expect(stuck.refused?.reason).toMatch(/\/records\/\d+\/movement\/at/);
    expect(stuck.alarm).toContain('seq 250');
    expect(stuck.alarm).toContain(bad.id);
    expect(stuck.lastError).toContain('seq 250');
    expect(stuck.pending).toBe(251);
    expect(await cloudCount(stack)).toEqual({ rows: 249, applied: 249 });
    const metrics = await (await fetch(`${edge.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^store_edge_replication_refused_seq 250$/m);
    expect(edge.output()).toMatch(/"seq":250/);
    expect(edge.output()).toContain(bad.id);

    // The store keeps working meanwhile; nothing after the refused record is lost.
    await makeMovements(edge, token, 30);
    expect((await replicationStatus(edge, token)).pending).toBe(281);

    // The documented repair (docs/operations.md): withdraw the record, book it again if it happened.
    const repaired = await edgeApi(edge, token, 'POST', '/replication/records/250/void', {});
    expect(repaired.status).toBe(200);
    expect(repaired.body).toMatchObject({ seq: 250, id: bad.id, voided: true });
    await waitReplicated(edge, token, 120_000);
    const after = (await replicationStatus(edge, token)) as Status;
    expect(after.refused ?? null).toBeNull();
    expect(after.alarm ?? null).toBeNull();
    await expectEqual(stack, dir.path, 530);
    const voided = (await readBoth(stack, dir.path)).cloudRows[249];
    expect(voided).toMatchObject({ seq: 250, id: bad.id, type: 'void', qty: 0 });
    const quarantine = await edgeApi(edge, token, 'GET', '/quarantine?limit=10');
    const kept = (quarantine.body.entries as Array<{ source: string; raw: string }>).find(
      (e) => e.source === 'replication',
    );
    expect(kept?.raw).toContain('23:59:60Z');
    expect(kept?.raw).toContain(bad.id);
    expect(await (await fetch(`${edge.baseUrl}/metrics`)).text()).toMatch(
      /^store_edge_replication_refused_seq 0$/m,
    );
  }, 300_000);

  it('prunes nothing when a proxy inflates appliedSeq, raises the alarm, and lands every movement exactly once after the proxy is gone', async () => {
    const { stack, dir } = await setup();
    await buffer(stack, dir.path, 2000);
    const proxy = await startInflatingProxy(stack.cloud!.baseUrl, 500);
    cleanups.push(() => proxy.close());
    const edge = await startEdge(stack, dir.path, proxy.url, smallBatches(dir));
    cleanups.push(() => edge.kill('SIGKILL'));
    const token = await edgeToken(edge);
    const alarmed = await waitFor('the alarm', async () => {
      const s = await replicationStatus(edge, token);
      return s.alarm && proxy.stats.inflated >= 3 ? s : null;
    });
    expect(alarmed.alarm).toMatch(/appliedSeq \d+/);
    // The outbox is intact: nothing the cloud does not hold was pruned.
    const cloud = await cloudCount(stack);
    const now = await replicationStatus(edge, token);
    expect(now.lastAckedSeq).toBeLessThanOrEqual(cloud.applied);
    expect(now.pending).toBe(now.lastSeq - now.lastAckedSeq);
    expect(now.pending).toBeGreaterThanOrEqual(2000 - cloud.applied);
    const metrics = await (await fetch(`${edge.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^store_edge_replication_protocol_errors_total [1-9]\d*$/m);

    // The proxy is gone (it passes answers through unchanged now): everything lands once.
    proxy.inflate = false;
    await makeMovements(edge, token, 100);
    await waitReplicated(edge, token, 180_000);
    edge.kill('SIGTERM');
    await edge.exited;
    await expectEqual(stack, dir.path, 2100);
  }, 300_000);
});
