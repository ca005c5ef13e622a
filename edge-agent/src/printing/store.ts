import { createHash } from 'node:crypto';
import type { Db } from '../db/database.js';

export type PrintJobStatus = 'queued' | 'printing' | 'done' | 'failed' | 'uncertain';
export const PRINT_JOB_STATUSES: PrintJobStatus[] = ['queued', 'printing', 'done', 'failed', 'uncertain'];

export interface PrintItem {
  sku: string;
  copies: number;
}

export interface NewPrintJob {
  id: string;
  printerId: string;
  template: string;
  items: PrintItem[];
  zpl: string;
  labels: number;
  source: 'api' | 'price-change' | 'test-print' | 'reprint' | 'opening-labels';
  actor: string | null;
  reprintOf?: string;
}

/** A job as the API shows it (the ZPL stays inside the agent). */
export interface PrintJob {
  id: string;
  printerId: string;
  template: string;
  items: PrintItem[];
  labels: number;
  status: PrintJobStatus;
  source: string;
  actor: string | null;
  error: string | null;
  attempts: number;
  reprintOf: string | null;
  createdAt: string;
  updatedAt: string;
  printedAt: string | null;
}

interface Row {
  id: string;
  printer_id: string;
  template: string;
  items: string;
  fingerprint: string;
  zpl: string;
  labels: number;
  status: PrintJobStatus;
  source: string;
  actor: string | null;
  error: string | null;
  attempts: number;
  reprint_of: string | null;
  created_at: string;
  updated_at: string;
  printed_at: string | null;
}

function toJob(r: Row): PrintJob {
  return {
    id: r.id,
    printerId: r.printer_id,
    template: r.template,
    items: JSON.parse(r.items) as PrintItem[],
    labels: r.labels,
    status: r.status,
    source: r.source,
    actor: r.actor,
    error: r.error,
    attempts: r.attempts,
    reprintOf: r.reprint_of,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    printedAt: r.printed_at,
  };
}

/** What makes two posts of one id "the same job": printer, template and items, in order. */
export function fingerprint(job: { printerId: string; template: string; items: PrintItem[] }): string {
  const canonical = JSON.stringify([job.printerId, job.template, job.items.map((i) => [i.sku, i.copies])]);
  return createHash('sha256').update(canonical).digest('hex');
}

export type InsertResult =
  | { kind: 'created'; job: PrintJob }
  | { kind: 'existing'; job: PrintJob }
  | { kind: 'conflict'; job: PrintJob };

/**
 * The durable print queue in the agent's SQLite database. Every state change is its own
 * committed statement (synchronous=FULL), so `printing` is on disk before a byte is sent.
 */
export class PrintJobStore {
  constructor(
    private readonly db: Db,
    private readonly clock: () => Date,
  ) {}

  /** Inserts once per id: a replay with the same content returns the job, other content conflicts. */
  insert(job: NewPrintJob): InsertResult {
    const fp = fingerprint(job);
    const now = this.clock().toISOString();
    return this.db.transaction((): InsertResult => {
      const prev = this.row(job.id);
      if (prev) return { kind: prev.fingerprint === fp ? 'existing' : 'conflict', job: toJob(prev) };
      this.db
        .prepare(
          `INSERT INTO print_jobs (id, printer_id, template, items, fingerprint, zpl, labels, status, source,
             actor, reprint_of, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)`,
        )
        .run(
          job.id,
          job.printerId,
          job.template,
          JSON.stringify(job.items),
          fp,
          job.zpl,
          job.labels,
          job.source,
          job.actor,
          job.reprintOf ?? null,
          now,
          now,
        );
      return { kind: 'created', job: toJob(this.row(job.id) as Row) };
    })();
  }

  get(id: string): PrintJob | null {
    const r = this.row(id);
    return r ? toJob(r) : null;
  }

  zplOf(id: string): string | null {
    return this.row(id)?.zpl ?? null;
  }

  list(opts: { status?: PrintJobStatus; printerId?: string; limit: number }): PrintJob[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (opts.status) {
      where.push('status = ?');
      args.push(opts.status);
    }
    if (opts.printerId) {
      where.push('printer_id = ?');
      args.push(opts.printerId);
    }
    const sql = `SELECT * FROM print_jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at DESC, rowid DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, opts.limit) as Row[]).map(toJob);
  }

  /** The oldest queued job of a printer. */
  nextQueued(printerId: string): PrintJob | null {
    const r = this.db
      .prepare(
        `SELECT * FROM print_jobs WHERE printer_id = ? AND status = 'queued' ORDER BY created_at, rowid LIMIT 1`,
      )
      .get(printerId) as Row | undefined;
    return r ? toJob(r) : null;
  }

  /**
   * Moves a job from one status to another; false when it was not in `from` (someone else
   * moved it), so two hands can never both print or both confirm a job.
   */
  transition(
    id: string,
    from: PrintJobStatus,
    to: PrintJobStatus,
    fields: { error?: string | null; attempt?: boolean } = {},
  ): boolean {
    const now = this.clock().toISOString();
    const r = this.db
      .prepare(
        `UPDATE print_jobs SET status = @to, updated_at = @now,
           error = CASE WHEN @setError THEN @error ELSE error END,
           attempts = attempts + @attempt,
           printed_at = CASE WHEN @to = 'done' THEN @now ELSE printed_at END
         WHERE id = @id AND status = @from`,
      )
      .run({
        id,
        from,
        to,
        now,
        setError: fields.error !== undefined ? 1 : 0,
        error: fields.error ?? null,
        attempt: fields.attempt ? 1 : 0,
      });
    return r.changes === 1;
  }

  /** Notes why a queued job is waiting (the printer's problem); true when the reason changed. */
  noteWaiting(id: string, reason: string): boolean {
    const r = this.db
      .prepare(
        `UPDATE print_jobs SET error = ?, updated_at = ?
         WHERE id = ? AND status = 'queued' AND error IS NOT ?`,
      )
      .run(reason, this.clock().toISOString(), id, reason);
    return r.changes === 1;
  }

  /**
   * Jobs left in `printing` by an agent that stopped between sending and hearing back: the
   * labels may have printed, so they become `uncertain` for a person to confirm or reprint.
   */
  markInterrupted(): PrintJob[] {
    const rows = this.db.prepare(`SELECT * FROM print_jobs WHERE status = 'printing'`).all() as Row[];
    for (const r of rows) {
      this.transition(r.id, 'printing', 'uncertain', {
        error: 'the agent stopped while sending this job; check the printer, then confirm or reprint',
      });
    }
    return rows.map((r) => this.get(r.id) as PrintJob);
  }

  private row(id: string): Row | undefined {
    return this.db.prepare('SELECT * FROM print_jobs WHERE id = ?').get(id) as Row | undefined;
  }
}
