import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { AgentContext } from '../context.js';
import { EdgeError, ErrorCode } from '../errors.js';
import { authenticate } from './auth.js';
import { sendProblem, toProblem } from './problem.js';
import { authRoutes } from './routes/auth.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { itemRoutes } from './routes/items.js';
import { movementRoutes } from './routes/movements.js';
import { replicationRoutes } from './routes/replication.js';
import { userRoutes } from './routes/users.js';

export type App = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  import('fastify').FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** Extra route plugins other parts of the agent register (devices, scans, RFID, printing, console). */
export type RoutePlugin = (app: App, ctx: AgentContext) => void | Promise<void>;

function makeAjv(coerce: boolean): Ajv {
  // Bodies are checked strictly (a "5" is not a 5); query strings are text and get coerced.
  const ajv = new Ajv({
    allErrors: true,
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    removeAdditional: false,
    strict: false,
  });
  addFormats.default(ajv);
  return ajv;
}

export async function buildHttpServer(
  ctx: AgentContext,
  plugins: RoutePlugin[] = [],
  rootPlugins: RoutePlugin[] = [],
): Promise<App> {
  // With a certificate and key configured the API and console are HTTPS only, on the same port
  // (CONTRACT.md "Edge agent settings": STORE_EDGE_TLS_CERT / STORE_EDGE_TLS_KEY).
  const { cert, key } = ctx.settings.tls;
  const https = cert && key ? { cert: readFileSync(cert), key: readFileSync(key) } : null;
  const app = Fastify({
    ...(https ? { https } : {}),
    loggerInstance: ctx.log.child({ part: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // 1000 movements are ~300 KB; anything far larger is refused with 413 before parsing.
    bodyLimit: 2 * 1024 * 1024,
    forceCloseConnections: false,
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const bodyAjv = makeAjv(false);
  const queryAjv = makeAjv(true);
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? bodyAjv : queryAjv).compile(schema as object),
  );

  app.decorateRequest('caller', null);
  app.decorateRequest('callerToken', null);
  app.setErrorHandler((err, req, reply) => {
    const problem = toProblem(err, req);
    if (problem.status >= 500) req.log.error({ err }, 'request failed');
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((req, reply) =>
    sendProblem(
      reply,
      toProblem(
        new EdgeError(ErrorCode.Request_RouteNotFound, `no route ${req.method} ${req.url.split('?')[0]}`),
        req,
      ),
    ),
  );

  await app.register(swagger, {
    openapi: {
      info: { title: 'store-edge edge agent API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await healthRoutes(app, ctx);
  for (const plugin of rootPlugins) await plugin(app as unknown as App, ctx);
  await app.register(
    async (api) => {
      const typed = api as unknown as App;
      await authRoutes(typed, ctx);
      await api.register(async (secured) => {
        secured.addHook('onRequest', authenticate(ctx.users));
        const s = secured as unknown as App;
        await movementRoutes(s, ctx);
        await itemRoutes(s, ctx);
        await replicationRoutes(s, ctx);
        await userRoutes(s, ctx);
        await eventRoutes(s, ctx);
        for (const plugin of plugins) await plugin(s, ctx);
      });
    },
    { prefix: '/api/v1' },
  );
  return app as unknown as App;
}
