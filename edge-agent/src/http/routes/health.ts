import type { AgentContext } from '../../context.js';
import type { App } from '../server.js';

export async function healthRoutes(app: App, ctx: AgentContext): Promise<void> {
  // Liveness: the process answers. Kubernetes restarts the pod when this stops.
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  // Readiness: the database is open and the broker listens; until then, no traffic. The pid
  // tells a supervisor which process answered: a port freed by a crash can be taken by another
  // service before the restarted agent binds it, and that one may answer /readyz too.
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const dbOpen = ctx.db.open;
    const ready = dbOpen && ctx.isReady();
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'starting', database: dbOpen, pid: process.pid });
  });

  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const body = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(body);
  });
}
