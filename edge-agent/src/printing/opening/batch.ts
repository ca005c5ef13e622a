import { LabelDataError, renderZpl } from '@store-edge/labels';
import type { DeviceConfig, Settings } from '../../config/settings.js';
import type { Db } from '../../db/database.js';
import type { CatalogItem } from '../../ledger/catalog.js';
import type { Logger } from '../../observability/logger.js';
import type { PriceBook } from '../../prices/types.js';
import type { NewPrintJob, PrintJob, PrintJobStore } from '../store.js';
import { priceLabelRequest } from './label-data.js';
import { addDays, localDate, zonedInstant } from './zoned.js';

/** Labels in one print job at most: a night of 100,000 price changes is many jobs, not one 60 MB row. */
export const MAX_LABELS_PER_JOB = 1000;
/** Batches kept for the console and the reports; older rows are pruned. */
export const KEEP_DAYS = 90;

export interface OpeningLabelsDeps {
  db: Db;
  clock: () => Date;
  log: Logger;
  prices: PriceBook;
  catalog: { get(sku: string): CatalogItem | null };
  store: PrintJobStore;
  /** The printers that get the batch (one batch each). */
  printers: () => DeviceConfig[];
  settings: Pick<Settings['labels'], 'prepareAt' | 'openingTime' | 'locale' | 'currency'>;
  timeZone: string;
  /** New jobs were committed: tell the console and wake the printers' workers. */
  queued(jobs: PrintJob[]): void;
}

export interface OpeningSchedule {
  /** Store-local date of the next opening. */
  openingDate: string;
  openingAt: Date;
  /** When its labels are prepared (prepareAt the day before, or the same day when earlier than the opening). */
  prepareAt: Date;
}

/** A day's batch as the console shows it: "labels for tomorrow: N queued, M printed". */
export interface OpeningBatchStatus {
  openingDate: string;
  openingAt: string;
  prepareAt: string;
  /** False until the prepare time (no batch yet). */
  prepared: boolean;
  preparedAt: string | null;
  items: number;
  /** Labels queued for that opening over all printers. */
  queued: number;
  /** Of those, labels printed. */
  printed: number;
  printedAt: string | null;
  reportedAt: string | null;
  jobs: Array<{ id: string; printerId: string; labels: number; status: string }>;
}

interface BatchRow {
  opening_date: string;
  opening_at: string;
  prepared_at: string;
  skus: number;
  labels: number;
  job_ids: string;
  price_change_ids: string;
  printed_at: string | null;
  reported_at: string | null;
}

export type PrepareResult =
  | { kind: 'not-due'; schedule: OpeningSchedule }
  | { kind: 'exists'; openingDate: string }
  | { kind: 'created'; openingDate: string; jobs: PrintJob[]; items: number };

/**
 * Labels ready before opening (issue 19). At the store-local prepare time it queues, per
 * printer, the shelf labels of every item whose price in force changes before the next
 * opening (regular changes, promotion starts and ends), each rendered as it will read at the
 * opening. The day's row and its print jobs commit in one transaction and the row's key is
 * the opening date, so the batch is made once, across restarts; the print queue then prints
 * each job at most once (a job cut off mid-send becomes `uncertain`, never resent by itself).
 */
export class OpeningLabels {
  constructor(private readonly deps: OpeningLabelsDeps) {}

  /** The next opening after `now` and when its labels are due. */
  schedule(now: Date = this.deps.clock()): OpeningSchedule {
    const { timeZone, settings } = this.deps;
    const today = localDate(now, timeZone);
    let openingDate = today;
    let openingAt = zonedInstant(today, settings.openingTime, timeZone);
    if (openingAt <= now) {
      openingDate = addDays(today, 1);
      openingAt = zonedInstant(openingDate, settings.openingTime, timeZone);
    }
    const prepareDate = settings.prepareAt > settings.openingTime ? addDays(openingDate, -1) : openingDate;
    return { openingDate, openingAt, prepareAt: zonedInstant(prepareDate, settings.prepareAt, timeZone) };
  }

  /** Makes the next opening's batch when it is due and not made yet. */
  prepareIfDue(): PrepareResult {
    const now = this.deps.clock();
    const s = this.schedule(now);
    if (now < s.prepareAt) return { kind: 'not-due', schedule: s };
    if (this.row(s.openingDate)) return { kind: 'exists', openingDate: s.openingDate };
    return this.prepare(s, now);
  }

  private prepare(s: OpeningSchedule, now: Date): PrepareResult {
    const { prices, catalog, log } = this.deps;
    // From the previous opening, not from now: an agent that comes up late still labels what
    // changed since the prepare time, and a change during opening hours (10:00) that the
    // last batch could not know gets its label for the next morning.
    const from = zonedInstant(addDays(s.openingDate, -1), this.deps.settings.openingTime, this.deps.timeZone);
    const moments = prices.changesBetween(from, s.openingAt);
    const skus = [...new Set(moments.map((m) => m.sku))].sort();
    const priceChangeIds = [
      ...new Set(moments.flatMap((m) => (m.priceChangeId ? [m.priceChangeId] : []))),
    ].sort();
    const printers = this.deps.printers();
    const jobs: NewPrintJob[] = [];
    let items = 0;
    for (const printer of printers) {
      const rendered: Array<{ sku: string; zpl: string }> = [];
      for (const sku of skus) {
        const item = catalog.get(sku);
        const inForce = prices.at(sku, s.openingAt);
        if (!item || !inForce) {
          log.warn({ sku }, 'price changes before opening but the item or its price is unknown: no label');
          continue;
        }
        const req = priceLabelRequest(item, inForce, {
          labels: this.deps.settings as Settings['labels'],
          printer,
          timeZone: this.deps.timeZone,
        });
        try {
          rendered.push({ sku, zpl: renderZpl(req) });
        } catch (err) {
          // One item that cannot be labelled (a bad GTIN) must not hold back the others.
          if (!(err instanceof LabelDataError)) throw err;
          log.warn({ sku, issues: err.issues }, 'label for the opening cannot be rendered');
        }
      }
      items = Math.max(items, rendered.length);
      for (let i = 0; i < rendered.length; i += MAX_LABELS_PER_JOB) {
        const part = rendered.slice(i, i + MAX_LABELS_PER_JOB);
        const n = Math.floor(i / MAX_LABELS_PER_JOB);
        jobs.push({
          id: `opening-labels:${s.openingDate}:${printer.id}${n === 0 ? '' : `:${n}`}`,
          printerId: printer.id,
          template: 'shelf',
          items: part.map((r) => ({ sku: r.sku, copies: 1 })),
          zpl: part.map((r) => r.zpl).join(''),
          labels: part.length,
          source: 'opening-labels',
          actor: null,
        });
      }
    }
    const nowIso = now.toISOString();
    const created = this.deps.db.transaction((): PrintJob[] | null => {
      // The key decides: a second agent run (or a racing tick) finds the row and adds nothing.
      const inserted = this.deps.db
        .prepare(
          `INSERT INTO opening_label_batches (opening_date, opening_at, prepared_at, skus, labels, job_ids,
             price_change_ids, printed_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (opening_date) DO NOTHING`,
        )
        .run(
          s.openingDate,
          s.openingAt.toISOString(),
          nowIso,
          items,
          jobs.reduce((n, j) => n + j.labels, 0),
          JSON.stringify(jobs.map((j) => j.id)),
          JSON.stringify(priceChangeIds),
          // Nothing to print: printed as soon as made, so a change with no label still reports.
          jobs.length === 0 ? nowIso : null,
        );
      if (inserted.changes === 0) return null;
      const out: PrintJob[] = [];
      for (const j of jobs) {
        const r = this.deps.store.insert(j);
        if (r.kind !== 'created') throw new Error(`print job ${j.id} exists already`);
        out.push(r.job);
      }
      this.deps.db
        .prepare('DELETE FROM opening_label_batches WHERE opening_date < ?')
        .run(addDays(s.openingDate, -KEEP_DAYS));
      return out;
    })();
    if (!created) return { kind: 'exists', openingDate: s.openingDate };
    log.info(
      { openingDate: s.openingDate, items, jobs: created.length, printers: printers.length },
      'labels for the next opening queued',
    );
    this.deps.queued(created);
    return { kind: 'created', openingDate: s.openingDate, jobs: created, items };
  }

  /**
   * Marks batches whose jobs have all printed (a job a person reprinted counts when its
   * reprint printed); answers the dates that became printed.
   */
  notePrinted(): string[] {
    const open = this.deps.db
      .prepare('SELECT * FROM opening_label_batches WHERE printed_at IS NULL ORDER BY opening_date')
      .all() as BatchRow[];
    const done: string[] = [];
    for (const b of open) {
      const jobs = this.jobsOf(b);
      if (jobs.length === 0 || !jobs.every((j) => j.printed)) continue;
      const at = jobs.reduce((m, j) => (j.printedAt && j.printedAt > m ? j.printedAt : m), '');
      const r = this.deps.db
        .prepare(
          'UPDATE opening_label_batches SET printed_at = ? WHERE opening_date = ? AND printed_at IS NULL',
        )
        .run(at || this.deps.clock().toISOString(), b.opening_date);
      if (r.changes === 1) done.push(b.opening_date);
    }
    return done;
  }

  /** The batch for the next opening, else the last one still printing, else what is coming. */
  status(): OpeningBatchStatus {
    const s = this.schedule();
    const row =
      this.row(s.openingDate) ??
      // Until the next batch is made, one that has not finished printing stays in view: staff
      // must see the morning's labels that are still missing.
      (this.deps.db
        .prepare(
          'SELECT * FROM opening_label_batches WHERE printed_at IS NULL ORDER BY opening_date DESC LIMIT 1',
        )
        .get() as BatchRow | undefined);
    if (!row) {
      return {
        openingDate: s.openingDate,
        openingAt: s.openingAt.toISOString(),
        prepareAt: s.prepareAt.toISOString(),
        prepared: false,
        preparedAt: null,
        items: 0,
        queued: 0,
        printed: 0,
        printedAt: null,
        reportedAt: null,
        jobs: [],
      };
    }
    const jobs = this.jobsOf(row);
    const prepareAt = row.opening_date === s.openingDate ? s.prepareAt.toISOString() : row.prepared_at;
    return {
      openingDate: row.opening_date,
      openingAt: row.opening_at,
      prepareAt,
      prepared: true,
      preparedAt: row.prepared_at,
      items: row.skus,
      queued: row.labels,
      printed: jobs.reduce((n, j) => n + (j.printed ? j.labels : 0), 0),
      printedAt: row.printed_at,
      reportedAt: row.reported_at,
      jobs: jobs.map((j) => ({ id: j.id, printerId: j.printerId, labels: j.labels, status: j.status })),
    };
  }

  /** Printed batches the cloud has not acknowledged, oldest first (bounded by KEEP_DAYS rows). */
  unreported(): Array<{ openingDate: string; priceChangeIds: string[]; printedAt: string }> {
    const rows = this.deps.db
      .prepare(
        `SELECT * FROM opening_label_batches WHERE printed_at IS NOT NULL AND reported_at IS NULL
         ORDER BY opening_date`,
      )
      .all() as BatchRow[];
    return rows.map((r) => ({
      openingDate: r.opening_date,
      priceChangeIds: JSON.parse(r.price_change_ids) as string[],
      printedAt: r.printed_at as string,
    }));
  }

  markReported(openingDate: string): void {
    this.deps.db
      .prepare('UPDATE opening_label_batches SET reported_at = ?, report_error = NULL WHERE opening_date = ?')
      .run(this.deps.clock().toISOString(), openingDate);
  }

  noteReportFailure(openingDate: string, error: string): void {
    this.deps.db
      .prepare(
        'UPDATE opening_label_batches SET report_attempts = report_attempts + 1, report_error = ? WHERE opening_date = ?',
      )
      .run(error.slice(0, 500), openingDate);
  }

  private row(openingDate: string): BatchRow | undefined {
    return this.deps.db
      .prepare('SELECT * FROM opening_label_batches WHERE opening_date = ?')
      .get(openingDate) as BatchRow | undefined;
  }

  private jobsOf(row: BatchRow): Array<PrintJob & { printed: boolean }> {
    const ids = JSON.parse(row.job_ids) as string[];
    const reprinted = this.deps.db.prepare(
      `SELECT 1 FROM print_jobs WHERE reprint_of = ? AND status = 'done' LIMIT 1`,
    );
    return ids.flatMap((id) => {
      const job = this.deps.store.get(id);
      if (!job) return [];
      return [{ ...job, printed: job.status === 'done' || reprinted.get(id) !== undefined }];
    });
  }
}
