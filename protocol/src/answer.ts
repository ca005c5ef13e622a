import Value from 'typebox/value';
import { PROBLEM_CODES, ProblemSchema, ReplicationAckSchema } from './replication.js';

/** What the edge's shipper should do with the cloud's answer to one batch. */
export type BatchOutcome =
  /** Drop outbox rows at or below `appliedSeq`, send the next batch. */
  | { kind: 'applied'; appliedSeq: number }
  /** Resend starting at `expectedSeq`. */
  | { kind: 'gap'; expectedSeq: number }
  /** This edge reused seqs (restored database): stop pushing, pull back, renumber after `appliedSeq`. */
  | { kind: 'sequence-reuse'; seq: number; appliedSeq: number; detail: string }
  /** A movement id already replicated under another seq: an edge bug; stop and report. */
  | { kind: 'movement-id-conflict'; seq: number; detail: string }
  /** Another agent installation pushes for this store with the same credential. */
  | { kind: 'another-agent'; detail: string }
  /** Split the batch. */
  | { kind: 'too-large'; detail: string }
  /** Credential problem (401 unknown/revoked token, 403 another store's token): needs an operator. */
  | { kind: 'auth'; status: 401 | 403; detail: string }
  /** Anything else (5xx, 400, unparsable): keep the outbox, retry later with backoff. */
  | { kind: 'retry'; status: number; detail: string };

/** Classifies `POST /v1/stores/{storeId}/replication/batches` answers (status + parsed JSON body). */
export function classifyBatchAnswer(status: number, body: unknown): BatchOutcome {
  if (status === 200 && Value.Check(ReplicationAckSchema, body))
    return { kind: 'applied', appliedSeq: body.appliedSeq };
  if (!Value.Check(ProblemSchema, body))
    return { kind: 'retry', status, detail: `unexpected answer (HTTP ${status})` };
  const { code, detail } = body;
  if (status === 409 && code === PROBLEM_CODES.sequenceGap && body.expectedSeq !== undefined) {
    return { kind: 'gap', expectedSeq: body.expectedSeq };
  }
  if (status === 409 && code === PROBLEM_CODES.sequenceReuse) {
    return { kind: 'sequence-reuse', seq: body.seq ?? 0, appliedSeq: body.appliedSeq ?? 0, detail };
  }
  if (status === 409 && code === PROBLEM_CODES.movementIdConflict) {
    return { kind: 'movement-id-conflict', seq: body.seq ?? 0, detail };
  }
  if (status === 409 && code === PROBLEM_CODES.anotherAgent) return { kind: 'another-agent', detail };
  if (status === 413) return { kind: 'too-large', detail };
  if (status === 401 || status === 403) return { kind: 'auth', status, detail };
  return { kind: 'retry', status, detail };
}
