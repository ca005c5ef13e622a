/**
 * Count mode: each scan adds its units to a running count per scanner and sku; finishing the
 * count books one `count` movement per sku. The count stands for the ledger at its first scan
 * (DOMAIN.md "Counts"): sales and receipts booked while people count are added on top, so a
 * sale during the count is not booked as shrink.
 */
import { randomUUID } from 'node:crypto';
import type { AgentParts } from '../agent.js';
import type { Actor, MovementInput, MovementResult } from '../ledger/types.js';

export interface CountLineView {
  sku: string;
  /** Units counted (a case scan adds its pack size). */
  counted: number;
  scans: number;
}

export interface CountSessionView {
  id: string;
  deviceId: string;
  location: string;
  /** The ledger's last seq at the first scan: the snapshot the count stands for. */
  startSeq: number;
  startedAt: string;
  lines: CountLineView[];
}

export interface CountReportLine {
  sku: string;
  /** On hand at the snapshot. */
  expected: number;
  counted: number;
  /** counted − expected: found (+) or missing (−). */
  difference: number;
  /** Net on-hand change booked after the snapshot (sales, receipts during the count). */
  movedSince: number;
  /** The counted total as of now that the `count` movement states: counted + movedSince (at least 0). */
  booked: number;
  movement: MovementResult;
}

export interface CountReport {
  id: string;
  deviceId: string;
  location: string;
  startSeq: number;
  lines: CountReportLine[];
}

interface SessionRow {
  device_id: string;
  id: string;
  location: string;
  start_seq: number;
  started_at: string;
  booking: string | null;
}

interface Booking {
  inputs: MovementInput[];
  lines: Array<Omit<CountReportLine, 'movement'>>;
}

export class ScanCounts {
  constructor(private readonly parts: AgentParts) {}

  /** Adds counted units; opens the device's session on its first scan. */
  add(deviceId: string, location: string, sku: string, units: number): CountSessionView {
    const { db } = this.parts;
    db.transaction(() => {
      db.prepare(
        `INSERT INTO scan_counts (device_id, id, location, start_seq, started_at)
         VALUES (?, ?, ?, (SELECT COALESCE(MAX(seq), 0) FROM movements), ?)
         ON CONFLICT (device_id) DO NOTHING`,
      ).run(deviceId, randomUUID(), location, this.parts.clock().toISOString());
      db.prepare(
        `INSERT INTO scan_count_lines (device_id, sku, counted, scans) VALUES (?, ?, ?, 1)
         ON CONFLICT (device_id, sku) DO UPDATE SET counted = counted + excluded.counted, scans = scans + 1`,
      ).run(deviceId, sku, units);
    })();
    return this.get(deviceId) as CountSessionView;
  }

  get(deviceId: string): CountSessionView | null {
    const s = this.session(deviceId);
    if (!s) return null;
    const lines = this.parts.db
      .prepare('SELECT sku, counted, scans FROM scan_count_lines WHERE device_id = ? ORDER BY sku')
      .all(deviceId) as CountLineView[];
    return {
      id: s.id,
      deviceId,
      location: s.location,
      startSeq: s.start_seq,
      startedAt: s.started_at,
      lines,
    };
  }

  list(): CountSessionView[] {
    const ids = this.parts.db.prepare('SELECT device_id FROM scan_counts ORDER BY device_id').all() as Array<{
      device_id: string;
    }>;
    return ids.map((r) => this.get(r.device_id)).filter((v): v is CountSessionView => v !== null);
  }

  discard(deviceId: string): boolean {
    return this.parts.db.prepare('DELETE FROM scan_counts WHERE device_id = ?').run(deviceId).changes > 0;
  }

  /**
   * Books the count. The movements are computed once and stored with the session before they
   * are sent, so a finish retried after a crash or a failed request sends the same movements
   * (same ids: the ledger answers `duplicate`) rather than a second count.
   */
  async finish(deviceId: string, who: Actor): Promise<CountReport | null> {
    const s = this.session(deviceId);
    if (!s) return null;
    let booking: Booking;
    if (s.booking) booking = JSON.parse(s.booking) as Booking;
    else {
      booking = this.compute(s);
      this.parts.db
        .prepare('UPDATE scan_counts SET booking = ? WHERE device_id = ?')
        .run(JSON.stringify(booking), deviceId);
    }
    const results = booking.inputs.length > 0 ? await this.parts.writer.submit(booking.inputs, who) : [];
    this.discard(deviceId);
    return {
      id: s.id,
      deviceId,
      location: s.location,
      startSeq: s.start_seq,
      lines: booking.lines.map((l, i) => ({ ...l, movement: results[i] as MovementResult })),
    };
  }

  private session(deviceId: string): SessionRow | null {
    return (
      (this.parts.db.prepare('SELECT * FROM scan_counts WHERE device_id = ?').get(deviceId) as
        | SessionRow
        | undefined) ?? null
    );
  }

  private compute(s: SessionRow): Booking {
    const { db } = this.parts;
    const lines = db
      .prepare('SELECT sku, counted FROM scan_count_lines WHERE device_id = ? ORDER BY sku')
      .all(s.device_id) as Array<{ sku: string; counted: number }>;
    const sums = db.prepare<
      [{ start: number; sku: string; location: string }],
      { before: number | null; after: number | null }
    >(
      `SELECT SUM(CASE WHEN seq <= @start THEN delta_on_hand END) AS before,
              SUM(CASE WHEN seq > @start THEN delta_on_hand END) AS after
       FROM movements WHERE sku = @sku AND location = @location`,
    );
    const booking: Booking = { inputs: [], lines: [] };
    for (const l of lines) {
      const r = sums.get({ start: s.start_seq, sku: l.sku, location: s.location });
      const expected = r?.before ?? 0;
      const movedSince = r?.after ?? 0;
      const booked = Math.max(0, l.counted + movedSince);
      booking.lines.push({
        sku: l.sku,
        expected,
        counted: l.counted,
        difference: l.counted - expected,
        movedSince,
        booked,
      });
      booking.inputs.push({
        id: randomUUID(),
        type: 'count',
        sku: l.sku,
        location: s.location,
        qty: booked,
        ref: s.id,
      });
    }
    return booking;
  }
}
