import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyRequest, LogController } from 'fastify';
import type { Logger } from 'pino';
import { createAuthenticator, type Principal } from './auth.js';
import { ChangeNotifier } from './changes.js';
import { type ConsoleSettings, registerConsole } from './console/index.js';
import type { Pool } from './db.js';
import type { Metrics } from './metrics.js';
import { createOidcVerifier, type OidcSettings, type OidcVerifier } from './oidc.js';
import { installGzipBodies } from './plugins/gzip-bodies.js';
import { installOpenApi } from './plugins/openapi.js';
import { installProblemHandler } from './problem.js';
import opsRoutes from './routes/ops.js';
import v1Routes from './routes/v1/index.js';
import type { ReplenishmentRoutesOptions } from './routes/v1/replenishment/index.js';
import { type IngestAdmissionSettings, ingestAdmissionOf } from './routes/v1/replication/admission.js';
import { CloudProblemSchema } from './routes/v1/schemas.js';

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
   * Replication batches this process works on at once (default 40: twice the default MySQL
   * pool), how many more may wait for a slot (default 4 × that) and how long (default 5 s);
   * beyond that they are answered 503 with Retry-After (routes/v1/replication/admission.ts).
   */
  ingestAdmission?: Partial<IngestAdmissionSettings>;
  /** Serve the head-office console at `/` with these sign-in settings (left out: API only). */
  console?: ConsoleSettings;
  /** The clock of the fleet's online/offline decisions (tests set it; default the system clock). */
  clock?: () => Date;
  /** A store silent longer than this is offline (default 90). */
  offlineAfterSeconds?: number;
  /** Replenishment runs: the staleness limit and the clock (routes/v1/replenishment). */
  replenishment?: ReplenishmentRoutesOptions;
  /** Bearer JWTs from this OpenID issuer (settings, or a verifier built already); none: admin and store tokens only. */
  oidc?: OidcSettings | OidcVerifier | null;
  /** Requests per second per store credential and per tenant, per replica (0 or unset: no limit). */
  rateLimits?: { perStore?: number; perTenant?: number };
}

/** What every route plugin finds on its instance (decorated once on the root). */
declare module 'fastify' {
  interface FastifyInstance {
    pool: Pool;
    metrics: Metrics;
    /** Wakes this replica's long polls when it commits a change for a tenant. */
    notifier: ChangeNotifier;
    /** Aborted when the app closes, so long polls answer at once instead of holding shutdown. */
    closing: AbortSignal;
    /** The OpenID settings (issuer, audience, console client id, claim names), null without OIDC. */
    oidcSettings: OidcSettings | null;
    /** The caller named by the bearer token; looked up once per request (401 without one). */
    authenticate(request: FastifyRequest): Promise<Principal>;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

/**
 * The cloud's HTTP app: shared decorations and hooks on the root instance, then the route
 * plugins: ops (`/healthz`, `/readyz`, `/metrics`) at the root, the API under `/v1`
 * (routes/v1/<group>/index.ts), and the OpenAPI document at `/docs`.
 */
export async function buildApp(opts: AppOptions) {
  const { pool, metrics } = opts;
  const oidc = opts.oidc ? ('verify' in opts.oidc ? opts.oidc : createOidcVerifier(opts.oidc)) : undefined;
  const auth = createAuthenticator(pool, opts.adminToken, { oidc });
  const closing = new AbortController();

  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    bodyLimit: opts.bodyLimit ?? 8 * 1024 * 1024,
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('pool', pool);
  app.decorate('metrics', metrics);
  app.decorate('notifier', opts.notifier ?? new ChangeNotifier(pool, opts.feedPollIntervalMs ?? 1000));
  app.decorate('closing', closing.signal);
  app.decorate('oidcSettings', oidc?.settings ?? null);
  app.decorate('authenticate', async (request: FastifyRequest) => {
    request.principal ??= await auth.authenticate(request);
    return request.principal;
  });
  app.decorateRequest('principal', undefined);

  app.addSchema(CloudProblemSchema);
  installProblemHandler(app);
  installGzipBodies(app);
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration
      .labels(request.method, request.routeOptions.url ?? 'unknown', String(reply.statusCode))
      .observe(reply.elapsedTime / 1000);
  });
  app.addHook('preClose', async () => closing.abort());

  await installOpenApi(app);
  await app.register(opsRoutes);
  await app.register(v1Routes, {
    prefix: '/v1',
    admission: ingestAdmissionOf(opts.ingestAdmission),
    fleetClock: {
      now: opts.clock ?? (() => new Date()),
      offlineAfterSeconds: opts.offlineAfterSeconds ?? 90,
    },
    ...(opts.replenishment ? { replenishment: opts.replenishment } : {}),
    rateLimits: opts.rateLimits ?? {},
  });
  if (opts.console) await registerConsole(app, opts.console);
  return app;
}

export type { OidcSettings } from './oidc.js';
export type CloudApp = Awaited<ReturnType<typeof buildApp>>;
