import { createHash, randomUUID } from 'node:crypto';
import type { PresenceEvent, TagReadEvent } from '@store-edge/drivers';
import type { AgentParts } from '../agent.js';
import { EdgeError, ErrorCode } from '../errors.js';
import type { MovementInput } from '../ledger/types.js';
import type { Reader, RfidPipeline } from './pipeline.js';

export type CountStatus = 'running' | 'booking' | 'finished';

/** One sku of a finished count: the variance report managers act on (DOMAIN.md "Counts"). */
export interface CountLine {
  sku: string;
  /** On hand at the snapshot (the ledger at `startSeq`). */
  expected: number;
  /** Unique SGTINs (item GTIN + serial) read in the zone during the count, in units. */
  counted: number;
  /** counted − expected: what the count books as found (+) or missing (−). */
  difference: number;
  /** Net on-hand change of movements booked after the snapshot (sales, receipts, ...). */
  movedSince: number;
  /** The `count` qty booked: counted + movedSince (the counted total as of now); null when nothing to book. */
  booked: number | null;
  movementIds: string[];
}

export interface CountResult {
  /** The ledger's last seq when the count was computed; movements after startSeq up to it are on top. */
  asOfSeq: number;
  lines: CountLine[];
  /** Tags read that are not a known item (other EPC schemes, GTINs not in the catalog); first 100. */
  unresolved: Array<{ epc: string; scheme: string; gtin: string | null }>;
  unresolvedCount: number;
  /** Tags that came into the zone from another zone after the snapshot: not counted. */
  movedIn: number;
}

export interface CountView {
  id: string;
  zone: string;
  location: string;
  status: CountStatus;
  startSeq: number;
  startedAt: string;
  startedBy: string;
  finishedAt: string | null;
  finishedBy: string | null;
  tagsSeen: number;
  result: CountResult | null;
}

interface CountRow {
  id: string;
  zone: string;
  start_seq: number;
  started_at: string;
  started_by: string;
  status: CountStatus;
  finished_at: string | null;
  finished_by: string | null;
  result: string | null;
}

/** How a tag became part of a count (see 003_rfid.sql). */
type How = 'present' | 'read' | 'moved-in';

interface Running {
  id: string;
  zone: string;
  epcs: Map<string, How>;
  /** Tags new or reclassified since the last flush: epc, first seen, how. */
  pending: Array<[string, string, How]>;
}

/** A movement id derived from the count, so booking it again (a retried finish) is a duplicate, not a second count. */
export function stableUuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  const variant = ((Number.parseInt(h[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * RFID cycle counts of one zone while the store is open. The count is a snapshot at a point
 * in the ledger (the last seq at start); what the readers see during the count is the
 * physical stock of that moment, and sales or receipts booked after the snapshot are added on
 * top when it is booked, so a sale during the count never shows up as shrink.
 */
export class CycleCounts {
  private readonly running = new Map<string, Running>();
  private readonly finishing = new Set<string>();

  constructor(
    private readonly parts: AgentParts,
    private readonly pipeline: RfidPipeline,
  ) {
    pipeline.observeReads((reader, reads) => this.onReads(reader, reads));
    pipeline.observeChanges((changes) => this.onChanges(changes));
  }

  /** Picks up counts that were running when the agent stopped. */
  load(): void {
    const { db } = this.parts;
    const rows = db
      .prepare<[], { id: string; zone: string }>("SELECT id, zone FROM rfid_counts WHERE status = 'running'")
      .all();
    const tags = db.prepare<[string], { epc: string; how: How }>(
      'SELECT epc, how FROM rfid_count_tags WHERE count_id = ?',
    );
    for (const r of rows) {
      const epcs = new Map(tags.all(r.id).map((t) => [t.epc, t.how] as const));
      this.running.set(r.zone, { id: r.id, zone: r.zone, epcs, pending: [] });
    }
  }

  private onReads(reader: Reader, reads: readonly TagReadEvent[]): void {
    const session = this.running.get(reader.zone);
    if (!session) return;
    for (const r of reads) {
      if (!session.epcs.has(r.epc)) {
        session.epcs.set(r.epc, 'read');
        session.pending.push([r.epc, r.at.toISOString(), 'read']);
      }
    }
  }

  /**
   * A tag that moves into a counted zone from another zone after the snapshot was not there at
   * the snapshot: the receipt or transfer that brought it is added on top, so counting it too
   * would count it twice. (A plain arrival may be an item that simply had not been read yet,
   * and stays counted.)
   */
  private onChanges(changes: readonly PresenceEvent[]): void {
    for (const c of changes) {
      if (c.type !== 'move') continue;
      const session = this.running.get(c.zone);
      if (session?.epcs.get(c.epc) !== 'read') continue;
      session.epcs.set(c.epc, 'moved-in');
      session.pending.push([c.epc, c.at.toISOString(), 'moved-in']);
    }
  }

  /** Writes tags first seen since the last flush (about once a second; each tag once per count). */
  flush(): void {
    const sessions = [...this.running.values()].filter((s) => s.pending.length > 0);
    if (sessions.length === 0) return;
    const { db } = this.parts;
    const put = db.prepare(
      `INSERT INTO rfid_count_tags (count_id, epc, first_seen_at, how) VALUES (?, ?, ?, ?)
       ON CONFLICT (count_id, epc) DO UPDATE SET how = excluded.how`,
    );
    db.transaction(() => {
      for (const s of sessions) {
        for (const [epc, at, how] of s.pending) put.run(s.id, epc, at, how);
        s.pending = [];
      }
    })();
  }

  start(zone: string, user: string): CountView {
    if (!this.pipeline.allReaders().some((r) => r.zone === zone)) {
      throw new EdgeError(ErrorCode.Rfid_UnknownZone, `no RFID reader covers zone '${zone}'`, {
        extra: { errors: [{ path: '/zone', message: 'no rfid-reader device has this zone' }] },
      });
    }
    const open = this.parts.db
      .prepare<[string], { id: string }>("SELECT id FROM rfid_counts WHERE zone = ? AND status <> 'finished'")
      .get(zone);
    if (open) {
      throw new EdgeError(
        ErrorCode.Rfid_CountRunning,
        `count ${open.id} is already running in zone '${zone}'`,
        {
          extra: { countId: open.id },
        },
      );
    }
    const { db, clock } = this.parts;
    const id = randomUUID();
    const now = clock().toISOString();
    // MAX(seq) is the last committed movement (the writer commits on this connection, between turns).
    const startSeq =
      db.prepare<[], { m: number | null }>('SELECT MAX(seq) AS m FROM movements').get()?.m ?? 0;
    // The snapshot's physical side: tags present in the zone and read just now. A fixed reader
    // reads what is in its field several times a second, so a tag unread for longer than the
    // arrival window may already be gone (it departs only after departAfterMs); if it is still
    // there, its next read adds it.
    const fresh = clock().getTime() - this.pipeline.smoother.settings.arriveWindowMs;
    const present = this.pipeline.smoother.present(zone).filter((p) => p.lastSeenAt.getTime() >= fresh);
    const session: Running = { id, zone, epcs: new Map(), pending: [] };
    for (const p of present) {
      session.epcs.set(p.epc, 'present');
      session.pending.push([p.epc, p.lastSeenAt.toISOString(), 'present']);
    }
    db.prepare(
      "INSERT INTO rfid_counts (id, zone, start_seq, started_at, started_by, status) VALUES (?, ?, ?, ?, ?, 'running')",
    ).run(id, zone, startSeq, now, user);
    this.running.set(zone, session);
    this.flush();
    this.parts.events.emit('tags', { type: 'count-started', countId: id, zone, startSeq, at: now });
    return this.get(id) as CountView;
  }

  get(id: string): CountView | null {
    const row = this.parts.db.prepare<[string], CountRow>('SELECT * FROM rfid_counts WHERE id = ?').get(id);
    return row ? this.view(row) : null;
  }

  list(limit: number): CountView[] {
    return this.parts.db
      .prepare<[number], CountRow>('SELECT * FROM rfid_counts ORDER BY started_at DESC LIMIT ?')
      .all(limit)
      .map((r) => this.view(r));
  }

  private view(row: CountRow): CountView {
    const live = this.running.get(row.zone);
    const tagsSeen =
      live?.id === row.id
        ? live.epcs.size
        : (this.parts.db
            .prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM rfid_count_tags WHERE count_id = ?')
            .get(row.id)?.n ?? 0);
    return {
      id: row.id,
      zone: row.zone,
      location: row.zone,
      status: row.status,
      startSeq: row.start_seq,
      startedAt: row.started_at,
      startedBy: row.started_by,
      finishedAt: row.finished_at,
      finishedBy: row.finished_by,
      tagsSeen,
      result: row.result ? (JSON.parse(row.result) as CountResult) : null,
    };
  }

  /**
   * Ends a count and books it. Per sku: expected = on hand at the snapshot; counted = unique
   * SGTINs read; a `count` movement states counted + the net of movements since the snapshot,
   * booked only where counted ≠ expected. Finishing a finished count answers its result again.
   */
  async finish(id: string, user: string): Promise<CountView> {
    const row = this.parts.db.prepare<[string], CountRow>('SELECT * FROM rfid_counts WHERE id = ?').get(id);
    if (!row) throw new EdgeError(ErrorCode.Rfid_CountNotFound, `no count ${id}`);
    if (row.status === 'finished') return this.view(row);
    if (this.finishing.has(id))
      throw new EdgeError(ErrorCode.Rfid_CountFinishing, `count ${id} is being booked`);
    this.finishing.add(id);
    try {
      let result: CountResult;
      if (row.status === 'running') {
        this.flush();
        result = this.compute(row);
        this.parts.db
          .prepare("UPDATE rfid_counts SET status = 'booking', result = ? WHERE id = ?")
          .run(JSON.stringify(result), id);
        this.running.delete(row.zone);
      } else {
        // A finish that stopped half-way (crash, refused movement): book the same plan again.
        result = JSON.parse(row.result as string) as CountResult;
      }
      await this.book(row, result, user);
      const now = this.parts.clock().toISOString();
      this.parts.db
        .prepare(
          "UPDATE rfid_counts SET status = 'finished', finished_at = ?, finished_by = ?, result = ? WHERE id = ?",
        )
        .run(now, user, JSON.stringify(result), id);
      this.parts.events.emit('tags', { type: 'count-finished', countId: id, zone: row.zone, at: now });
      return this.get(id) as CountView;
    } finally {
      this.finishing.delete(id);
    }
  }

  /** The variance at the current end of the ledger, in one read transaction (a consistent snapshot). */
  private compute(row: CountRow): CountResult {
    const { db, catalog } = this.parts;
    const location = row.zone;
    const counted = new Map<string, number>();
    const unresolved: CountResult['unresolved'] = [];
    let unresolvedCount = 0;
    const seenIdentity = new Set<string>();
    const epcs = db
      .prepare<[string], { epc: string; how: How }>('SELECT epc, how FROM rfid_count_tags WHERE count_id = ?')
      .all(row.id);
    let movedIn = 0;
    for (const { epc, how } of epcs) {
      if (how === 'moved-in') {
        movedIn++;
        continue;
      }
      const id = this.pipeline.identify(epc);
      const hit = id.gtin ? catalog.resolve(id.gtin) : null;
      if (!hit || id.uri === null) {
        unresolvedCount++;
        if (unresolved.length < 100) unresolved.push({ epc, scheme: id.scheme, gtin: id.gtin });
        continue;
      }
      // One item is one SGTIN (GTIN + serial), however many encodings of it were read.
      if (seenIdentity.has(id.uri)) continue;
      seenIdentity.add(id.uri);
      counted.set(hit.sku, (counted.get(hit.sku) ?? 0) + hit.packQty);
    }

    return db.transaction(() => {
      const asOfSeq =
        db.prepare<[], { m: number | null }>('SELECT MAX(seq) AS m FROM movements').get()?.m ?? 0;
      const onHand = new Map(
        db
          .prepare<[string], { sku: string; on_hand: number }>(
            'SELECT sku, on_hand FROM stock WHERE location = ?',
          )
          .all(location)
          .map((r) => [r.sku, r.on_hand] as const),
      );
      const moved = new Map(
        db
          .prepare<[string, number], { sku: string; d: number }>(
            'SELECT sku, SUM(delta_on_hand) AS d FROM movements WHERE location = ? AND seq > ? GROUP BY sku',
          )
          .all(location, row.start_seq)
          .map((r) => [r.sku, r.d] as const),
      );
      const skus = new Set([...onHand.keys(), ...counted.keys()]);
      const lines: CountLine[] = [];
      for (const sku of [...skus].sort()) {
        const movedSince = moved.get(sku) ?? 0;
        const expected = (onHand.get(sku) ?? 0) - movedSince;
        const c = counted.get(sku) ?? 0;
        if (expected === 0 && c === 0) continue;
        const difference = c - expected;
        lines.push({
          sku,
          expected,
          counted: c,
          difference,
          movedSince,
          booked: difference === 0 ? null : c + movedSince,
          movementIds: difference === 0 ? [] : [stableUuid(row.id, sku, 'count')],
        });
      }
      return { asOfSeq, lines, unresolved, unresolvedCount, movedIn };
    })();
  }

  /**
   * Books the count movements. The writer applies a `count` against on hand at commit
   * time; a movement of the same sku committed between `asOfSeq` and it would be overwritten,
   * so it is put back with an `adjust` (rare: a sale in the milliseconds of booking).
   */
  private async book(row: CountRow, result: CountResult, user: string): Promise<void> {
    const toBook = result.lines.filter((l) => l.booked !== null);
    if (toBook.length === 0) return;
    const who = { source: 'rfid-count', actor: user };
    const inputs: MovementInput[] = toBook.map((l) => ({
      id: l.movementIds[0] as string,
      type: 'count',
      sku: l.sku,
      location: row.zone,
      qty: l.booked as number,
      ref: `rfid-count:${row.id}`,
      reason: `RFID cycle count: expected ${l.expected}, counted ${l.counted}`,
    }));
    const results = await this.parts.writer.submit(inputs, who);
    const between = this.parts.db.prepare<
      [{ sku: string; location: string; after: number; before: number; id: string }],
      { d: number | null }
    >(
      `SELECT SUM(delta_on_hand) AS d FROM movements
       WHERE sku = @sku AND location = @location AND seq > @after AND seq < @before AND id <> @id`,
    );
    const fixes: MovementInput[] = [];
    toBook.forEach((l, i) => {
      const seq = results[i]?.seq ?? 0;
      const d =
        between.get({
          sku: l.sku,
          location: row.zone,
          after: result.asOfSeq,
          before: seq,
          id: l.movementIds[0] as string,
        })?.d ?? 0;
      if (d !== 0) {
        const fixId = stableUuid(row.id, l.sku, 'fix');
        fixes.push({
          id: fixId,
          type: 'adjust',
          sku: l.sku,
          location: row.zone,
          qty: d,
          ref: `rfid-count:${row.id}`,
          reason: 'movements booked while the RFID count was being booked',
        });
        if (!l.movementIds.includes(fixId)) l.movementIds.push(fixId);
      }
    });
    if (fixes.length > 0) await this.parts.writer.submit(fixes, who);
  }
}
