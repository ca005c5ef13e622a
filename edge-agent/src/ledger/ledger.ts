import { hash as digest } from 'node:crypto';
import { canonicalId, LIMITS, type ReplicationRecord } from '@store-edge/protocol';
import type { Db } from '../db/database.js';
import { ErrorCode } from '../errors.js';
import type { Catalog } from './catalog.js';
import {
  type Actor,
  LedgerError,
  type Movement,
  type MovementInput,
  type MovementResult,
  type MovementType,
  type StockRow,
} from './types.js';

interface StockState {
  on_hand: number;
  reserved: number;
}

/** The wire record the outbox carries to the cloud: protocol/'s ReplicationRecord. */
export type OutboxRecord = ReplicationRecord;

/**
 * Hash of a request's content, its id in canonical form: the same id with another hash is a
 * conflict, while a retry that spells the id in upper case or as a `urn:uuid:` URN is the same
 * request. (`id` lets a caller hash the id as sent: rows from before migration 007 hashed it so.)
 */
export function requestHash(m: MovementInput, id = canonicalId(m.id) ?? m.id): string {
  const canonical = [
    id,
    m.type,
    m.sku ?? '',
    m.code ?? '',
    m.location ?? '',
    m.qty,
    m.ref ?? '',
    m.reason ?? '',
    m.at ?? '',
  ];
  return digest('sha256', JSON.stringify(canonical), 'base64url').slice(0, 32);
}

function stockKey(sku: string, location: string): string {
  return `${sku}\u0000${location}`;
}

/** A movement's effect on stock, decided before anything is written. */
interface Effects {
  sku: string;
  location: string;
  qty: number;
  dOn: number;
  dRes: number;
  flags: string | null;
}

const ADDS_ONLY: ReadonlySet<MovementType> = new Set(['receive', 'return', 'transfer_in', 'adjust']);
const ZERO: StockState = { on_hand: 0, reserved: 0 };
const NEEDS_REF: ReadonlySet<MovementType> = new Set([
  'transfer_out',
  'transfer_in',
  'reserve',
  'release',
  'ship',
]);

/**
 * Applies movements to the ledger: the movement row, the stock projection and the outbox row,
 * all in the caller's transaction. Synchronous by design (better-sqlite3): a transaction never
 * spans an await.
 */
export class Ledger {
  /** The movement recorded under a canonical id: a lookup in the UNIQUE index on movements.id. */
  private readonly byId;
  private readonly insertMovement;
  private readonly getStock;
  private readonly upsertStock;
  private readonly queueOutbox;
  private readonly maxSeq;
  private readonly getReservation;
  private readonly upsertReservation;
  private readonly closeReservation;
  private nextSeq = 0;
  /**
   * Skus seen in the catalog during the current transaction. The writer holds the write lock
   * for the whole transaction, so no other connection can remove an item meanwhile.
   */
  private readonly knownSkus = new Set<string>();
  /** Stock changes of the request being applied, by (sku, location); written at its end. */
  private readonly pending = new Map<
    string,
    { sku: string; location: string; dOn: number; dRes: number; seq: number }
  >();
  /** Movements created since the last `takeCreated()`, for events after the commit. */
  private created: Movement[] = [];

  constructor(
    private readonly db: Db,
    private readonly catalog: Catalog,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.byId = db.prepare<[string], { seq: number; request_hash: string }>(
      'SELECT seq, request_hash FROM movements WHERE id = ?',
    );
    this.insertMovement = db.prepare(
      `INSERT INTO movements (seq, id, type, sku, location, qty, delta_on_hand, delta_reserved, at, ref, reason, code,
         source, actor, flags, request_hash, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.getStock = db.prepare<[string, string], StockState>(
      'SELECT on_hand, reserved FROM stock WHERE sku = ? AND location = ?',
    );
    this.upsertStock = db.prepare(
      `INSERT INTO stock (sku, location, on_hand, reserved, last_seq) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (sku, location) DO UPDATE SET on_hand = on_hand + excluded.on_hand,
         reserved = reserved + excluded.reserved, last_seq = excluded.last_seq`,
    );
    this.queueOutbox = db.prepare(
      'INSERT INTO outbox (seq) SELECT seq FROM movements WHERE seq BETWEEN ? AND ? ORDER BY seq',
    );
    this.maxSeq = db.prepare<[], { m: number | null }>('SELECT MAX(seq) AS m FROM movements');
    this.getReservation = db.prepare<[string], { sku: string; location: string; qty_open: number }>(
      'SELECT sku, location, qty_open FROM reservations WHERE ref = ?',
    );
    this.upsertReservation = db.prepare(
      `INSERT INTO reservations (ref, sku, location, qty_open) VALUES (?, ?, ?, ?)
       ON CONFLICT (ref) DO UPDATE SET qty_open = qty_open + excluded.qty_open`,
    );
    this.closeReservation = db.prepare('UPDATE reservations SET qty_open = qty_open - ? WHERE ref = ?');
    this.reloadSeq();
  }

  /** A new write transaction begins: forget what the last one learnt of the catalog. */
  beginTransaction(): void {
    this.knownSkus.clear();
  }

  /** The open transaction was rolled back: forget what it made. */
  rolledBack(): void {
    this.reloadSeq();
    this.dropCreated();
  }

  /** Re-reads the last seq from the database (after a rollback, or a restore from the cloud). */
  reloadSeq(): void {
    this.nextSeq = (this.maxSeq.get()?.m ?? 0) + 1;
  }

  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** A reader learns about commits made by the writer thread, up to `lastSeq`. */
  noteCommitted(lastSeq: number): void {
    if (lastSeq >= this.nextSeq) this.nextSeq = lastSeq + 1;
  }

  /**
   * Applies one request's movements. Must run inside a transaction (or savepoint) the caller
   * rolls back when this throws: on error nothing of the request may stay.
   */
  applyBatch(inputs: MovementInput[], who: Actor, pathPrefix = '/movements'): MovementResult[] {
    const startSeq = this.nextSeq;
    const startCreated = this.created.length;
    this.pending.clear();
    try {
      const now = this.clock().toISOString();
      const results = inputs.map((m, i) => this.applyOne(m, who, `${pathPrefix}/${i}`, now));
      // The request's movements have consecutive seqs: one statement queues them all, and one
      // upsert per (sku, location) moves the projection.
      if (this.nextSeq > startSeq) this.queueOutbox.run(startSeq, this.nextSeq - 1);
      for (const d of this.pending.values()) this.upsertStock.run(d.sku, d.location, d.dOn, d.dRes, d.seq);
      return results;
    } catch (err) {
      this.nextSeq = startSeq;
      this.created.length = startCreated;
      throw err;
    } finally {
      this.pending.clear();
    }
  }

  /** Stock as the store's rules see it mid-request: the projection plus this request's movements. */
  private stockNow(sku: string, location: string): StockState {
    const row = this.getStock.get(sku, location) ?? ZERO;
    const d = this.pending.get(stockKey(sku, location));
    return d ? { on_hand: row.on_hand + d.dOn, reserved: row.reserved + d.dRes } : row;
  }

  /** Hands over (and forgets) the movements created since the last call. */
  takeCreated(): Movement[] {
    const out = this.created;
    this.created = [];
    return out;
  }

  /** Forgets created movements of a transaction that was rolled back. */
  dropCreated(): void {
    this.created = [];
  }

  private applyOne(m: MovementInput, who: Actor, path: string, now: string): MovementResult {
    const id = canonicalId(m.id);
    // The HTTP API checks the format; the workflows make their ids with randomUUID().
    if (id === null)
      throw new LedgerError(ErrorCode.Ledger_InvalidId, `movement id '${m.id}' is not a UUID`, `${path}/id`);
    const hash = requestHash(m, id);
    // A retried request gets its first answer, even when today's stock would refuse it (the same
    // id twice in one request too: its first row is already in the open transaction).
    const recorded = this.byId.get(id);
    if (recorded) return this.duplicate(m, hash, path, recorded);
    const fx = this.effects(m, path);
    const seq = this.nextSeq;
    const at = m.at ?? now;
    const ref = m.ref ?? null;
    const reason = m.reason ?? (m.type === 'damage' ? 'damaged' : null);
    const code = m.code ?? null;
    // UNIQUE (movements.id) refuses this row if the lookup above ever missed a recorded id.
    this.insertMovement.run(
      seq,
      id,
      m.type,
      fx.sku,
      fx.location,
      fx.qty,
      fx.dOn,
      fx.dRes,
      at,
      ref,
      reason,
      code,
      who.source,
      who.actor,
      fx.flags,
      hash,
      now,
    );
    this.nextSeq++;
    if (m.type === 'reserve') this.upsertReservation.run(ref, fx.sku, fx.location, fx.qty);
    else if (m.type === 'release' || m.type === 'ship') this.closeReservation.run(fx.qty, ref);
    const place = stockKey(fx.sku, fx.location);
    const d = this.pending.get(place);
    if (d) {
      d.dOn += fx.dOn;
      d.dRes += fx.dRes;
      d.seq = seq;
    } else this.pending.set(place, { sku: fx.sku, location: fx.location, dOn: fx.dOn, dRes: fx.dRes, seq });
    const movement: Movement = {
      seq,
      id,
      type: m.type,
      sku: fx.sku,
      location: fx.location,
      qty: fx.qty,
      deltaOnHand: fx.dOn,
      deltaReserved: fx.dRes,
      at,
      ref,
      reason,
      code,
      source: who.source,
      actor: who.actor,
      flags: fx.flags,
      recordedAt: now,
    };
    this.created.push(movement);
    return { id: m.id, seq, status: 'created' };
  }

  /** The earlier answer when this id was recorded with the same request; 409 when with another. */
  private duplicate(
    m: MovementInput,
    hash: string,
    path: string,
    recorded: { seq: number; request_hash: string },
  ): MovementResult {
    const stored = recorded.request_hash;
    // Rows from before migration 007 hashed the id as the client sent it.
    if (stored === hash || stored === requestHash(m, m.id))
      return { id: m.id, seq: recorded.seq, status: 'duplicate' };
    throw new LedgerError(
      ErrorCode.Ledger_MovementIdReused,
      `movement ${m.id} was already recorded (seq ${recorded.seq}) with different content`,
      `${path}/id`,
      { seq: recorded.seq },
    );
  }

  /** What a movement does to stock, checked against the store's rules; writes nothing. */
  private effects(m: MovementInput, path: string): Effects {
    let sku: string;
    let packQty = 1;
    if (m.code !== undefined && m.sku === undefined) {
      const hit = this.catalog.resolve(m.code);
      if (!hit)
        throw new LedgerError(
          ErrorCode.Ledger_UnknownCode,
          `no item has the code '${m.code}'`,
          `${path}/code`,
        );
      sku = hit.sku;
      packQty = hit.packQty;
    } else if (m.sku !== undefined) {
      if (!this.knownSkus.has(m.sku)) {
        if (!this.catalog.has(m.sku))
          throw new LedgerError(ErrorCode.Ledger_UnknownSku, `no item has the sku '${m.sku}'`, `${path}/sku`);
        this.knownSkus.add(m.sku);
      }
      sku = m.sku;
    } else {
      throw new LedgerError(ErrorCode.Ledger_MissingItem, 'a movement needs a sku or a code', path);
    }

    if (NEEDS_REF.has(m.type) && !m.ref) {
      throw new LedgerError(ErrorCode.Ledger_MissingRef, `a ${m.type} movement needs a ref`, `${path}/ref`);
    }
    if (m.type === 'adjust' && !m.reason) {
      throw new LedgerError(
        ErrorCode.Ledger_MissingReason,
        'an adjust movement needs a reason',
        `${path}/reason`,
      );
    }

    const location = m.location ?? 'store';
    const qty = m.qty * packQty;
    // The wire bound (protocol LIMITS.qty): a record above it would be refused by the cloud for good.
    if (Math.abs(qty) > LIMITS.qty) {
      throw new LedgerError(
        ErrorCode.Ledger_QuantityTooLarge,
        `${m.qty} × ${packQty} units per pack is ${qty}; at most ${LIMITS.qty} units per movement`,
        `${path}/qty`,
      );
    }
    // Receipts add whatever stands there; only the other types need the current figures.
    const stock = ADDS_ONLY.has(m.type) ? ZERO : this.stockNow(sku, location);
    let dOn = 0;
    let dRes = 0;
    let flags: string | null = null;
    switch (m.type) {
      case 'receive':
      case 'return':
      case 'transfer_in':
        dOn = qty;
        break;
      case 'sale':
        // A till never refuses a sale: negative on-hand is a signal, not an error (DOMAIN.md).
        dOn = -qty;
        if (stock.on_hand - qty < 0) flags = 'negative';
        break;
      case 'transfer_out':
      case 'damage':
        dOn = -qty;
        if (stock.on_hand - qty < 0) flags = 'negative';
        break;
      case 'adjust':
        dOn = qty;
        break;
      case 'reject':
        // The store's "no" to a cloud reservation: recorded and replicated, no stock effect.
        break;
      case 'count':
        // A count states the total found; the ledger records the difference.
        dOn = qty - stock.on_hand;
        break;
      case 'reserve': {
        const available = stock.on_hand - stock.reserved;
        if (qty > available) {
          throw new LedgerError(
            ErrorCode.Ledger_NotEnoughStock,
            `cannot reserve ${qty} of ${sku} at ${location}: on hand ${stock.on_hand}, reserved ${stock.reserved}, available ${available}`,
            `${path}/qty`,
            { onHand: stock.on_hand, reserved: stock.reserved, available },
          );
        }
        dRes = qty;
        break;
      }
      case 'release':
      case 'ship': {
        const r = this.getReservation.get(m.ref as string);
        if (!r || r.sku !== sku || r.location !== location || r.qty_open < qty) {
          const open = r && r.sku === sku && r.location === location ? r.qty_open : 0;
          throw new LedgerError(
            ErrorCode.Ledger_NoSuchReservation,
            `reservation '${m.ref}' has ${open} of ${sku} at ${location} open; cannot ${m.type} ${qty}`,
            `${path}/qty`,
            { open },
          );
        }
        dRes = -qty;
        if (m.type === 'ship') dOn = -qty;
        break;
      }
    }
    return { sku, location, qty, dOn, dRes, flags };
  }

  stock(filter: { sku?: string; location?: string }): StockRow[] {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.sku) {
      where.push('sku = ?');
      args.push(filter.sku);
    }
    if (filter.location) {
      where.push('location = ?');
      args.push(filter.location);
    }
    const rows = this.db
      .prepare<string[], { sku: string; location: string; on_hand: number; reserved: number }>(
        `SELECT sku, location, on_hand, reserved FROM stock ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY sku, location LIMIT 10000`,
      )
      .all(...args);
    return rows.map((r) => ({
      sku: r.sku,
      location: r.location,
      onHand: r.on_hand,
      reserved: r.reserved,
      available: r.on_hand - r.reserved,
    }));
  }

  movements(afterSeq: number, limit: number, filter: { sku?: string; location?: string } = {}): Movement[] {
    const where = ['seq > ?'];
    const args: Array<string | number> = [afterSeq];
    // One item: movements_sku_location (sku, location, seq) drives it, not a scan of the ledger.
    if (filter.sku) {
      where.push('sku = ?');
      args.push(filter.sku);
    }
    if (filter.location) {
      where.push('location = ?');
      args.push(filter.location);
    }
    args.push(limit);
    return this.db
      .prepare<Array<string | number>, MovementRow>(
        `SELECT * FROM movements WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`,
      )
      .all(...args)
      .map(fromRow);
  }
}

export interface MovementRow {
  seq: number;
  id: string;
  type: MovementType;
  sku: string;
  location: string;
  qty: number;
  delta_on_hand: number;
  delta_reserved: number;
  at: string;
  ref: string | null;
  reason: string | null;
  code: string | null;
  source: string;
  actor: string;
  flags: string | null;
  request_hash: string;
  recorded_at: string;
}

export function fromRow(r: MovementRow): Movement {
  return {
    seq: r.seq,
    id: r.id,
    type: r.type,
    sku: r.sku,
    location: r.location,
    qty: r.qty,
    deltaOnHand: r.delta_on_hand,
    deltaReserved: r.delta_reserved,
    at: r.at,
    ref: r.ref,
    reason: r.reason,
    code: r.code,
    source: r.source,
    actor: r.actor,
    flags: r.flags,
    recordedAt: r.recorded_at,
  };
}

export function toOutboxRecord(
  m: Pick<
    Movement,
    'seq' | 'id' | 'type' | 'sku' | 'location' | 'qty' | 'at' | 'ref' | 'reason' | 'source' | 'actor'
  >,
): OutboxRecord {
  const movement: OutboxRecord['movement'] = {
    id: m.id,
    type: m.type,
    sku: m.sku,
    location: m.location,
    qty: m.qty,
    at: m.at,
    source: m.source,
    actor: m.actor,
  };
  if (m.ref !== null) movement.ref = m.ref;
  if (m.reason !== null) movement.reason = m.reason;
  return { seq: m.seq, movement };
}

/** Stock as the ledger says it should be: the projection rebuilt from every movement. */
export function rebuildStock(db: Db): StockRow[] {
  return db
    .prepare<[], { sku: string; location: string; on_hand: number; reserved: number }>(
      `SELECT sku, location, SUM(delta_on_hand) AS on_hand, SUM(delta_reserved) AS reserved
       FROM movements GROUP BY sku, location ORDER BY sku, location`,
    )
    .all()
    .map((r) => ({
      sku: r.sku,
      location: r.location,
      onHand: r.on_hand,
      reserved: r.reserved,
      available: r.on_hand - r.reserved,
    }));
}
