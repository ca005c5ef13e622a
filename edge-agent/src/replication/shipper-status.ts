// What the shipper reports: its status object, alarms, and catch-up progress (events and logs).
import type { AgentParts } from '../agent.js';
import type { RestoreProgress } from './restore.js';

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

/** Holds the shipper's status and tells the agent (the 'replication' event) and the log about it. */
export class ShipperReport {
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
  private catchUpStart: { at: number; acked: number; total: number } | null = null;
  private lastProgressLog = 0;

  constructor(private readonly parts: AgentParts) {}

  emit(): void {
    this.parts.events.emit('replication', { ...this.status });
  }

  raiseAlarm(message: string): void {
    this.status.alarm = message;
    this.parts.log.error({ alarm: message }, 'replication alarm');
    this.emit();
  }

  /** Nothing left to send: the catch-up (if any) is over. */
  endCatchUp(): void {
    this.status.catchUp = null;
    this.catchUpStart = null;
  }

  /** An acknowledgement was recorded: updates (and now and then logs) the catch-up progress. */
  progress(acked: number, pending: number): void {
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
}
