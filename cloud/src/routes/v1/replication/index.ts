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
import { type AdmissionOptions, AdmissionRefused, IngestAdmission, type Release } from './admission.js';

export interface ReplicationRoutesOptions {
  /** Replication batches worked on at once, and how many may wait how long for a slot. */
  admission: AdmissionOptions;
}

function busyDetail(err: AdmissionRefused): string {
  switch (err.reason) {
    case 'full':
      return `this cloud replica is applying ${err.held} batches and as many wait; send this one again after a short backoff`;
    case 'tenant-share':
      return `this cloud replica is applying ${err.held} batches of this tenant, its share, and its share of the wait line is full; send this one again after a short backoff`;
    case 'waited-too-long':
      return `this batch waited for one of this cloud replica's ${err.held} busy ingest slots too long; send it again after a short backoff`;
  }
}

const anotherAgent =
  '`code: another-agent`: another agent installation pushes for this store with the same credential';

const plugin: FastifyPluginAsyncTypebox<ReplicationRoutesOptions> = async (fastify, opts) => {
  const { pool, metrics, notifier } = fastify;
  const admission = new IngestAdmission(opts.admission);

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
      // push their backlog at once. Queued without bound behind the MySQL pool, their requests
      // would wait past the stores' 30 s timeout, be sent again and be worked on twice. So a
      // bounded number is worked on, a bounded line waits a few seconds at most for a slot
      // (bodies not yet read), and the rest are answered 503 at once; the stores wait
      // Retry-After and come back (RFC 9110 §15.6.4, Retry-After §10.2.3). Tenants share
      // slots and line fairly (issue 17): admission.ts.
      onRequest: async (request, reply) => {
        const p = await fastify.authenticate(request);
        const gone = new AbortController();
        const onClose = () => gone.abort();
        reply.raw.once('close', onClose);
        const since = performance.now();
        let release: Release;
        try {
          release = await admission.enter(p.kind === 'store' ? p.tenantId : null, gone.signal);
        } catch (err) {
          if (!(err instanceof AdmissionRefused)) throw err;
          metrics.batches.labels('shed').inc();
          reply.header('retry-after', String(err.retryAfterSeconds));
          throw new HttpProblem(503, 'Service Unavailable', busyDetail(err), { code: 'busy' });
        } finally {
          reply.raw.off('close', onClose);
        }
        metrics.admissionWait.observe((performance.now() - since) / 1000);
        if (reply.raw.destroyed) release();
        else reply.raw.once('close', release);
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
