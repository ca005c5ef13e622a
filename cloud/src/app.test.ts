import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { createPool } from './db.js';
import { createMetrics } from './metrics.js';
import { ADMIN_TOKEN } from './test-support.js';

describe('cloud app without a database', () => {
  it('is alive but not ready, and says why as a problem document', async () => {
    // Port 1 on localhost: nothing listens there, connections are refused at once.
    const pool = createPool({ url: 'mysql://root@127.0.0.1:1/store_edge', connectionLimit: 1 });
    const app = await buildApp({
      pool,
      adminToken: ADMIN_TOKEN,
      logger: pino({ level: 'silent' }),
      metrics: createMetrics(),
    });
    try {
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.headers['content-type']).toContain('application/problem+json');
      expect(ready.json()).toMatchObject({
        status: 503,
        detail: expect.stringMatching(/database unreachable/),
      });
      const unknown = await app.inject({ method: 'GET', url: '/v1/nowhere' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json()).toMatchObject({ status: 404, title: 'Not Found' });
    } finally {
      await app.close();
      await pool.end();
    }
  });
});
