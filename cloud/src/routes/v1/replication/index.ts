// Replication: a store's batches in (exactly once), its movements back out (audits, edge restore).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AGENT_INSTANCE_HEADER,
  MAX_BATCH_RECORDS,
  MovementsPageSchema,
  PROBLEM_CODES,
  ReplicationAckSchema,
  ReplicationBatchSchema,
} from '@store-edge/protocol';
import { Type } from 'typebox';
import { allow } from '../../../access.js';
import { movementsPage } from '../../../admin.js';
import { requireStore } from '../../../auth.js';
import { claimAgentLease, ingestBatch } from '../../../ingest/index.js';
import { HttpProblem } from '../../../problem.js';
import { bearer, EVERY_V1_ROUTE, Id, problems } from '../schemas.js';

export interface ReplicationRoutesOptions {
  /**
   * Replication batches this process works on at once; more are answered 503 with Retry-After
   * at once, before their bodies are read.
   */
  maxIngestInFlight: number;
}

const anotherAgent =
  '`code: another-agent`: another agent installation pushes for this store with the same credential';

const plugin: FastifyPluginAsyncTypebox<ReplicationRoutesOptions> = async (fastify, opts) => {
  const { pool, metrics, notifier } = fastify;
  const { maxIngestInFlight } = opts;
  let ingestInFlight = 0;
  const tenantInFlight = new Map<string, number>();
  const perTenantInFlight = Math.max(1, Math.ceil(maxIngestInFlight / 2));

  fastify.post(
    '/stores/:storeId/replication/batches',
    {
      schema: {
        summary: 'Replication ingest (that store): exactly-once apply of a batch',
        description:
          'Gap: 409 code sequence-gap with expectedSeq. A seq already applied with another movement id: ' +
          `409 code sequence-reuse. More than ${MAX_BATCH_RECORDS} records: 413. Accepts Content-Encoding: gzip.`,
        tags: ['replication'],
        security: bearer,
        params: Type.Object({ storeId: Id }),
        body: ReplicationBatchSchema,
        response: {
          200: ReplicationAckSchema,
          ...problems([...EVERY_V1_ROUTE, 404, 409, 413, 503], {
            400: 'invalid batch: `errors[].path` names the record (`/records/3/movement/qty`)',
            404: 'the store does not exist',
            409:
              '`code: sequence-gap` (resend from `expectedSeq`), `sequence-reuse` (`seq`, `appliedSeq`), ' +
              `\`movement-id-conflict\` (\`seq\`), or ${anotherAgent}`,
            413: `\`code: batch-too-large\`: more than ${MAX_BATCH_RECORDS} records, or the body is too large`,
            503: "`code: busy`: this replica is applying as many batches as it takes (or this tenant's half of them); send again after Retry-After",
          }),
        },
      },
      // Load shedding: when a whole region comes back from a WAN outage, a thousand stores
      // push their backlog at once. Queued behind the MySQL pool, their requests would wait
      // past the stores' 30 s timeout, be sent again and be worked on twice; answered 503 at
      // once (before the body is read and decompressed), the stores back off with jitter and
      // the batches being worked on finish in time (RFC 9110 §15.6.4, Retry-After §10.2.3).
      //
      // Fairness between tenants (issue 17): while another tenant has batches in flight, a
      // tenant holding half of the slots gets no more, so the others' batches keep finding
      // slots as they free up. Alone, a tenant may use them all (nothing idles for nobody).
      onRequest: async (request, reply) => {
        const p = await fastify.authenticate(request);
        const tenant = p.kind === 'store' ? p.tenantId : null;
        const held = tenant ? (tenantInFlight.get(tenant) ?? 0) : 0;
        const othersBusy = tenantInFlight.size > (held > 0 ? 1 : 0);
        if (ingestInFlight >= maxIngestInFlight || (tenant && othersBusy && held >= perTenantInFlight)) {
          metrics.batches.labels('shed').inc();
          reply.header('retry-after', '1');
          throw new HttpProblem(
            503,
            'Service Unavailable',
            ingestInFlight >= maxIngestInFlight
              ? `this cloud replica is applying ${ingestInFlight} batches; send this one again after a short backoff`
              : `this cloud replica is applying ${held} batches of this tenant, its share; send this one again after a short backoff`,
            { code: 'busy' },
          );
        }
        ingestInFlight++;
        if (tenant) tenantInFlight.set(tenant, held + 1);
        let released = false;
        reply.raw.once('close', () => {
          if (!released) {
            released = true;
            ingestInFlight--;
            if (tenant) {
              // Entries live only while a tenant has batches in flight: the map is bounded by
              // maxIngestInFlight.
              const left = (tenantInFlight.get(tenant) ?? 1) - 1;
              if (left > 0) tenantInFlight.set(tenant, left);
              else tenantInFlight.delete(tenant);
            }
          }
        });
      },
      // Authenticate and check the size before validating up to a thousand records.
      preValidation: async (request) => {
        const { storeId } = request.params as { storeId: string };
        allow(await fastify.authenticate(request), 'POST /v1/stores/:storeId/replication/batches', storeId);
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
      const store = requireStore(await fastify.authenticate(request), request.params.storeId);
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

  fastify.get(
    '/stores/:storeId/movements',
    {
      schema: {
        summary: "The store's replicated movements (any tenant role within its stores, admin, or that store)",
        tags: ['replication'],
        security: bearer,
        params: Type.Object({ storeId: Id }),
        querystring: Type.Object({
          afterSeq: Type.Integer({ minimum: 0, default: 0 }),
          limit: Type.Integer({ minimum: 1, maximum: 5000, default: 1000 }),
        }),
        response: {
          200: MovementsPageSchema,
          ...problems([...EVERY_V1_ROUTE, 404, 409], { 404: 'the store does not exist', 409: anotherAgent }),
        },
      },
    },
    async (request) => {
      const p = await fastify.authenticate(request);
      const scope = allow(p, 'GET /v1/stores/:storeId/movements', request.params.storeId);
      // An edge pulling its history back takes the store's agent lease too: a second
      // installation must not adopt the first one's ledger.
      const instance = request.headers[AGENT_INSTANCE_HEADER];
      if (p.kind === 'store' && typeof instance === 'string') {
        await claimAgentLease(pool, request.params.storeId, instance.slice(0, 64));
      }
      return movementsPage(pool, request.params.storeId, scope, request.query.afterSeq, request.query.limit);
    },
  );
};

export default plugin;
