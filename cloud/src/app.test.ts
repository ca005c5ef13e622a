import { ADMIN_TOKEN } from '@store-edge/testing/cloud';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { createPool } from './db.js';
import { createMetrics } from './metrics.js';

/** The app on a pool that reaches no database: port 1 on localhost refuses connections at once. */
async function appWithoutDatabase() {
  const pool = createPool({ url: 'mysql://root@127.0.0.1:1/store_edge', connectionLimit: 1 });
  const app = await buildApp({
    pool,
    adminToken: ADMIN_TOKEN,
    logger: pino({ level: 'silent' }),
    metrics: createMetrics(),
  });
  return {
    app,
    close: async () => {
      await app.close();
      await pool.end();
    },
  };
}

describe('cloud app without a database', () => {
  it('is alive but not ready, says why as a problem document, and serves its metrics as text', async () => {
    const { app, close } = await appWithoutDatabase();
    try {
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.headers['content-type']).toContain('application/problem+json');
      expect(ready.json()).toMatchObject({
        status: 503,
        detail: expect.stringMatching(/database unreachable/),
      });
      const metrics = await app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.headers['content-type']).toContain('text/plain');
      expect(metrics.body).toMatch(/^# HELP /);
      const unknown = await app.inject({ method: 'GET', url: '/v1/nowhere' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json()).toMatchObject({ status: 404, title: 'Not Found' });
    } finally {
      await close();
    }
  });

  it('documents every route with each answer it gives, problems as application/problem+json', async () => {
    const { app, close } = await appWithoutDatabase();
    try {
      type Answer = { content?: Record<string, { schema: { $ref?: string } }> };
      const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json<{
        paths: Record<string, Record<string, { responses: Record<string, Answer> }>>;
        components: { schemas: Record<string, { properties: Record<string, unknown> }> };
      }>();
      const routes = Object.entries(spec.paths).flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
      );
      expect(routes.map((r) => r.route)).toEqual(
        expect.arrayContaining([
          'GET /healthz',
          'GET /readyz',
          'GET /metrics',
          'POST /v1/tenants',
          'POST /v1/stores',
          'POST /v1/stores/{storeId}/token/rotate',
          'PUT /v1/items/{sku}',
          'POST /v1/stores/{storeId}/replication/batches',
          'GET /v1/stores/{storeId}/movements',
          'GET /v1/stores/{storeId}/changes',
          'GET /v1/stock',
          'POST /v1/reservations',
          'GET /v1/reservations/{id}',
          'POST /v1/webhooks',
        ]),
      );
      expect(Object.keys(spec.components.schemas.Problem?.properties ?? {})).toEqual(
        expect.arrayContaining(['type', 'title', 'status', 'detail', 'code', 'errors', 'expectedSeq']),
      );
      for (const { route, op } of routes) {
        const statuses = Object.keys(op.responses);
        expect(
          statuses.some((s) => s.startsWith('2')),
          `${route} documents its success`,
        ).toBe(true);
        if (route.includes(' /v1/')) {
          expect(statuses, route).toEqual(expect.arrayContaining(['400', '401', '403', '415', '500']));
        }
        for (const status of statuses.filter((s) => Number(s) >= 400)) {
          expect(op.responses[status]?.content, `${route} ${status}`).toEqual({
            'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
          });
        }
      }
      const batches = routes.find((r) => r.route === 'POST /v1/stores/{storeId}/replication/batches');
      expect(Object.keys(batches?.op.responses ?? {})).toEqual(
        expect.arrayContaining(['200', '404', '409', '413', '503']),
      );
    } finally {
      await close();
    }
  });
});
