import { type Static, Type } from 'typebox';
import { MovementSchema } from './movement.js';

/**
 * Replication edge → cloud (ARCHITECTURE.md "Replication contract").
 *
 * `POST /v1/stores/{storeId}/replication/batches` with `Authorization: Bearer <store token>`.
 * Records carry the store's gapless `seq` (1, 2, 3, ...) in ascending, consecutive order.
 * The body may be sent with `Content-Encoding: gzip`.
 *
 * Answers:
 * - 200 `{appliedSeq}`: everything up to `appliedSeq` is durably applied; the edge may drop its
 *   outbox rows at or below it. Records at or below the previous mark are skipped (duplicates).
 * - 409 `code: "sequence-gap"` with `expectedSeq`: the first record is beyond the mark + 1;
 *   resend from `expectedSeq`.
 * - 409 `code: "sequence-reuse"` with `seq`: a record at or below the mark carries a different
 *   movement id than the one stored at that seq: this edge reused sequence numbers (database
 *   restored or replaced). Pull back `GET /v1/stores/{storeId}/movements?afterSeq=` and continue
 *   after the cloud's mark; never resend those seqs.
 * - 409 `code: "movement-id-conflict"` with `seq`: a new seq carries a movement id the store
 *   already replicated under another seq.
 * - 413 `code: "batch-too-large"`: more than `MAX_BATCH_RECORDS` records or body too large.
 * - 401 unknown or revoked token; 403 the token belongs to another store.
 */
export const MAX_BATCH_RECORDS = 1000;

export const ReplicationRecordSchema = Type.Object(
  {
    seq: Type.Integer({ minimum: 1, description: "The store's gapless sequence number" }),
    movement: MovementSchema,
  },
  { additionalProperties: false },
);
export type ReplicationRecord = Static<typeof ReplicationRecordSchema>;

export const ReplicationBatchSchema = Type.Object(
  {
    records: Type.Array(ReplicationRecordSchema, {
      minItems: 1,
      description: `1..${MAX_BATCH_RECORDS} records, consecutive ascending seq`,
    }),
  },
  { additionalProperties: false },
);
export type ReplicationBatch = Static<typeof ReplicationBatchSchema>;

export const ReplicationAckSchema = Type.Object({
  appliedSeq: Type.Integer({ minimum: 0, description: "The store's high-water mark after this batch" }),
});
export type ReplicationAck = Static<typeof ReplicationAckSchema>;

/** Machine-readable `code` values of problem answers (RFC 9457 extension member). */
export const PROBLEM_CODES = {
  sequenceGap: 'sequence-gap',
  sequenceReuse: 'sequence-reuse',
  movementIdConflict: 'movement-id-conflict',
  batchTooLarge: 'batch-too-large',
  validation: 'validation',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  notFound: 'not-found',
  conflict: 'conflict',
  anotherAgent: 'another-agent',
  gtinConflict: 'gtin-conflict',
} as const;

/**
 * Header naming the edge agent installation (a random id kept in its data dir, not in the
 * ledger, so a restored backup still counts as the same installation). While one installation
 * pushes for a store, another one with the same credential is refused with 409 `another-agent`
 * until the first has been silent for `AGENT_LEASE_SECONDS`.
 */
export const AGENT_INSTANCE_HEADER = 'x-store-edge-instance';
export const AGENT_LEASE_SECONDS = 60;
export type ProblemCode = (typeof PROBLEM_CODES)[keyof typeof PROBLEM_CODES];

/** RFC 9457 problem details, as every cloud error is answered (`application/problem+json`). */
export const ProblemSchema = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  code: Type.Optional(Type.String()),
  errors: Type.Optional(
    Type.Array(Type.Object({ path: Type.String({ description: 'JSON pointer' }), message: Type.String() })),
  ),
  expectedSeq: Type.Optional(Type.Integer()),
  seq: Type.Optional(Type.Integer()),
  appliedSeq: Type.Optional(Type.Integer()),
  /** 409 `gtin-conflict`: the sku that holds the GTIN. */
  sku: Type.Optional(Type.String()),
});
export type Problem = Static<typeof ProblemSchema>;

/** 409 `sequence-gap`. */
export interface SequenceGapProblem extends Problem {
  code: 'sequence-gap';
  expectedSeq: number;
}
/** 409 `sequence-reuse`: `seq` is the first reused seq, `appliedSeq` the cloud's mark. */
export interface SequenceReuseProblem extends Problem {
  code: 'sequence-reuse';
  seq: number;
  appliedSeq: number;
}

/** Movements pull-back page: `GET /v1/stores/{storeId}/movements?afterSeq=&limit=`. */
export const StoredMovementSchema = Type.Object({
  seq: Type.Integer({ minimum: 1 }),
  movement: MovementSchema,
});
export type StoredMovement = Static<typeof StoredMovementSchema>;

export const MovementsPageSchema = Type.Object({
  movements: Type.Array(StoredMovementSchema),
  /** Pass as `afterSeq` for the next page; equals the request's `afterSeq` when the page is empty. */
  nextAfterSeq: Type.Integer({ minimum: 0 }),
  /** The store's applied high-water mark in the cloud. */
  appliedSeq: Type.Integer({ minimum: 0 }),
});
export type MovementsPage = Static<typeof MovementsPageSchema>;
