import { createGunzip } from 'node:zlib';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  AGENT_INSTANCE_HEADER,
  ChangeFeedSchema,
  MAX_BATCH_RECORDS,
  MAX_WAIT_SECONDS,
  MovementFields,
  MovementsPageSchema,
  PackSchema,
  PROBLEM_CODES,
  PriceSchema,
  ProblemSchema,
  ReplicationAckSchema,
  ReplicationBatchSchema,
  ReservationSchema,
} from '@store-edge/protocol';
import Fastify, { type FastifyBaseLogger, type FastifyRequest, LogController } from 'fastify';
import type { Logger } from 'pino';
import { Type } from 'typebox';
import { createStore, createTenant, movementsPage, putItem, rotateStoreToken, stockBySku } from './admin.js';
import {
  createAuthenticator,
  type Principal,
  requireAdmin,
  requireAdminOrStore,
  requireStore,
} from './auth.js';
import { ChangeNotifier, readChanges } from './changes.js';
import type { Pool } from './db.js';
import { claimAgentLease, ingestBatch } from './ingest.js';
import type { Metrics } from './metrics.js';
import { WEBHOOK_EVENTS } from './outbox.js';
import { HttpProblem, installProblemHandler } from './problem.js';
import { createReservation, getReservation } from './reservations.js';
import { createWebhook } from './webhooks.js';

export interface AppOptions {
  pool: Pool;
  adminToken: string;
  logger: Logger;
  metrics: Metrics;
  notifier?: ChangeNotifier;
  /** Largest accepted request body after decompression (bytes). */
  bodyLimit?: number;
  /** How often a long-poll looks for changes committed by other replicas (ms). */
  feedPollIntervalMs?: number;
  /**
   * Replication batches this process works on at once; more are answered 503 with Retry-After
   * at once, before their bodies are read (default 40: twice the default MySQL pool).
   */
  maxIngestInFlight?: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });
const errorResponses = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema };
const bearer = [{ bearer: [] }];

export async function buildApp(opts: AppOptions) {
  const { pool, metrics } = opts;
  const notifier = opts.notifier ?? new ChangeNotifier(pool, opts.feedPollIntervalMs ?? 1000);
  const auth = createAuthenticator(pool, opts.adminToken);
  const closing = new AbortController();
  const maxIngestInFlight = opts.maxIngestInFlight ?? 40;
  let ingestInFlight = 0;

  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    bodyLimit: opts.bodyLimit ?? 8 * 1024 * 1024,
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<TypeBoxTypeProvider>();

  installProblemHandler(app);

  // Gzip request bodies (edges on slow WANs compress batches). bodyLimit then applies to the
  // decompressed size, so a small bomb cannot blow up memory.
  app.addHook('preParsing', async (request, _reply, payload) => {
    const encoding = request.headers['content-encoding'];
    if (!encoding || encoding === 'identity') return payload;
    if (encoding !== 'gzip') {
      throw new HttpProblem(415, 'Unsupported Media Type', `content-encoding '${encoding}' is not supported`);
    }
    const gunzip = createGunzip();
    let encoded = 0;
    payload.on('data', (b: Buffer) => {
      encoded += b.length;
      (gunzip as unknown as { receivedEncodedLength: number }).receivedEncodedLength = encoded;
    });
    payload.on('error', (err) => gunzip.destroy(err));
    delete request.headers['content-length'];
    return payload.pipe(gunzip);
  });

  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration
      .labels(request.method, request.routeOptions.url ?? 'unknown', String(reply.statusCode))
      .observe(reply.elapsedTime / 1000);
  });
  app.addHook('preClose', async () => closing.abort());

  const principal = async (request: FastifyRequest): Promise<Principal> => {
    request.principal ??= await auth.authenticate(request);
    return request.principal;
  };

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'store-edge cloud',
        version: '1',
        description:
          'Replication ingest, change feed and admin API. Errors are application/problem+json (RFC 9457).',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      // One attempt, not the retrying pool.query (db.ts): a probe wants the answer now.
      const conn = await pool.getConnection();
      try {
        await conn.query('SELECT 1');
      } finally {
        conn.release();
      }
      // The pid tells a supervisor which process answered (see the edge's /readyz).
      return { status: 'ready', pid: process.pid };
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
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  await app.register(
    async (v1) => {
      const api = v1.withTypeProvider<TypeBoxTypeProvider>();

      api.post(
        '/tenants',
        {
          schema: {
            summary: 'Create a tenant (admin)',
            security: bearer,
            body: Type.Object({ id: Id, name: Type.String({ minLength: 1, maxLength: 255 }) }),
            response: { 201: Type.Object({ id: Type.String(), name: Type.String() }), ...errorResponses },
          },
        },
        async (request, reply) => {
          requireAdmin(await principal(request));
          await createTenant(pool, request.body);
          return reply.code(201).send(request.body);
        },
      );

      api.post(
        '/stores',
        {
          schema: {
            summary: 'Create a store (admin); answers its token once',
            security: bearer,
            body: Type.Object({ id: Id, tenantId: Id, name: Type.String({ minLength: 1, maxLength: 255 }) }),
            response: {
              201: Type.Object({
                id: Type.String(),
                tenantId: Type.String(),
                name: Type.String(),
                token: Type.String(),
              }),
              ...errorResponses,
            },
          },
        },
        async (request, reply) => {
          requireAdmin(await principal(request));
          return reply.code(201).send(await createStore(pool, request.body));
        },
      );

      api.post(
        '/stores/:storeId/token/rotate',
        {
          schema: {
            summary: "Revoke the store's tokens and issue a new one (admin)",
            security: bearer,
            params: Type.Object({ storeId: Id }),
            response: {
              200: Type.Object({ storeId: Type.String(), token: Type.String() }),
              ...errorResponses,
            },
          },
        },
        async (request) => {
          requireAdmin(await principal(request));
          return rotateStoreToken(pool, request.params.storeId);
        },
      );

      api.put(
        '/items/:sku',
        {
          schema: {
            summary: 'Catalog entry and price (admin); reaches the tenant stores via the change feed',
            security: bearer,
            params: Type.Object({ sku: MovementFields.sku }),
            body: Type.Object(
              {
                tenantId: Id,
                name: Type.String({ minLength: 1, maxLength: 255 }),
                gtins: Type.Array(Type.String({ pattern: '^[0-9]{8,14}$' }), { maxItems: 100 }),
                packs: Type.Optional(Type.Array(PackSchema, { maxItems: 100 })),
                price: PriceSchema,
                moveGtins: Type.Optional(
                  Type.Boolean({ description: 'take GTINs that belong to another sku away from it' }),
                ),
              },
              { additionalProperties: false },
            ),
            response: {
              200: Type.Object({ sku: Type.String(), changed: Type.Boolean() }),
              409: ProblemSchema,
              ...errorResponses,
            },
          },
        },
        async (request) => {
          requireAdmin(await principal(request));
          const result = await putItem(pool, request.params.sku, request.body);
          if (result.changed) notifier.notify(request.body.tenantId);
          return { sku: request.params.sku, ...result };
        },
      );

      api.post(
        '/stores/:storeId/replication/batches',
        {
          schema: {
            summary: 'Replication ingest (that store): exactly-once apply of a batch',
            description:
              'Gap: 409 code sequence-gap with expectedSeq. A seq already applied with another movement id: ' +
              `409 code sequence-reuse. More than ${MAX_BATCH_RECORDS} records: 413. Accepts Content-Encoding: gzip.`,
            security: bearer,
            params: Type.Object({ storeId: Id }),
            body: ReplicationBatchSchema,
            response: {
              200: ReplicationAckSchema,
              409: ProblemSchema,
              413: ProblemSchema,
              ...errorResponses,
            },
          },
          // Load shedding: when a whole region comes back from a WAN outage, a thousand stores
          // push their backlog at once. Queued behind the MySQL pool, their requests would wait
          // past the stores' 30 s timeout, be sent again and be worked on twice; answered 503 at
          // once (before the body is read and decompressed), the stores back off with jitter and
          // the batches being worked on finish in time (RFC 9110 §15.6.4, Retry-After §10.2.3).
          onRequest: async (_request, reply) => {
            if (ingestInFlight >= maxIngestInFlight) {
              metrics.batches.labels('shed').inc();
              reply.header('retry-after', '1');
              throw new HttpProblem(
                503,
                'Service Unavailable',
                `this cloud replica is applying ${ingestInFlight} batches; send this one again after a short backoff`,
                { code: 'busy' },
              );
            }
            ingestInFlight++;
            let released = false;
            reply.raw.once('close', () => {
              if (!released) {
                released = true;
                ingestInFlight--;
              }
            });
          },
          // Authenticate and check the size before validating up to a thousand records.
          preValidation: async (request) => {
            const { storeId } = request.params as { storeId: string };
            requireStore(await principal(request), storeId);
            const n = (request.body as { records?: unknown[] } | undefined)?.records?.length ?? 0;
            if (n > MAX_BATCH_RECORDS) {
              throw new HttpProblem(
                413,
                'Content Too Large',
                `a batch holds at most ${MAX_BATCH_RECORDS} records, this one has ${n}; split it`,
                { code: PROBLEM_CODES.batchTooLarge },
              );
            }
          },
        },
        async (request) => {
          const store = requireStore(await principal(request), request.params.storeId);
          try {
            const instance = request.headers[AGENT_INSTANCE_HEADER];
            const result = await ingestBatch(
              pool,
              store,
              request.body.records,
              { onRetry: (reason) => metrics.txRetries.labels(reason).inc() },
              typeof instance === 'string' ? instance.slice(0, 64) : undefined,
            );
            metrics.batches.labels(result.inserted > 0 ? 'applied' : 'duplicate').inc();
            metrics.movements.inc(result.inserted);
            if (result.changed) notifier.notify(store.tenantId);
            return { appliedSeq: result.appliedSeq };
          } catch (err) {
            metrics.batches
              .labels(err instanceof HttpProblem ? String(err.extra.code ?? err.status) : 'error')
              .inc();
            throw err;
          }
        },
      );

      api.get(
        '/stores/:storeId/changes',
        {
          schema: {
            summary: 'Change feed for that store (long poll)',
            security: bearer,
            params: Type.Object({ storeId: Id }),
            querystring: Type.Object({
              after: Type.Integer({ minimum: 0, default: 0 }),
              waitSeconds: Type.Integer({ minimum: 0, maximum: MAX_WAIT_SECONDS, default: 0 }),
              limit: Type.Integer({ minimum: 1, maximum: 1000, default: 500 }),
            }),
            response: { 200: ChangeFeedSchema, ...errorResponses },
          },
        },
        async (request, reply) => {
          const store = requireStore(await principal(request), request.params.storeId);
          const gone = new AbortController();
          reply.raw.once('close', () => gone.abort());
          return readChanges(pool, notifier, store.tenantId, store.storeId, {
            after: request.query.after,
            waitSeconds: request.query.waitSeconds,
            limit: request.query.limit,
            signal: AbortSignal.any([gone.signal, closing.signal]),
          });
        },
      );

      api.get(
        '/stores/:storeId/movements',
        {
          schema: {
            summary: "The store's replicated movements (admin or that store)",
            security: bearer,
            params: Type.Object({ storeId: Id }),
            querystring: Type.Object({
              afterSeq: Type.Integer({ minimum: 0, default: 0 }),
              limit: Type.Integer({ minimum: 1, maximum: 5000, default: 1000 }),
            }),
            response: { 200: MovementsPageSchema, ...errorResponses },
          },
        },
        async (request) => {
          const p = await principal(request);
          requireAdminOrStore(p, request.params.storeId);
          // An edge pulling its history back takes the store's agent lease too: a second
          // installation must not adopt the first one's ledger.
          const instance = request.headers[AGENT_INSTANCE_HEADER];
          if (p.kind === 'store' && typeof instance === 'string') {
            await claimAgentLease(pool, request.params.storeId, instance.slice(0, 64));
          }
          return movementsPage(
            pool,
            request.params.storeId,
            p.kind === 'store' ? p.tenantId : null,
            request.query.afterSeq,
            request.query.limit,
          );
        },
      );

      api.get(
        '/stock',
        {
          schema: {
            summary: 'Stock of one sku in every store (admin)',
            security: bearer,
            querystring: Type.Object({ sku: Type.String({ minLength: 1 }), tenantId: Type.Optional(Id) }),
            response: {
              200: Type.Object({
                sku: Type.String(),
                stores: Type.Array(
                  Type.Object({
                    tenantId: Type.String(),
                    storeId: Type.String(),
                    sku: Type.String(),
                    location: Type.String(),
                    onHand: Type.Integer(),
                    reserved: Type.Integer(),
                    available: Type.Integer(),
                  }),
                ),
              }),
              ...errorResponses,
            },
          },
        },
        async (request) => {
          requireAdmin(await principal(request));
          return {
            sku: request.query.sku,
            stores: await stockBySku(pool, request.query.sku, request.query.tenantId),
          };
        },
      );

      api.post(
        '/reservations',
        {
          schema: {
            summary: 'Ask a store to reserve stock (admin); the store accepts or rejects',
            security: bearer,
            body: Type.Object({
              storeId: Id,
              sku: Type.String({ minLength: 1, maxLength: 128 }),
              qty: Type.Integer({ minimum: 1 }),
              ref: Type.String({ minLength: 1, maxLength: 128 }),
            }),
            response: { 201: ReservationSchema, ...errorResponses },
          },
        },
        async (request, reply) => {
          requireAdmin(await principal(request));
          const { tenantId, ...res } = await createReservation(pool, request.body);
          notifier.notify(tenantId);
          return reply.code(201).send(res);
        },
      );

      api.get(
        '/reservations/:id',
        {
          schema: {
            summary: 'A reservation and its status (admin)',
            security: bearer,
            params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
            response: { 200: ReservationSchema, ...errorResponses },
          },
        },
        async (request) => {
          requireAdmin(await principal(request));
          return getReservation(pool, request.params.id);
        },
      );

      api.post(
        '/webhooks',
        {
          schema: {
            summary: 'Subscribe a URL to events (admin); deliveries are signed with HMAC-SHA256',
            security: bearer,
            body: Type.Object({
              url: Type.String({ format: 'uri', pattern: '^https?://' }),
              secret: Type.String({ minLength: 16, maxLength: 255 }),
              events: Type.Array(Type.Enum([...WEBHOOK_EVENTS], { type: 'string' }), { minItems: 1 }),
              tenantId: Type.Optional(Id),
            }),
            response: { 201: Type.Object({ id: Type.String() }), ...errorResponses },
          },
        },
        async (request, reply) => {
          requireAdmin(await principal(request));
          return reply.code(201).send(await createWebhook(pool, request.body));
        },
      );
    },
    { prefix: '/v1' },
  );

  return app;
}

export type CloudApp = Awaited<ReturnType<typeof buildApp>>;
