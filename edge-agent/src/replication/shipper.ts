import { AGENT_LEASE_SECONDS, Backoff, canonicalId, classifyBatchAnswer } from '@store-edge/protocol';
import type { AgentParts, Component } from '../agent.js';
import { ledgerRecords, pendingRecords } from '../ledger/outbox.js';
import type { ReplicaWriter } from '../ledger/replica.js';
import { AnotherAgentError, type CloudAnswer, type CloudClient, CloudUnreachable } from './cloud-client.js';
import type { VoidAnswer } from './repair.js';
import { type RestoreProgress, restoreFromCloud } from './restore.js';

/** The record the cloud refuses for good: shipping stops before it until it is repaired. */
export interface RefusedRecord {
  seq: number;
  /** The movement id the record carries. */
  id: string | null;
  /** HTTP status of the cloud's answer. */
  status: number;
  /** The cloud's reason (its problem detail and the fields it names). */
  reason: string;
  since: string;
  /** What the operator does about it. */
  repair: string;
}

export interface ShipperStatus {
  online: boolean;
  state: 'idle' | 'shipping' | 'backoff' | 'stopped' | 'offline' | 'refused';
  lastError: string | null;
  alarm: string | null;
  /** Set while the cloud refuses a record for good (docs/operations.md). */
  refused: RefusedRecord | null;
  catchUp: { done: number; total: number; ratePerSecond: number; etaSeconds: number | null } | null;
  nextRetryAt: string | null;
  /** A restore from the cloud under way (replaced disk, restored backup). */
  restore: RestoreProgress | null;
}

/**
 * Batches in flight at once. With one, the edge (read, send), the cloud (parse, check) and the
 * database (apply) work in turn; with several, the next batches are read, sent and parsed while
 * the cloud applies one (docs/scale.md "Catch-up").
 */
const PIPELINE_DEPTH = 6;
/** A refused record is offered to the cloud again this often (the cloud may have been fixed). */
const REFUSED_RECHECK_MS = 5 * 60_000;

interface InFlight {
  first: number;
  last: number;
  answer: Promise<CloudAnswer>;
  /** What the cloud was known to hold when this batch left: a gap below it is lost data. */
  known: number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

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
  private catchUpStart: { at: number; acked: number; total: number } | null = null;
  /** The highest seq the cloud said it holds, maybe not yet recorded in the ledger. */
  private cloudApplied = 0;
  /** The ack being written (at most one; later answers fold into the next). */
  private acking: Promise<void> | null = null;
  private lastProgressLog = 0;
  /** The highest seq sent in this run: an acknowledgement above it is a protocol error. */
  private highestSent = 0;
  /** Shipping stops before this record, which the cloud refuses for good, until `retryAt`. */
  private refused: { seq: number; retryAt: number } | null = null;
  /** After a refusal that names no record: send one record at a time up to this seq to find it. */
  private isolateUpTo: number | null = null;
  readonly status: ShipperStatus = {
    online: false,
    state: 'idle',
    lastError: null,
    alarm: null,
    refused: null,
    catchUp: null,
    nextRetryAt: null,
    restore: null,
  };

  constructor(
    private readonly parts: AgentParts,
    private readonly writer: ReplicaWriter,
    private readonly cloud: CloudClient,
  ) {
    this.batchSize = parts.settings.replication.batchSize;
    this.backoff = new Backoff({ baseMs: 250, capMs: parts.settings.replication.maxBackoffMs });
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
    await this.acksWritten();
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

  private emit(): void {
    this.parts.events.emit('replication', { ...this.status });
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
        const acked = Math.max(this.ackedSeq(), this.cloudApplied);
        // Keep a few batches in flight: the cloud applies them in order (it locks the store's
        // row, and a batch that overtakes its predecessor waits for it: ingest.ts), and meanwhile
        // the next one is read, sent and parsed. Any answer other than "applied" drains the
        // pipeline and continues from what the cloud acknowledged. Resending and isolating a
        // refused record go one batch at a time.
        if (this.isolateUpTo !== null && acked >= this.isolateUpTo) this.isolateUpTo = null;
        const depth = this.resendFrom === null && this.isolateUpTo === null ? PIPELINE_DEPTH : 1;
        let from = inflight.length > 0 ? (inflight[inflight.length - 1] as InFlight).last : acked;
        while (inflight.length < depth) {
          const next = this.nextRecords(from);
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
          this.emit();
          await this.waitForWork(Math.min(5000, this.refused.retryAt - Date.now()));
          continue;
        }
        if (!head) {
          this.status.state = 'idle';
          this.status.catchUp = null;
          this.catchUpStart = null;
          this.emit();
          await this.waitForWork(5000);
          continue;
        }
        this.status.state = 'shipping';
        let answer: CloudAnswer;
        try {
          answer = await head.answer;
        } catch (err) {
          await this.drain(inflight);
          throw err;
        }
        this.status.online = true;
        const outcome = classifyBatchAnswer(answer.status, answer.body);
        if (outcome.kind !== 'applied') {
          await this.drain(inflight);
          await this.acksWritten();
        }
        switch (outcome.kind) {
          case 'applied': {
            // An answer above this batch is only believed when the cloud holds that record (a
            // restarted edge resends what the cloud already has); anything else would delete
            // outbox rows the cloud never saw.
            if (outcome.appliedSeq > head.last && !(await this.cloudHolds(outcome.appliedSeq))) {
              await this.drain(inflight);
              await this.protocolError(
                `the cloud answered appliedSeq ${outcome.appliedSeq} to a batch ending at seq ${head.last} (highest sent: ${this.highestSent}), and does not hold that record; nothing was pruned`,
                signal,
              );
              break;
            }
            // The ack is written while the next batches travel: it only prunes the outbox, and
            // if it is lost in a crash the cloud skips those records when they come again.
            this.ack(outcome.appliedSeq);
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
              // (ingest.ts), or the cloud applied more than we knew (we crashed before recording
              // its answer, or a batch timed out here after the cloud applied it). Continue after
              // what the cloud holds.
              if (holds > acked) this.ack(holds);
              await this.acksWritten();
            } else {
              // The cloud is missing movements it had acknowledged: it was restored from an old
              // backup. The ledger still holds them all; send them again and say so loudly.
              const have = this.parts.db
                .prepare('SELECT 1 FROM movements WHERE seq = ?')
                .get(outcome.expectedSeq);
              if (!have) {
                this.raiseAlarm(
                  `the cloud expects seq ${outcome.expectedSeq}, which this store no longer holds; the cloud lost data that cannot be sent again`,
                );
                await this.pause(signal, 60_000);
                break;
              }
              this.raiseAlarm(
                `the cloud lost movements from seq ${outcome.expectedSeq} on (restored from an old backup?); sending them again from the store's ledger`,
              );
              this.resendFrom = outcome.expectedSeq;
              this.cloudApplied = outcome.expectedSeq - 1;
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
            this.raiseAlarm(`the cloud refused a movement: ${outcome.detail}`);
            this.status.state = 'stopped';
            return;
          case 'another-agent':
            // Two agents on one store credential would interleave two ledgers: wait until the
            // other one has gone quiet, and say why loudly meanwhile.
            this.raiseAlarm(outcome.detail);
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
            this.emit();
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
              await this.paced(outcome.status, answer.retryAfterMs, outcome.detail, signal);
              break;
            }
            await this.failed(`cloud answered HTTP ${outcome.status}: ${outcome.detail}`, signal);
            break;
        }
      } catch (err) {
        await this.drain(inflight);
        await this.acksWritten();
        if (signal.aborted) return;
        if (err instanceof AnotherAgentError) {
          this.raiseAlarm(err.message);
          this.status.state = 'backoff';
          this.status.lastError = err.message;
          await this.writer.call('setError', err.message).catch(() => {});
          await this.pause(signal, AGENT_LEASE_SECONDS * 1000);
          continue;
        }
        if (err instanceof CloudUnreachable) this.status.online = false;
        await this.failed((err as Error).message, signal);
      }
    }
  }

  /** Waits for every batch still in flight, keeping what their answers say the cloud holds. */
  private async drain(inflight: InFlight[]): Promise<void> {
    const answers = await Promise.allSettled(inflight.map((f) => f.answer));
    const batches = inflight.splice(0);
    answers.forEach((a, i) => {
      if (a.status !== 'fulfilled') return;
      const outcome = classifyBatchAnswer(a.value.status, a.value.body);
      // Beyond its own batch an answer is not taken on trust here (see 'applied' in run()):
      // those records are sent again and the cloud skips them.
      const batch = batches[i];
      if (outcome.kind === 'applied' && batch) this.ack(Math.min(outcome.appliedSeq, batch.last));
    });
  }

  /** Records that the cloud holds everything up to `seq`; folds into an ack being written. */
  private ack(seq: number): void {
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
        this.progress(r.ackedSeq, r.pending);
      } catch (err) {
        // The ledger is shutting down: the cloud will skip these records when they come again.
        this.parts.log.warn({ err }, 'could not record an acknowledgement');
        return;
      }
    }
  }

  /** Waits until every answer so far is recorded in the ledger. */
  private async acksWritten(): Promise<void> {
    while (this.acking) await this.acking;
  }

  /** Serialized records to send next: outbox payloads, or the ledger itself when resending. */
  private nextRecords(after: number): { records: string[]; last: number } {
    const maxBytes = this.parts.settings.replication.maxBatchBytes;
    const out: string[] = [];
    let bytes = 0;
    let last = after;
    const rows =
      this.resendFrom !== null
        ? ledgerRecords(this.parts.db, this.resendFrom, this.batchSize)
        : pendingRecords(this.parts.db, after, this.batchSize);
    const stopAt = this.refused?.seq ?? Number.POSITIVE_INFINITY;
    const most = this.isolateUpTo !== null ? 1 : Number.POSITIVE_INFINITY;
    for (const r of rows) {
      if (r.seq >= stopAt || out.length >= most) break;
      if (out.length > 0 && bytes + r.payload.length > maxBytes) break;
      out.push(r.payload);
      bytes += r.payload.length;
      last = r.seq;
    }
    return { records: out, last };
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
        this.emit();
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
    this.raiseAlarm(`the cloud broke the replication protocol: ${message}`);
    await this.failed(`protocol error: ${message}`, signal);
  }

  /** The cloud refuses record `seq` for good: stop before it, and say which record and why. */
  private refuse(seq: number, status: number, reason: string): void {
    const row = this.parts.db.prepare('SELECT id FROM movements WHERE seq = ?').get(seq) as
      | { id: string }
      | undefined;
    const id = row ? (canonicalId(row.id) ?? row.id) : null;
    this.refused = { seq, retryAt: Date.now() + REFUSED_RECHECK_MS };
    this.isolateUpTo = null;
    const repair = `check the record (GET /api/v1/movements?afterSeq=${seq - 1}&limit=1); withdraw it with POST /api/v1/replication/records/${seq}/void and book it again correctly if it happened (docs/operations.md)`;
    this.status.refused = { seq, id, status, reason, since: new Date().toISOString(), repair };
    this.status.lastError = `the cloud refuses record seq ${seq} (movement ${id ?? 'unknown'}) for good: HTTP ${status} ${reason}`;
    this.parts.metrics.replicationRefusedSeq.set(seq);
    this.parts.log.error(
      { seq, id, status, reason },
      'replication stopped before a record the cloud refuses; the records before it are shipped, the ones after it wait',
    );
    this.raiseAlarm(`${this.status.lastError}. Shipping stops before it; ${repair}.`);
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

  private raiseAlarm(message: string): void {
    this.status.alarm = message;
    this.parts.log.error({ alarm: message }, 'replication alarm');
    this.emit();
  }

  private async pause(signal: AbortSignal, ms: number): Promise<void> {
    await sleep(ms, signal);
  }

  private progress(acked: number, pending: number): void {
    const now = Date.now();
    if (pending < 5000 && !this.catchUpStart) return;
    if (!this.catchUpStart) this.catchUpStart = { at: now, acked, total: pending };
    const done = acked - this.catchUpStart.acked;
    const secs = (now - this.catchUpStart.at) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    this.status.catchUp = {
      done,
      total: done + pending,
      ratePerSecond: Math.round(rate),
      etaSeconds: rate > 0 ? Math.round(pending / rate) : null,
    };
    if (now - this.lastProgressLog > 5000 || pending === 0) {
      this.lastProgressLog = now;
      this.parts.log.info(this.status.catchUp, `catch-up: ${done}/${done + pending} movements sent`);
      this.emit();
    }
    if (pending === 0) this.catchUpStart = null;
  }

  /**
   * Waits what the cloud's Retry-After asked (draft-ietf-httpapi-ratelimit-headers; RFC 9110
   * §10.2.3), at most maxBackoffMs, plus up to a quarter second of jitter so the stores held
   * back together do not all return in the same instant. Not a failure: the backoff is not
   * escalated and the ledger records no error.
   */
  private async paced(
    status: number,
    retryAfterMs: number,
    detail: string,
    signal: AbortSignal,
  ): Promise<void> {
    const wait = Math.round(
      Math.min(retryAfterMs, this.parts.settings.replication.maxBackoffMs) + Math.random() * 250,
    );
    this.parts.metrics.replicationPaced.inc();
    this.status.state = 'backoff';
    this.status.lastError = `the cloud asks this store to slow down (HTTP ${status}: ${detail}); next batch in ${wait} ms`;
    this.status.nextRetryAt = new Date(Date.now() + wait).toISOString();
    this.emit();
    await sleep(wait, signal);
    this.status.nextRetryAt = null;
  }

  private async failed(message: string, signal: AbortSignal): Promise<void> {
    // Full jitter: stores that lost the same link do not all come back in the same second.
    const wait = Math.round(this.backoff.next());
    this.status.state = 'backoff';
    this.status.lastError = message;
    this.status.nextRetryAt = new Date(Date.now() + wait).toISOString();
    this.emit();
    await this.writer.call('setError', message).catch(() => {});
    // While waiting, probe the cloud: once it answers again, retry at once.
    const deadline = Date.now() + wait;
    while (!signal.aborted && Date.now() < deadline) {
      await sleep(Math.min(1000, deadline - Date.now()), signal);
      if (!this.status.online && (await this.cloud.probe())) break;
    }
    this.status.nextRetryAt = null;
  }
}
