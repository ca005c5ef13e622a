import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, startTestAgent, type TestAgent } from './helpers.js';

describe('the API description at /docs', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('describes what every API route answers: its success, and its errors as problem details', async () => {
    const res = await fetch(`${t.baseUrl}/docs/json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Json;
    const operations: Array<[string, Json]> = [];
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Json>)) {
      if (!path.startsWith('/api/v1/')) continue;
      for (const [method, op] of Object.entries(ops as Record<string, Json>)) {
        operations.push([`${method.toUpperCase()} ${path}`, op]);
      }
    }
    // Devices, scans, RFID and printing register their own routes: all of them are here.
    expect(operations.length).toBeGreaterThanOrEqual(39);
    for (const [name, op] of operations) {
      const statuses = Object.keys(op.responses ?? {});
      expect(
        statuses.some((s) => s.startsWith('2')),
        `${name} documents its success`,
      ).toBe(true);
      // Every route can refuse a caller (no token, wrong password) and can fail.
      expect(statuses, name).toContain('401');
      expect(statuses, name).toContain('5XX');
      for (const s of statuses.filter((x) => /^[45]/.test(x))) {
        const problem = op.responses[s].content?.['application/json']?.schema;
        expect(problem?.required, `${name} ${s} is a problem`).toEqual(
          expect.arrayContaining(['type', 'title', 'status', 'detail']),
        );
      }
    }
  });
});
