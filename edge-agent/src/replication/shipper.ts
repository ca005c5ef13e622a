// The replication shipper: the loop that sends the outbox to the cloud and acts on each answer.
import { AGENT_LEASE_SECONDS, Backoff, canonicalId, classifyBatchAnswer } from '@store-edge/protocol';
import type { AgentParts, Component } from '../agent.js';
import type { ReplicaWriter } from '../ledger/replica.js';
import { AnotherAgentError, type CloudAnswer, type CloudClient, CloudUnreachable } from './cloud-client.js';
import { Acks, type InFlight, nextRecords, PIPELINE_DEPTH } from './in-flight.js';
import { failed, type PacingParts, paced, sleep } from './pacing.js';
import { REFUSED_RECHECK_MS, refusalError, refusedRecord } from './refusals.js';
import type { VoidAnswer } from './repair.js';
import { restoreFromCloud } from './restore.js';
import { ShipperReport, type ShipperStatus } from './shipper-status.js';

export type { RefusedRecord, ShipperStatus } from './shipper-status.js';

/**
 * Pushes the outbox to the cloud in seq order (ARCHITECTURE.md "Replication contract") and
 * prunes what the cloud acknowledged. Every answer is handled: a gap resends from what the
 * cloud expects, a reused sequence pulls the cloud's history back, credentials refused stop
 * shipping loudly; anything else retries with capped exponential backoff and jitter.
 */
export class Shipper implements Component {
  readonly name = 'replication-shipper';
  private abort = new AbortController();
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private batchSize: number;
  /** Full jitter from 250 ms, doubling to replication.maxBackoffMs (protocol/src/retry.ts). */
  private readonly backoff: Backoff;
  /** When the cloud lost data that only the ledger still holds, records come from there. */
  private resendFrom: number | null = null;
  /** The acknowledgements being recorded in the ledger (and the highest the cloud gave). */
  private readonly acks: Acks;
  private readonly report: ShipperReport;
  private readonly pacing: PacingParts;
  /** The highest seq sent in this run: an acknowledgement above it is a protocol error. */
  private highestSent = 0;
  /** Shipping stops before this record, which the cloud refuses for good, until `retryAt`. */
  private refused: { seq: number; retryAt: number } | null = null;
  /** After a refusal that names no record: send one record at a time up to this seq to find it. */
  private isolateUpTo: number | null = null;
  readonly status: ShipperStatus;

  constructor(
    private readonly parts: AgentParts,
    private readonly writer: ReplicaWriter,
    private readonly cloud: CloudClient,
  ) {
    this.batchSize = parts.settings.replication.batchSize;
    this.backoff = new Backoff({ baseMs: 250, capMs: parts.settings.replication.maxBackoffMs });
    this.report = new ShipperReport(parts);
    this.status = this.report.status;
    this.acks = new Acks(parts, writer, (acked, pending) => this.report.progress(acked, pending));
    this.pacing = { parts, writer, cloud, report: this.report, backoff: this.backoff };
  }

  async start(): Promise<void> {
    this.abort = new AbortController();
    this.parts.events.on('committed', this.onCommitted, this);
    this.loop = this.run().catch((err: unknown) => {
      this.parts.log.error({ err }, 'replication stopped by an unexpected error');
      this.status.state = 'stopped';
      this.status.lastError = (err as Error).message;
    });
  }

  async stop(): Promise<void> {
    this.parts.events.removeListeners(this);
    this.abort.abort();
    this.wake?.();
    await this.loop;
    await this.acks.written();
  }

  private readonly onCommitted = () => {
    this.wake?.();
  };

  private ackedSeq(): number {
    return (
      this.parts.db.prepare('SELECT acked_seq FROM replication_state WHERE id = 1').get() as {
        acked_seq: number;
      }
    ).acked_seq;
  }

  private async waitForWork(ms: number): Promise<void> {
    const signal = this.abort.signal;
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
      this.wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
    this.wake = null;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let checkedBehind = false;
    const inflight: InFlight[] = [];
    while (!signal.aborted) {
      try {
        // (A restore that failed midway, the cloud gone, is continued before anything is sent.)
        if (!checkedBehind || this.writer.restoring) {
          await this.checkBehindCloud();
          checkedBehind = true;
        }
        // Answers recorded or not yet: an ack still being written must not send its records again.
        const acked = Math.max(this.ackedSeq(), this.acks.cloudApplied);
        // Keep a few batches in flight: the cloud applies them in order (it locks the store's
        // row, and a batch that overtakes its predecessor waits for it: cloud/src/ingest/batch.ts),
        // and meanwhile the next one is read, sent and parsed. Any answer other than "applied" drains the
        // pipeline and continues from what the cloud acknowledged. Resending and isolating a
        // refused record go one batch at a time.
        if (this.isolateUpTo !== null && acked >= this.isolateUpTo) this.isolateUpTo = null;
        const depth = this.resendFrom === null && this.isolateUpTo === null ? PIPELINE_DEPTH : 1;
        let from = inflight.length > 0 ? (inflight[inflight.length - 1] as InFlight).last : acked;
        while (inflight.length < depth) {
          const next = nextRecords(this.parts.db, from, {
            resendFrom: this.resendFrom,
            batchSize: this.batchSize,
            maxBatchBytes: this.parts.settings.replication.maxBatchBytes,
            stopAt: this.refused?.seq ?? Number.POSITIVE_INFINITY,
            most: this.isolateUpTo !== null ? 1 : Number.POSITIVE_INFINITY,
          });
          if (next.records.length === 0) break;
          const answer = this.cloud.sendBatch(`{"records":[${next.records.join(',')}]}`);
          answer.catch(() => {});
          inflight.push({ first: from + 1, last: next.last, answer, known: acked });
          this.highestSent = Math.max(this.highestSent, next.last);
          from = next.last;
        }
        const head = inflight.shift();
        if (!head && this.refused) {
          // Everything before the refused record is sent; wait for its repair (voidRecord wakes
          // the loop), and offer it to the cloud again now and then.
          if (Date.now() >= this.refused.retryAt) {
            this.refused = null;
            continue;
          }
          this.status.state = 'refused';
          this.report.emit();
          await this.waitForWork(Math.min(5000, this.refused.retryAt - Date.now()));
          continue;
        }
        if (!head) {
          this.status.state = 'idle';
          this.report.endCatchUp();
          this.report.emit();
          await this.waitForWork(5000);
          continue;
        }
        this.status.state = 'shipping';
        let answer: CloudAnswer;
        try {
          answer = await head.answer;
        } catch (err) {
          await this.acks.drain(inflight);
          throw err;
        }
        this.status.online = true;
        const outcome = classifyBatchAnswer(answer.status, answer.body);
        if (outcome.kind !== 'applied') {
          await this.acks.drain(inflight);
          await this.acks.written();
        }
        switch (outcome.kind) {
          case 'applied': {
            // An answer above this batch is only believed when the cloud holds that record (a
            // restarted edge resends what the cloud already has); anything else would delete
            // outbox rows the cloud never saw.
            if (outcome.appliedSeq > head.last && !(await this.cloudHolds(outcome.appliedSeq))) {
              await this.acks.drain(inflight);
              await this.protocolError(
                `the cloud answered appliedSeq ${outcome.appliedSeq} to a batch ending at seq ${head.last} (highest sent: ${this.highestSent}), and does not hold that record; nothing was pruned`,
                signal,
              );
              break;
            }
            // The ack is written while the next batches travel: it only prunes the outbox, and
            // if it is lost in a crash the cloud skips those records when they come again.
            this.acks.ack(outcome.appliedSeq);
            if (this.status.refused && outcome.appliedSeq >= this.status.refused.seq) this.clearRefused();
            if (this.resendFrom !== null && outcome.appliedSeq >= this.parts.ledger.lastSeq)
              this.resendFrom = null;
            else if (this.resendFrom !== null) this.resendFrom = outcome.appliedSeq + 1;
            this.backoff.reset();
            // Records before a refused one still ship; the refusal stays the last error.
            if (!this.status.refused) this.status.lastError = null;
            // A passing alarm (another agent) ends with a successful batch; a cloud that lost data
            // stays on the console until a person has seen it (it is also in the logs).
            if (this.status.alarm && !this.status.alarm.startsWith('the cloud')) this.status.alarm = null;
            break;
          }
          case 'gap': {
            const holds = outcome.expectedSeq - 1;
            if (holds > this.highestSent && !(await this.cloudHolds(holds))) {
              await this.protocolError(
                `the cloud answered expectedSeq ${outcome.expectedSeq}, beyond the highest seq sent (${this.highestSent}), and does not hold seq ${holds}; nothing was pruned`,
                signal,
              );
            } else if (holds >= head.known) {
              // Not a loss: the batch overtook one sent before it for longer than the cloud waits
              // (cloud/src/ingest/batch.ts), or the cloud applied more than we knew (we crashed before
              // recording its answer, or a batch timed out here after the cloud applied it). Continue after
              // what the cloud holds.
              if (holds > acked) this.acks.ack(holds);
              await this.acks.written();
            } else {
              // The cloud is missing movements it had acknowledged: it was restored from an old
              // backup. The ledger still holds them all; send them again and say so loudly.
              const have = this.parts.db
                .prepare('SELECT 1 FROM movements WHERE seq = ?')
                .get(outcome.expectedSeq);
              if (!have) {
                this.report.raiseAlarm(
                  `the cloud expects seq ${outcome.expectedSeq}, which this store no longer holds; the cloud lost data that cannot be sent again`,
                );
                await this.pause(signal, 60_000);
                break;
              }
              this.report.raiseAlarm(
                `the cloud lost movements from seq ${outcome.expectedSeq} on (restored from an old backup?); sending them again from the store's ledger`,
              );
              this.resendFrom = outcome.expectedSeq;
              this.acks.cloudApplied = outcome.expectedSeq - 1;
            }
            break;
          }
          case 'sequence-reuse':
            this.parts.log.warn(
              { detail: outcome.detail },
              'the cloud is ahead of this ledger: pulling back its history',
            );
            await this.adoptCloudHistory();
            break;
          case 'movement-id-conflict':
            this.report.raiseAlarm(`the cloud refused a movement: ${outcome.detail}`);
            this.status.state = 'stopped';
            return;
          case 'another-agent':
            // Two agents on one store credential would interleave two ledgers: wait until the
            // other one has gone quiet, and say why loudly meanwhile.
            this.report.raiseAlarm(outcome.detail);
            this.status.state = 'backoff';
            this.status.lastError = outcome.detail;
            await this.writer.call('setError', outcome.detail);
            await this.pause(signal, AGENT_LEASE_SECONDS * 1000);
            break;
          case 'too-large':
            this.batchSize = Math.max(1, Math.floor(this.batchSize / 2));
            break;
          case 'auth':
            this.status.state = 'stopped';
            this.status.lastError = `the cloud refused this store's credential (HTTP ${outcome.status}): ${outcome.detail}. Shipping stopped; set STORE_EDGE_CLOUD_TOKEN to this store's current token and restart.`;
            this.parts.log.error(this.status.lastError);
            await this.writer.call('setError', this.status.lastError);
            this.report.emit();
            return;
          case 'refused': {
            const seq =
              outcome.index !== null
                ? head.first + outcome.index
                : head.first === head.last
                  ? head.first
                  : null;
            if (seq === null || seq > head.last) {
              // The answer names no record: send them one at a time to find it.
              this.parts.log.warn(
                { from: head.first, to: head.last, status: outcome.status, detail: outcome.detail },
                'the cloud refused a batch without naming a record: sending its records one by one',
              );
              this.isolateUpTo = head.last;
              break;
            }
            this.refuse(seq, outcome.status, outcome.detail);
            await this.writer.call('setError', this.status.lastError).catch(() => {});
            break;
          }
          case 'retry':
            // 429 (the cloud's per-store or per-tenant request limit) and 503 (shedding) say
            // when to come back: wait that long, not a guessed backoff. The batches behind
            // this one were drained above, their answers kept; what the cloud did not take is
            // sent again from the acknowledged seq, and what it took twice it skips (paced
            // catch-up: never dropped, never applied twice).
            if (
              (outcome.status === 429 || outcome.status === 503) &&
              typeof answer.retryAfterMs === 'number'
            ) {
              await paced(this.pacing, outcome.status, answer.retryAfterMs, outcome.detail, signal);
              break;
            }
            await failed(this.pacing, `cloud answered HTTP ${outcome.status}: ${outcome.detail}`, signal);
            break;
        }
      } catch (err) {
        await this.acks.drain(inflight);
        await this.acks.written();
        if (signal.aborted) return;
        if (err instanceof AnotherAgentError) {
          this.report.raiseAlarm(err.message);
          this.status.state = 'backoff';
          this.status.lastError = err.message;
          await this.writer.call('setError', err.message).catch(() => {});
          await this.pause(signal, AGENT_LEASE_SECONDS * 1000);
          continue;
        }
        if (err instanceof CloudUnreachable) this.status.online = false;
        await failed(this.pacing, (err as Error).message, signal);
      }
    }
  }

  /**
   * At first contact: is the cloud ahead of this ledger (restored backup, replaced disk)? Then
   * pull the movements this store lacks before sending anything.
   */
  private async checkBehindCloud(): Promise<void> {
    const page = await this.cloud.movements(this.parts.ledger.lastSeq, 1);
    this.status.online = true;
    if (page.appliedSeq > this.parts.ledger.lastSeq || this.writer.restoring) {
      this.parts.log.warn(
        { cloudSeq: page.appliedSeq, localSeq: this.parts.ledger.lastSeq },
        'this ledger is behind the cloud (restored or replaced): pulling back the missing movements',
      );
      await this.adoptCloudHistory();
    }
  }

  private async adoptCloudHistory(): Promise<void> {
    const r = await restoreFromCloud(this.writer, this.cloud, {
      fromSeq: this.ackedSeq(),
      log: this.parts.log,
      onProgress: (p) => {
        this.status.restore = p;
        this.report.emit();
      },
    });
    this.parts.events.emit('replication', { reconciled: r });
  }

  /**
   * Does the cloud hold record `seq`, with this ledger's movement id? Asked when an answer claims
   * more than was sent; the pull-back page is the cloud's own record of what it applied.
   */
  private async cloudHolds(seq: number): Promise<boolean> {
    if (seq > this.parts.ledger.lastSeq) return false;
    const page = await this.cloud.movements(seq - 1, 1);
    const theirs = page.movements[0];
    if (!theirs || theirs.seq !== seq) return false;
    const ours = this.parts.db.prepare('SELECT id FROM movements WHERE seq = ?').get(seq) as
      | { id: string }
      | undefined;
    return ours !== undefined && canonicalId(ours.id) === canonicalId(theirs.movement.id);
  }

  /** The cloud's answer contradicts what was sent: alarm, keep the outbox, retry with backoff. */
  private async protocolError(message: string, signal: AbortSignal): Promise<void> {
    this.parts.metrics.replicationProtocolErrors.inc();
    this.report.raiseAlarm(`the cloud broke the replication protocol: ${message}`);
    await failed(this.pacing, `protocol error: ${message}`, signal);
  }

  /** The cloud refuses record `seq` for good: stop before it, and say which record and why. */
  private refuse(seq: number, status: number, reason: string): void {
    const refused = refusedRecord(this.parts.db, seq, status, reason);
    const { id, repair } = refused;
    this.refused = { seq, retryAt: Date.now() + REFUSED_RECHECK_MS };
    this.isolateUpTo = null;
    this.status.refused = refused;
    this.status.lastError = refusalError(refused);
    this.parts.metrics.replicationRefusedSeq.set(seq);
    this.parts.log.error(
      { seq, id, status, reason },
      'replication stopped before a record the cloud refuses; the records before it are shipped, the ones after it wait',
    );
    this.report.raiseAlarm(`${this.status.lastError}. Shipping stops before it; ${repair}.`);
  }

  private clearRefused(): void {
    if (this.status.alarm?.startsWith('the cloud refuses record')) this.status.alarm = null;
    this.status.refused = null;
    this.refused = null;
    this.parts.metrics.replicationRefusedSeq.set(0);
  }

  /** Withdraws record `seq` (replication/repair.ts) and ships on at once. */
  async voidRecord(seq: number, reason: string, actor: string): Promise<VoidAnswer> {
    const r = await this.writer.call<VoidAnswer>('void', seq, reason, actor);
    if ('error' in r) return r;
    this.parts.log.warn(
      { seq, id: r.id, actor, reason, quarantineId: r.quarantineId },
      'record withdrawn from replication (now a void movement); the original is in the quarantine',
    );
    if (this.refused?.seq === seq) this.refused = null;
    this.wake?.();
    return r;
  }

  private async pause(signal: AbortSignal, ms: number): Promise<void> {
    await sleep(ms, signal);
  }
}
