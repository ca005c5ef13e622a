// Probes and metrics at the root, outside /v1: for supervisors, load balancers and Prometheus.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { problems } from './v1/schemas.js';

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { pool, metrics } = fastify;

  fastify.get(
    '/healthz',
    {
      schema: {
        summary: 'The process is alive',
        tags: ['ops'],
        response: { 200: Type.Object({ status: Type.Literal('ok') }), ...problems([500]) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  fastify.get(
    '/readyz',
    {
      schema: {
        summary: 'The database answers: ready to take requests',
        tags: ['ops'],
        response: {
          200: Type.Object({
            status: Type.Literal('ready'),
            pid: Type.Integer({ description: 'the process that answered' }),
          }),
          ...problems([503], { 503: 'database unreachable (`detail` says why)' }),
        },
      },
    },
    async (_request, reply) => {
      try {
        // One attempt, not the retrying pool.query (db.ts): a probe wants the answer now.
        const conn = await pool.getConnection();
        try {
          await conn.query('SELECT 1');
        } finally {
          conn.release();
        }
        // The pid tells a supervisor which process answered (see the edge's /readyz).
        return { status: 'ready' as const, pid: process.pid };
      } catch (err) {
        return reply
          .code(503)
          .type('application/problem+json')
          .send({
            type: 'about:blank',
            title: 'Service Unavailable',
            status: 503,
            detail: `database unreachable: ${err instanceof Error ? err.message : String(err)}`,
          });
      }
    },
  );

  fastify.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics (text exposition format)',
        tags: ['ops'],
        produces: ['text/plain'],
        response: {
          200: { description: 'metrics', content: { 'text/plain': { schema: Type.String() } } },
          ...problems([500]),
        },
      },
    },
    async (_request, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
};

export default plugin;
