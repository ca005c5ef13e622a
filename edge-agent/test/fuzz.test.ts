import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ITEM, type Json, startTestAgent, type TestAgent } from './helpers.js';

let t: TestAgent;
let token: string;

beforeAll(async () => {
  t = await startTestAgent();
  token = await t.token('admin');
  await t.api('/api/v1/items/SKU-1', { method: 'PUT', body: ITEM });
});
afterAll(() => t.stop());

function movementCount(): number {
  return (t.agent.parts!.db.prepare('SELECT COUNT(*) AS n FROM movements').get() as { n: number }).n;
}

async function postRaw(body: string | Buffer, contentType = 'application/json') {
  const res = await fetch(`${t.baseUrl}/api/v1/movements`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body,
  });
  const text = await res.text();
  let json: Json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // checked below
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', json, text };
}

/** Every refusal is problem+json with a title and detail; validation errors name the field. */
function expectProblem(r: Awaited<ReturnType<typeof postRaw>>): void {
  expect(r.status, r.text).toBeLessThan(500);
  expect(r.type).toContain('application/problem+json');
  expect(r.json).toMatchObject({ status: r.status });
  expect(typeof r.json.title).toBe('string');
  expect(typeof r.json.detail).toBe('string');
  if (r.status === 400 && r.json.errors) {
    for (const e of r.json.errors) expect(e.path).toMatch(/^\//);
  }
}

const goodMovement = () =>
  fc.record({
    id: fc.uuid().map(() => randomUUID()),
    type: fc.constantFrom('receive', 'sale', 'return'),
    sku: fc.constant('SKU-1'),
    qty: fc.integer({ min: 1, max: 50 }),
  });

// A field replaced by anything at all: wrong types, unicode, huge and fractional numbers, objects.
const anyValue = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(1e308, -1e308, 2 ** 53, Number.MAX_SAFE_INTEGER + 2, 0.5, -0),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

const brokenMovement = fc
  .tuple(
    goodMovement(),
    fc.constantFrom('id', 'type', 'sku', 'qty', 'location', 'at', 'ref', 'extra'),
    anyValue,
    fc.boolean(),
  )
  .map(([m, field, value, drop]) => {
    const copy: Record<string, unknown> = { ...m };
    if (drop && field in copy) delete copy[field];
    else copy[field] = value;
    return copy;
  });

describe('POST /movements under bad input', () => {
  it('never answers 5xx, always names the problem, and never applies part of a batch', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(goodMovement(), { maxLength: 5 }),
        brokenMovement,
        fc.array(goodMovement(), { maxLength: 5 }),
        async (before, broken, after) => {
          const count = movementCount();
          const r = await postRaw(JSON.stringify({ movements: [...before, broken, ...after] }));
          if (r.status === 200) {
            // The "broken" one happened to be valid (e.g. a string sku field replaced by another valid one).
            const created = r.json.results.filter((x: { status: string }) => x.status === 'created').length;
            expect(movementCount()).toBe(count + created);
            return;
          }
          expectProblem(r);
          expect(movementCount()).toBe(count);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers arbitrary JSON documents with a problem, not a crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (doc) => {
        const count = movementCount();
        const r = await postRaw(JSON.stringify(doc));
        expectProblem(r);
        expect(movementCount()).toBe(count);
      }),
      { numRuns: 200 },
    );
  });

  it('answers invalid JSON and wrong content types with 4xx problems', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', minLength: 1 }), async (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        fc.pre(!valid);
        expectProblem(await postRaw(text));
      }),
      { numRuns: 150 },
    );
    const r = await postRaw('{"movements": [', 'application/json');
    expectProblem(r);
    expect(r.status).toBe(400);
    expect(r.json.detail).toMatch(/JSON/);
    expectProblem(await postRaw('movements=1', 'application/x-www-form-urlencoded'));
  });

  it('refuses a 10 MB body with 413 and applies nothing', async () => {
    const count = movementCount();
    const big = JSON.stringify({
      movements: [
        { id: randomUUID(), type: 'receive', sku: 'SKU-1', qty: 1, reason: 'x'.repeat(10 * 1024 * 1024) },
      ],
    });
    const r = await postRaw(big);
    expectProblem(r);
    expect(r.status).toBe(413);
    expect(movementCount()).toBe(count);
  });

  it('names the exact field of a wrong type', async () => {
    const r = await postRaw(
      JSON.stringify({ movements: [{ id: randomUUID(), type: 'receive', sku: 'SKU-1', qty: '5' }] }),
    );
    expect(r.status).toBe(400);
    expect(r.json.errors).toContainEqual({ path: '/movements/0/qty', message: 'must be integer' });
  });
});
