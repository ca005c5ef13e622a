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
  /**
   * The cloud refuses the batch for good (400 validation, or another 4xx that is not one of the
   * answers above): resending it changes nothing. `index` is the refused record's place in the
   * batch when the answer names it (`errors[].path` `/records/3/...`); otherwise the shipper
   * sends the records one by one to find it. The shipper stops before that record and raises an
   * alarm naming it; an operator repairs it (docs/operations.md).
   */
  | { kind: 'refused'; status: number; detail: string; index: number | null }
  /** Transient (5xx, 408, 425, 429, unparsable answers): keep the outbox, retry later with backoff. */
  | { kind: 'retry'; status: number; detail: string };

/**
 * Answers that judge the records themselves (RFC 9110 §15.5.1 400, RFC 4918 §11.2 422): only
 * these can mean "this record, never". Any other 4xx (404 for a deleted store or a wrong cloud
 * URL, 405 from a proxy, 408/425/429 "not now") is about the request or the deployment: blaming
 * a record would lead an operator to withdraw a good movement, so those are retried with an alarm.
 */
const RECORD_REFUSALS = new Set([400, 422]);

function refusedIndex(errors: Array<{ path: string }> | undefined): number | null {
  let first: number | null = null;
  for (const e of errors ?? []) {
    const m = /^\/records\/(\d+)(?:\/|$)/.exec(e.path);
    if (m) first = Math.min(first ?? Number.POSITIVE_INFINITY, Number(m[1]));
  }
  return first;
}

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
  if (RECORD_REFUSALS.has(status)) {
    const errors = body.errors;
    const named = errors?.length
      ? `${detail}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`
      : detail;
    return { kind: 'refused', status, detail: named, index: refusedIndex(errors) };
  }
  return { kind: 'retry', status, detail };
}
