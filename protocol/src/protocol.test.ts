import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { classifyBatchAnswer, MovementSchema, movementQtyProblem, ReplicationBatchSchema } from './index.js';

const movement = {
  id: '0d6f3c1e-3b7a-4c55-9a51-2f1e0b9c8d7a',
  type: 'sale',
  sku: 'SKU-1',
  location: 'store',
  qty: 2,
  at: '2026-11-20T09:30:00.000Z',
  source: 'scanner-1',
};

describe('replication wire contract', () => {
  it('accepts a well-formed batch and rejects unknown types and fields', () => {
    expect(Value.Check(ReplicationBatchSchema, { records: [{ seq: 1, movement }] })).toBe(true);
    expect(Value.Check(MovementSchema, { ...movement, type: 'steal' })).toBe(false);
    expect(Value.Check(MovementSchema, { ...movement, colour: 'red' })).toBe(false);
    expect(Value.Check(ReplicationBatchSchema, { records: [{ seq: 0, movement }] })).toBe(false);
  });

  it('states the qty rules per type', () => {
    expect(movementQtyProblem({ type: 'sale', qty: 0 })).toMatch(/> 0/);
    expect(movementQtyProblem({ type: 'adjust', qty: -3 })).toBeNull();
    expect(movementQtyProblem({ type: 'count', qty: 0 })).toBeNull();
    expect(movementQtyProblem({ type: 'reject', qty: 1 })).toBeNull();
  });

  it("turns the cloud's answers into what the shipper does next", () => {
    expect(classifyBatchAnswer(200, { appliedSeq: 42 })).toEqual({ kind: 'applied', appliedSeq: 42 });
    const problem = { type: 'urn:x', title: 'Conflict', status: 409, detail: 'd' };
    expect(classifyBatchAnswer(409, { ...problem, code: 'sequence-gap', expectedSeq: 7 })).toEqual({
      kind: 'gap',
      expectedSeq: 7,
    });
    expect(
      classifyBatchAnswer(409, { ...problem, code: 'sequence-reuse', seq: 3, appliedSeq: 9 }),
    ).toMatchObject({
      kind: 'sequence-reuse',
      seq: 3,
      appliedSeq: 9,
    });
    expect(classifyBatchAnswer(403, { ...problem, status: 403 })).toMatchObject({
      kind: 'auth',
      status: 403,
    });
    expect(classifyBatchAnswer(413, { ...problem, status: 413 })).toMatchObject({ kind: 'too-large' });
    const invalid = {
      ...problem,
      status: 400,
      code: 'validation',
      errors: [
        { path: '/records/4/movement/at', message: 'leap second' },
        { path: '/records/2/movement/qty', message: 'too large' },
      ],
    };
    expect(classifyBatchAnswer(400, invalid)).toMatchObject({ kind: 'refused', status: 400, index: 2 });
    // A store the cloud does not know (or a wrong URL) is no fault of any record: retried, never blamed on one.
    const missing = {
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: "store 'x' does not exist",
    };
    expect(classifyBatchAnswer(404, missing)).toMatchObject({ kind: 'retry', status: 404 });
    expect(classifyBatchAnswer(429, { ...missing, status: 429, title: 'Too Many Requests' })).toMatchObject({
      kind: 'retry',
    });
    expect(classifyBatchAnswer(422, { ...problem, status: 422 })).toMatchObject({
      kind: 'refused',
      index: null,
    });
    // A conflict this edge does not know is not known to be about one record: retried, shown in lastError.
    expect(classifyBatchAnswer(409, { ...problem, code: 'something-new' })).toMatchObject({
      kind: 'retry',
    });
    expect(classifyBatchAnswer(429, { ...problem, status: 429 })).toMatchObject({ kind: 'retry' });
    expect(classifyBatchAnswer(502, '<html>bad gateway</html>')).toMatchObject({
      kind: 'retry',
      status: 502,
    });
  });
});
