/**
 * Recent scans and what became of each (movement, lookup, counted, quarantined), kept in
 * SQLite for GET /api/v1/scans. Rows are written in small batches on the next tick: one
 * transaction (one fsync) per burst of scans instead of one per scan, and never in the path
 * between a scan and its movement.
 */

import type { ParsedCodeInfo } from '../context.js';
import type { Db } from '../db/database.js';

export type ScanOutcome = 'movement' | 'lookup' | 'counted' | 'quarantined';

export interface ScanRecord {
  id: string;
  at: string;
  deviceId: string;
  mode: string;
  location: string;
  /** The code as delivered, AIM identifier stripped. */
  code: string;
  aimId: string | null;
  symbology: string | null;
  parsed: ParsedCodeInfo;
  item: { sku: string; name: string | null; packQty: number } | null;
  /** Units this scan stood for (a case GTIN: its pack size; a GS1 count: that count). */
  qty: number | null;
  outcome: ScanOutcome;
  movement: { id: string; seq: number; status: 'created' | 'duplicate' } | null;
  reason: string | null;
  quarantineId: number | null;
  /** Scan delivered by the driver → movement durable, in ms. */
  latencyMs: number | null;
}

interface Row {
  id: string;
  at: string;
  device_id: string;
  mode: string;
  location: string;
  code: string;
  aim_id: string | null;
  kind: string;
  parsed: string;
  sku: string | null;
  pack_qty: number | null;
  qty: number | null;
  outcome: ScanOutcome;
  movement_id: string | null;
  seq: number | null;
  movement_status: 'created' | 'duplicate' | null;
  reason: string | null;
  quarantine_id: number | null;
  latency_ms: number | null;
}

/** How long records wait before a batch is written: few lock takes, scans listed meanwhile from memory. */
const FLUSH_MS = 200;

export class ScanLog {
  private pending: ScanRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private sincePrune = 0;
  private readonly insert;
  private readonly prune;

  constructor(
    private readonly db: Db,
    private readonly keep: number,
    private readonly itemName: (sku: string) => string | null,
  ) {
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 0');
    this.insert = db.prepare(
      `INSERT INTO scans (id, at, device_id, mode, location, code, aim_id, kind, parsed, sku, pack_qty, qty, outcome,
         movement_id, seq, movement_status, reason, quarantine_id, latency_ms)
       VALUES (@id, @at, @deviceId, @mode, @location, @code, @aimId, @kind, @parsed, @sku, @packQty, @qty, @outcome,
         @movementId, @seq, @movementStatus, @reason, @quarantineId, @latencyMs)`,
    );
    this.prune = db.prepare('DELETE FROM scans WHERE n <= (SELECT MAX(n) FROM scans) - ?');
  }

  add(record: ScanRecord): void {
    this.pending.push(record);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, FLUSH_MS);
    this.timer.unref();
  }

  /** Writes what is queued; false when the database was busy (the records stay queued). */
  flush(): boolean {
    const batch = this.pending;
    if (batch.length === 0) return true;
    try {
      this.write(batch);
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
      this.schedule();
      return false;
    }
    this.pending = this.pending.slice(batch.length);
    return true;
  }

  /** At shutdown: waits for the lock (the ledger writer is stopping too) and closes the connection. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.db.pragma('busy_timeout = 5000');
    try {
      this.flush();
    } finally {
      this.db.close();
    }
  }

  private write(batch: ScanRecord[]): void {
    this.db.transaction(() => {
      for (const r of batch) {
        this.insert.run({
          id: r.id,
          at: r.at,
          deviceId: r.deviceId,
          mode: r.mode,
          location: r.location,
          code: r.code,
          aimId: r.aimId,
          kind: r.parsed.kind,
          parsed: JSON.stringify(r.parsed),
          sku: r.item?.sku ?? null,
          packQty: r.item?.packQty ?? null,
          qty: r.qty,
          outcome: r.outcome,
          movementId: r.movement?.id ?? null,
          seq: r.movement?.seq ?? null,
          movementStatus: r.movement?.status ?? null,
          reason: r.reason,
          quarantineId: r.quarantineId,
          latencyMs: r.latencyMs,
        });
      }
      this.sincePrune += batch.length;
      // Pruning is cheap but not free: once per few hundred scans keeps the table near `keep`.
      if (this.sincePrune >= Math.min(500, this.keep / 10)) {
        this.sincePrune = 0;
        this.prune.run(this.keep);
      }
    })();
  }

  /** Newest first; includes scans not yet flushed. */
  list(opts: { limit: number; deviceId?: string; outcome?: ScanOutcome }): ScanRecord[] {
    const match = (r: { deviceId: string; outcome: ScanOutcome }) =>
      (opts.deviceId === undefined || r.deviceId === opts.deviceId) &&
      (opts.outcome === undefined || r.outcome === opts.outcome);
    const fresh = this.pending.filter(match).reverse().slice(0, opts.limit);
    if (!this.db.open || fresh.length >= opts.limit) return fresh;
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (opts.deviceId !== undefined) {
      where.push('device_id = ?');
      args.push(opts.deviceId);
    }
    if (opts.outcome !== undefined) {
      where.push('outcome = ?');
      args.push(opts.outcome);
    }
    const rows = this.db
      .prepare<Array<string | number>, Row>(
        `SELECT * FROM scans ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY n DESC LIMIT ?`,
      )
      .all(...args, opts.limit - fresh.length);
    return [...fresh, ...rows.map((r) => this.fromRow(r))];
  }

  private fromRow(r: Row): ScanRecord {
    const parsed = JSON.parse(r.parsed) as ParsedCodeInfo;
    return {
      id: r.id,
      at: r.at,
      deviceId: r.device_id,
      mode: r.mode,
      location: r.location,
      code: r.code,
      aimId: r.aim_id,
      symbology: typeof parsed.symbology === 'string' ? parsed.symbology : null,
      parsed,
      item: r.sku ? { sku: r.sku, name: this.itemName(r.sku), packQty: r.pack_qty ?? 1 } : null,
      qty: r.qty,
      outcome: r.outcome,
      movement:
        r.movement_id !== null && r.seq !== null
          ? { id: r.movement_id, seq: r.seq, status: r.movement_status ?? 'created' }
          : null,
      reason: r.reason,
      quarantineId: r.quarantine_id,
      latencyMs: r.latency_ms,
    };
  }
}
