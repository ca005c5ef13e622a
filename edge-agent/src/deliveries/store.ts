import type { DeliveryChange } from '@store-edge/protocol';
import type { Db } from '../db/database.js';
import { EdgeError, ErrorCode } from '../errors.js';

export type DeliveryStatus = 'open' | 'receiving' | 'closed';

/** One line of a delivery as the contract shows it (CONTRACT.md v2 `GET /v1/deliveries/{id}`). */
export interface DeliveryLine {
  sku: string;
  expected: number;
  received: number;
  damaged: number;
  short: number;
  over: number;
}

export interface DamageNote {
  sku: string;
  qty: number;
  reason: string;
}

export interface Receipt {
  deliveryId: string;
  closedAt: string;
  closedBy: string;
  /** The ledger's seq at the close: movements up to it are summed in `lines`. */
  asOfSeq: number;
  lines: DeliveryLine[];
  /** The cloud has acknowledged it (false while offline: it is kept and sent later). */
  reported?: boolean;
}

export interface DeliveryView {
  id: string;
  storeId: string;
  kind: 'purchase' | 'transfer';
  status: DeliveryStatus;
  fromStoreId: string | null;
  supplier: string | null;
  expectedAt: string | null;
  arrivedAt: string;
  lines: DeliveryLine[];
  /** Damaged units with the reasons given, per sku and reason. */
  damages: DamageNote[];
  receipt: Receipt | null;
}

interface DeliveryRow {
  id: string;
  kind: 'purchase' | 'transfer';
  from_store_id: string | null;
  supplier: string | null;
  expected_at: string | null;
  arrived_at: string;
}

/** Movement types that bring units in against a delivery (a purchase: receive; a transfer: transfer_in). */
export const RECEIVING_TYPES = ['receive', 'transfer_in'] as const;

/** Expected, received, damaged → the contract's line (short and over never both > 0). */
export function deliveryLine(sku: string, expected: number, received: number, damaged: number): DeliveryLine {
  return {
    sku,
    expected,
    received,
    damaged,
    short: Math.max(0, expected - received),
    over: Math.max(0, received - expected),
  };
}

/**
 * The store's deliveries in SQLite (migration 010), on the agent's main connection: the
 * change-feed applier writes them inside the feed's transaction; the figures are read from the
 * ledger's movements with ref = delivery id (index movements_ref).
 */
export class DeliveryStore {
  constructor(
    private readonly db: Db,
    private readonly storeId: string,
    private readonly clock: () => Date,
  ) {}

  /**
   * Applies a 'delivery' change (inside the feed's transaction). A change carries the whole
   * delivery, so applying it twice is harmless; a closed delivery keeps its receipt.
   */
  applyChange(d: DeliveryChange): void {
    if (d.storeId !== this.storeId) return;
    this.db
      .prepare(
        `INSERT INTO deliveries (id, kind, from_store_id, supplier, expected_at, arrived_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, from_store_id = excluded.from_store_id,
           supplier = excluded.supplier, expected_at = excluded.expected_at`,
      )
      .run(
        d.id,
        d.kind,
        d.fromStoreId ?? null,
        d.supplier ?? null,
        d.expectedAt ?? null,
        this.clock().toISOString(),
      );
    this.db.prepare('DELETE FROM delivery_lines WHERE delivery_id = ?').run(d.id);
    const line = this.db.prepare(
      `INSERT INTO delivery_lines (delivery_id, sku, expected) VALUES (?, ?, ?)
       ON CONFLICT (delivery_id, sku) DO UPDATE SET expected = expected + excluded.expected`,
    );
    for (const l of d.lines) line.run(d.id, l.sku, l.qty);
  }

  private row(id: string): DeliveryRow | undefined {
    return this.db.prepare<[string], DeliveryRow>('SELECT * FROM deliveries WHERE id = ?').get(id);
  }

  exists(id: string): boolean {
    return this.row(id) !== undefined;
  }

  receipt(id: string): Receipt | null {
    const r = this.db
      .prepare<[string], { closed_at: string; closed_by: string; as_of_seq: number; lines: string }>(
        'SELECT closed_at, closed_by, as_of_seq, lines FROM delivery_receipts WHERE delivery_id = ?',
      )
      .get(id);
    if (!r) return null;
    return {
      deliveryId: id,
      closedAt: r.closed_at,
      closedBy: r.closed_by,
      asOfSeq: r.as_of_seq,
      lines: JSON.parse(r.lines) as DeliveryLine[],
    };
  }

  /** Whether the cloud acknowledged the receipt of `id`. */
  reported(id: string): boolean {
    const u = this.db
      .prepare<[string], { acked_at: string | null }>(
        "SELECT acked_at FROM delivery_uplink WHERE kind = 'receipt' AND id = ?",
      )
      .get(id);
    return Boolean(u?.acked_at);
  }

  /** The lines as the ledger stands (up to `asOfSeq` when given), expected skus first. */
  private liveLines(id: string, asOfSeq?: number): { lines: DeliveryLine[]; damages: DamageNote[] } {
    const expected = this.db
      .prepare<[string], { sku: string; expected: number }>(
        'SELECT sku, expected FROM delivery_lines WHERE delivery_id = ? ORDER BY sku',
      )
      .all(id);
    const sums = this.db
      .prepare<[string, number], { sku: string; type: string; reason: string | null; qty: number }>(
        `SELECT sku, type, reason, SUM(qty) AS qty FROM movements
          WHERE ref = ? AND type IN ('receive', 'transfer_in', 'damage') AND seq <= ?
          GROUP BY sku, type, reason ORDER BY sku`,
      )
      .all(id, asOfSeq ?? Number.MAX_SAFE_INTEGER);
    const received = new Map<string, number>();
    const damaged = new Map<string, number>();
    const damages: DamageNote[] = [];
    for (const s of sums) {
      if (s.type === 'damage') {
        damaged.set(s.sku, (damaged.get(s.sku) ?? 0) + s.qty);
        damages.push({ sku: s.sku, qty: s.qty, reason: s.reason ?? '' });
      } else received.set(s.sku, (received.get(s.sku) ?? 0) + s.qty);
    }
    const lines = expected.map((e) =>
      deliveryLine(e.sku, e.expected, received.get(e.sku) ?? 0, damaged.get(e.sku) ?? 0),
    );
    const known = new Set(expected.map((e) => e.sku));
    // Unexpected items: expected 0, all of it over.
    const extra = [...new Set([...received.keys(), ...damaged.keys()])].filter((s) => !known.has(s)).sort();
    for (const sku of extra) lines.push(deliveryLine(sku, 0, received.get(sku) ?? 0, damaged.get(sku) ?? 0));
    return { lines, damages };
  }

  get(id: string): DeliveryView | null {
    const row = this.row(id);
    if (!row) return null;
    const receipt = this.receipt(id);
    const { lines, damages } = this.liveLines(id, receipt?.asOfSeq);
    const status: DeliveryStatus = receipt
      ? 'closed'
      : lines.some((l) => l.received > 0 || l.damaged > 0)
        ? 'receiving'
        : 'open';
    return {
      id: row.id,
      storeId: this.storeId,
      kind: row.kind,
      status,
      fromStoreId: row.from_store_id,
      supplier: row.supplier,
      expectedAt: row.expected_at,
      arrivedAt: row.arrived_at,
      lines: receipt ? receipt.lines : lines,
      damages,
      receipt,
    };
  }

  /** Deliveries by status (open = not closed, receiving or not), oldest expected first. */
  list(status: DeliveryStatus | undefined, limit: number): DeliveryView[] {
    const ids = this.db
      .prepare<[number], { id: string }>(
        `SELECT d.id FROM deliveries d LEFT JOIN delivery_receipts r ON r.delivery_id = d.id
          ${status === 'closed' ? 'WHERE r.delivery_id IS NOT NULL' : status ? 'WHERE r.delivery_id IS NULL' : ''}
          ORDER BY COALESCE(d.expected_at, d.arrived_at), d.id LIMIT ?`,
      )
      .all(status === undefined || status === 'closed' ? limit : 10_000)
      .map((r) => r.id);
    const out: DeliveryView[] = [];
    for (const id of ids) {
      const v = this.get(id);
      if (v && (status === undefined || status === 'closed' || v.status === status)) out.push(v);
      if (out.length >= limit) break;
    }
    return out;
  }

  /**
   * Closes a delivery into its receipt, or answers the receipt an earlier close made. One
   * IMMEDIATE transaction reads the ledger and writes the receipt and its uplink record, so the
   * receipt sums exactly the movements up to the seq it names, and two closes make one receipt.
   */
  close(id: string, actor: string): { receipt: Receipt; created: boolean } {
    const tx = this.db.transaction((): { receipt: Receipt; created: boolean } => {
      if (!this.row(id)) throw new EdgeError(ErrorCode.Deliveries_NotFound, `no delivery '${id}'`);
      const existing = this.receipt(id);
      if (existing) return { receipt: existing, created: false };
      const asOfSeq =
        this.db.prepare<[], { m: number | null }>('SELECT MAX(seq) AS m FROM movements').get()?.m ?? 0;
      const receipt: Receipt = {
        deliveryId: id,
        closedAt: this.clock().toISOString(),
        closedBy: actor,
        asOfSeq,
        lines: this.liveLines(id, asOfSeq).lines,
      };
      this.db
        .prepare(
          'INSERT INTO delivery_receipts (delivery_id, closed_at, closed_by, as_of_seq, lines) VALUES (?, ?, ?, ?, ?)',
        )
        .run(id, receipt.closedAt, actor, asOfSeq, JSON.stringify(receipt.lines));
      this.db.prepare('DELETE FROM receiving_targets WHERE delivery_id = ?').run(id);
      this.queueUplink('receipt', id, receipt, asOfSeq);
      return { receipt, created: true };
    });
    return tx.immediate();
  }

  queueUplink(kind: 'receipt' | 'transfer', id: string, payload: unknown, afterSeq: number): void {
    this.db
      .prepare(
        `INSERT INTO delivery_uplink (kind, id, payload, after_seq, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (kind, id) DO NOTHING`,
      )
      .run(kind, id, JSON.stringify(payload), afterSeq, this.clock().toISOString());
  }

  /** Chooses the delivery a scanner (or every receive scanner: '*') receives into; null clears. */
  setTarget(deviceId: string, deliveryId: string | null): void {
    if (deliveryId === null) {
      this.db.prepare('DELETE FROM receiving_targets WHERE device_id = ?').run(deviceId);
      return;
    }
    if (!this.row(deliveryId))
      throw new EdgeError(ErrorCode.Deliveries_NotFound, `no delivery '${deliveryId}'`);
    if (this.receipt(deliveryId))
      throw new EdgeError(ErrorCode.Deliveries_Closed, `delivery '${deliveryId}' is closed`);
    this.db
      .prepare(
        `INSERT INTO receiving_targets (device_id, delivery_id) VALUES (?, ?)
         ON CONFLICT (device_id) DO UPDATE SET delivery_id = excluded.delivery_id`,
      )
      .run(deviceId, deliveryId);
  }

  targets(deliveryId: string): string[] {
    return this.db
      .prepare<[string], { device_id: string }>(
        'SELECT device_id FROM receiving_targets WHERE delivery_id = ? ORDER BY device_id',
      )
      .all(deliveryId)
      .map((r) => r.device_id);
  }

  /**
   * The open delivery a scan of `sku` by `deviceId` books against: the one chosen for the device
   * on the console (or for every scanner), whatever it expects (unexpected items count as over);
   * otherwise the open delivery that expects the sku and still misses some of it, oldest expected
   * first; otherwise one that expects it at all (the surplus shows as over); otherwise the one
   * delivery being received, if there is exactly one. Null: none.
   */
  routeScan(deviceId: string, sku: string): { id: string; kind: 'purchase' | 'transfer' } | null {
    const chosen = this.db
      .prepare<[string], { id: string; kind: 'purchase' | 'transfer' }>(
        `SELECT d.id, d.kind FROM receiving_targets t JOIN deliveries d ON d.id = t.delivery_id
          WHERE t.device_id IN (?, '*') AND NOT EXISTS (SELECT 1 FROM delivery_receipts r WHERE r.delivery_id = d.id)
          ORDER BY t.device_id = '*' LIMIT 1`,
      )
      .get(deviceId);
    if (chosen) return chosen;
    const candidates = this.db
      .prepare<[string], { id: string; kind: 'purchase' | 'transfer'; expected: number }>(
        `SELECT d.id, d.kind, l.expected FROM delivery_lines l JOIN deliveries d ON d.id = l.delivery_id
          WHERE l.sku = ? AND NOT EXISTS (SELECT 1 FROM delivery_receipts r WHERE r.delivery_id = d.id)
          ORDER BY COALESCE(d.expected_at, d.arrived_at), d.id LIMIT 50`,
      )
      .all(sku);
    const receivedOf = this.db.prepare<[string, string], { q: number | null }>(
      `SELECT SUM(qty) AS q FROM movements WHERE ref = ? AND type IN ('receive', 'transfer_in') AND sku = ?`,
    );
    for (const c of candidates) {
      if ((receivedOf.get(c.id, sku)?.q ?? 0) < c.expected) return { id: c.id, kind: c.kind };
    }
    const first = candidates[0];
    if (first) return { id: first.id, kind: first.kind };
    // Expected nowhere: when exactly one delivery is being received (one truck at the dock), the
    // item came with it and shows there as over; with none or several, nobody can tell.
    const receiving = this.db
      .prepare<[], { id: string; kind: 'purchase' | 'transfer' }>(
        `SELECT d.id, d.kind FROM deliveries d
          WHERE NOT EXISTS (SELECT 1 FROM delivery_receipts r WHERE r.delivery_id = d.id)
            AND EXISTS (SELECT 1 FROM movements m WHERE m.ref = d.id AND m.type IN ('receive', 'transfer_in'))
          LIMIT 2`,
      )
      .all();
    return receiving.length === 1 && receiving[0] ? receiving[0] : null;
  }
}
