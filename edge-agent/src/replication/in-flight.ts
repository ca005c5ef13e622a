// The shipper's batching and in-flight window: reading the next batch, and recording acknowledgements.
import { classifyBatchAnswer } from '@store-edge/protocol';
import type { AgentParts } from '../agent.js';
import { ledgerRecords, pendingRecords } from '../ledger/outbox.js';
import type { ReplicaWriter } from '../ledger/replica.js';
import type { CloudAnswer } from './cloud-client.js';

/**
 * Batches in flight at once. With one, the edge (read, send), the cloud (parse, check) and the
 * database (apply) work in turn; with several, the next batches are read, sent and parsed while
 * the cloud applies one (docs/scale.md "Catch-up").
 */
export const PIPELINE_DEPTH = 6;

export interface InFlight {
  first: number;
  last: number;
  answer: Promise<CloudAnswer>;
  /** What the cloud was known to hold when this batch left: a gap below it is lost data. */
  known: number;
}

/** Where the next batch comes from and where it must stop. */
export interface BatchLimits {
  /** When the cloud lost data that only the ledger still holds, records come from there. */
  resendFrom: number | null;
  batchSize: number;
  maxBatchBytes: number;
  /** The first seq not to send (a record the cloud refuses for good). */
  stopAt: number;
  /** The most records in the batch (1 while isolating a refused record). */
  most: number;
}

/** Serialized records to send next: outbox payloads, or the ledger itself when resending. */
export function nextRecords(
  db: AgentParts['db'],
  after: number,
  limits: BatchLimits,
): { records: string[]; last: number } {
  const out: string[] = [];
  let bytes = 0;
  let last = after;
  const rows =
    limits.resendFrom !== null
      ? ledgerRecords(db, limits.resendFrom, limits.batchSize)
      : pendingRecords(db, after, limits.batchSize);
  for (const r of rows) {
    if (r.seq >= limits.stopAt || out.length >= limits.most) break;
    if (out.length > 0 && bytes + r.payload.length > limits.maxBatchBytes) break;
    out.push(r.payload);
    bytes += r.payload.length;
    last = r.seq;
  }
  return { records: out, last };
}

/** Records in the ledger what the cloud acknowledged, one write at a time, folding later answers in. */
export class Acks {
  /** The highest seq the cloud said it holds, maybe not yet recorded in the ledger. */
  cloudApplied = 0;
  /** The ack being written (at most one; later answers fold into the next). */
  private acking: Promise<void> | null = null;

  constructor(
    private readonly parts: AgentParts,
    private readonly writer: ReplicaWriter,
    /** Told after each recorded ack (catch-up progress). */
    private readonly onRecorded: (ackedSeq: number, pending: number) => void,
  ) {}

  /** Records that the cloud holds everything up to `seq`; folds into an ack being written. */
  ack(seq: number): void {
    this.cloudApplied = Math.max(this.cloudApplied, seq);
    this.acking ??= this.writeAcks().finally(() => {
      this.acking = null;
    });
  }

  private async writeAcks(): Promise<void> {
    let written = 0;
    while (written < this.cloudApplied) {
      try {
        const r = await this.writer.call<{ ackedSeq: number; pending: number }>('ack', this.cloudApplied);
        written = r.ackedSeq;
        this.parts.metrics.outboxPending.set(r.pending);
        this.onRecorded(r.ackedSeq, r.pending);
      } catch (err) {
        // The ledger is shutting down: the cloud will skip these records when they come again.
        this.parts.log.warn({ err }, 'could not record an acknowledgement');
        return;
      }
    }
  }

  /** Waits until every answer so far is recorded in the ledger. */
  async written(): Promise<void> {
    while (this.acking) await this.acking;
  }

  /** Waits for every batch still in flight, keeping what their answers say the cloud holds. */
  async drain(inflight: InFlight[]): Promise<void> {
    const answers = await Promise.allSettled(inflight.map((f) => f.answer));
    const batches = inflight.splice(0);
    answers.forEach((a, i) => {
      if (a.status !== 'fulfilled') return;
      const outcome = classifyBatchAnswer(a.value.status, a.value.body);
      // Beyond its own batch an answer is not taken on trust here (see 'applied' in Shipper.run()):
      // those records are sent again and the cloud skips them.
      const batch = batches[i];
      if (outcome.kind === 'applied' && batch) this.ack(Math.min(outcome.appliedSeq, batch.last));
    });
  }
}
