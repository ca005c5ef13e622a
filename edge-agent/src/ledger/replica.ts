import { createHash } from 'node:crypto';
import { canonicalId, type StoredMovement } from '@store-edge/protocol';
import type { Db } from '../db/database.js';
import { outboxSummary } from './outbox.js';
import type { MovementType } from './types.js';

/** Where a restore from the cloud stands (restore_state, migration 007). */
export interface RestoreState {
  /** The cloud's records after this seq are pulled. */
  fromSeq: number;
  /** The cloud's records up to this seq are in the ledger. */
  afterSeq: number;
  /** The cloud's high-water mark when the restore began. */
  targetSeq: number;
  /** First seq where the cloud's movement differs from the ledger's; null while they agree. */
  divergedAt: number | null;
  /** Movements taken from the cloud so far. */
  pulled: number;
}

interface RestoreRow {
  from_seq: number;
  after_seq: number;
  target_seq: number;
  diverged_at: number | null;
  pulled: number;
}

/** The restore under way on this ledger, if one is (restore_state survives restarts). */
export function restoreStateOf(db: Db): RestoreState | null {
  const r = db.prepare<[], RestoreRow>('SELECT * FROM restore_state WHERE id = 1').get();
  return r
    ? {
        fromSeq: r.from_seq,
        afterSeq: r.after_seq,
        targetSeq: r.target_seq,
        divergedAt: r.diverged_at,
        pulled: r.pulled,
      }
    : null;
}

/** Orphans (local movements the cloud never saw) appended per statement batch at the end of a restore. */
const ORPHAN_PAGE = 1000;

/**
 * What the replication shipper asks of the ledger, each in one transaction, so a crash leaves
 * either the old state or the new one.
 */
export class Replica {
  constructor(
    private readonly db: Db,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The cloud holds everything up to `appliedSeq`: forget those outbox rows. */
  ack(appliedSeq: number): { ackedSeq: number; pending: number } {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM outbox WHERE seq <= ?').run(appliedSeq);
      this.db
        .prepare(
          'UPDATE replication_state SET acked_seq = MAX(acked_seq, ?), last_success_at = ?, last_error = NULL WHERE id = 1',
        )
        .run(appliedSeq, this.clock().toISOString());
      const { pending } = outboxSummary(this.db);
      const acked = (
        this.db.prepare('SELECT acked_seq FROM replication_state WHERE id = 1').get() as { acked_seq: number }
      ).acked_seq;
      return { ackedSeq: acked, pending };
    })();
  }

  setError(message: string | null): void {
    this.db.prepare('UPDATE replication_state SET last_error = ? WHERE id = 1').run(message);
  }

  /** The restore under way, if one is (it survives restarts). */
  restoreState(): RestoreState | null {
    return restoreStateOf(this.db);
  }

  /**
   * The cloud is ahead of this ledger (restored from a backup, or a replaced disk): its records
   * after `fromSeq` become the truth, page by page (`restorePage`), and local movements the cloud
   * never saw continue after them (`finishRestore`). Starts the restore, or returns the one
   * under way.
   */
  beginRestore(fromSeq: number, targetSeq: number): RestoreState {
    this.db
      .prepare(
        `INSERT INTO restore_state (id, from_seq, after_seq, target_seq, started_at) VALUES (1, ?, ?, ?, ?)
         ON CONFLICT (id) DO NOTHING`,
      )
      .run(fromSeq, fromSeq, targetSeq, this.clock().toISOString());
    return this.restoreState() as RestoreState;
  }

  /**
   * One page of the cloud's history (consecutive seqs), in one transaction. Records the ledger
   * already holds under the same id are skipped; from the first that differs (the divergence),
   * the local movements are set aside (restore_orphans) and the cloud's are written in their
   * place, with their stock effects. A page already written (a restart) is skipped.
   */
  restorePage(records: readonly StoredMovement[], targetSeq: number): RestoreState {
    return this.db.transaction(() => {
      const st = this.restoreState();
      if (!st) throw new Error('no restore under way');
      const q = this.restoreStatements();
      const now = this.clock().toISOString();
      for (const r of records) {
        if (r.seq <= st.afterSeq) continue;
        if (r.seq !== st.afterSeq + 1)
          throw new Error(`the cloud's history jumps from seq ${st.afterSeq} to ${r.seq}`);
        const m = r.movement;
        const id = canonicalId(m.id);
        if (id === null) throw new Error(`the cloud's movement at seq ${r.seq} has no UUID id: '${m.id}'`);
        if (st.divergedAt === null) {
          if (q.idAt.get(r.seq)?.id === id) {
            st.afterSeq = r.seq;
            continue;
          }
          this.setAside(r.seq);
          st.divergedAt = r.seq;
        }
        // The cloud holds this movement: it is not one of the local ones to append at the end.
        q.dropOrphan.run(id);
        const before = q.stockAt.get(m.sku, m.location)?.on_hand ?? 0;
        const [dOn, dRes] = effect(m.type, m.qty, before);
        q.insert.run({
          seq: r.seq,
          id,
          type: m.type,
          sku: m.sku,
          location: m.location,
          qty: m.qty,
          dOn,
          dRes,
          at: m.at,
          ref: m.ref ?? null,
          reason: m.reason ?? null,
          code: null,
          source: m.source ?? 'cloud',
          actor: m.actor ?? 'cloud',
          flags: null,
          requestHash: cloudHash(r),
          recordedAt: now,
        });
        q.addStock.run(m.sku, m.location, dOn, dRes, r.seq);
        st.afterSeq = r.seq;
        st.pulled++;
      }
      q.save.run(st.afterSeq, Math.max(targetSeq, st.targetSeq), st.divergedAt, st.pulled);
      return { ...st, targetSeq: Math.max(targetSeq, st.targetSeq) };
    })();
  }

  /**
   * The cloud's history is in: local movements the cloud never saw continue after it (new
   * seqs, same ids, queued for the cloud), open reservations are rebuilt, and the cloud's mark
   * is the acknowledged one. Nothing made before or after the backup is lost or doubled.
   */
  finishRestore(): { lastSeq: number; pulled: number; renumbered: number } {
    return this.db.transaction(() => {
      const st = this.restoreState();
      if (!st) throw new Error('no restore under way');
      const q = this.restoreStatements();
      let seq = (this.db.prepare<[], { m: number | null }>('SELECT MAX(seq) AS m FROM movements').get()?.m ??
        0) as number;
      let renumbered = 0;
      const page = this.db.prepare<[number, number], OrphanRow>(
        'SELECT * FROM restore_orphans WHERE orig_seq > ? ORDER BY orig_seq LIMIT ?',
      );
      const outbox = this.db.prepare('INSERT INTO outbox (seq) VALUES (?)');
      let after = 0;
      for (;;) {
        const orphans = page.all(after, ORPHAN_PAGE);
        for (const o of orphans) {
          seq++;
          const before = q.stockAt.get(o.sku, o.location)?.on_hand ?? 0;
          const [dOn, dRes] = effect(o.type, o.qty, before);
          q.insert.run({
            seq,
            id: o.id,
            type: o.type,
            sku: o.sku,
            location: o.location,
            qty: o.qty,
            dOn,
            dRes,
            at: o.at,
            ref: o.ref,
            reason: o.reason,
            code: o.code,
            source: o.source,
            actor: o.actor,
            flags: o.flags,
            // Keeps the client's hash: a retry of the original request is still a duplicate.
            requestHash: o.request_hash,
            recordedAt: o.recorded_at,
          });
          q.addStock.run(o.sku, o.location, dOn, dRes, seq);
          outbox.run(seq);
          renumbered++;
          after = o.orig_seq;
        }
        if (orphans.length < ORPHAN_PAGE) break;
      }
      this.db.prepare('DELETE FROM restore_orphans').run();
      this.db.prepare('DELETE FROM reservations').run();
      this.db
        .prepare(
          `INSERT INTO reservations (ref, sku, location, qty_open)
           SELECT ref, MIN(sku), MIN(location), MAX(0, SUM(CASE type WHEN 'reserve' THEN qty WHEN 'release' THEN -qty WHEN 'ship' THEN -qty ELSE 0 END))
           FROM movements WHERE ref IS NOT NULL AND type IN ('reserve', 'release', 'ship') GROUP BY ref`,
        )
        .run();
      this.db.prepare('DELETE FROM outbox WHERE seq <= ?').run(st.afterSeq);
      this.db
        .prepare(
          'UPDATE replication_state SET acked_seq = ?, last_error = NULL, last_success_at = ? WHERE id = 1',
        )
        .run(st.afterSeq, this.clock().toISOString());
      this.db.prepare('DELETE FROM restore_state').run();
      return { lastSeq: seq, pulled: st.pulled, renumbered };
    })();
  }

  /**
   * Sets the local movements from `seq` on aside and takes them out of the ledger, the outbox
   * and the stock projection (rebuilt from the movements before `seq`).
   */
  private setAside(seq: number): void {
    this.db
      .prepare(
        `INSERT INTO restore_orphans (orig_seq, id, type, sku, location, qty, at, ref, reason, code, source, actor,
           flags, request_hash, recorded_at)
         SELECT seq, id, type, sku, location, qty, at, ref, reason, code, source, actor, flags, request_hash, recorded_at
         FROM movements WHERE seq >= ? ORDER BY seq`,
      )
      .run(seq);
    this.db.prepare('DELETE FROM movements WHERE seq >= ?').run(seq);
    this.db.prepare('DELETE FROM outbox WHERE seq >= ?').run(seq);
    this.db.prepare('DELETE FROM stock').run();
    this.db
      .prepare(
        `INSERT INTO stock (sku, location, on_hand, reserved, last_seq)
         SELECT sku, location, SUM(delta_on_hand), SUM(delta_reserved), MAX(seq) FROM movements GROUP BY sku, location`,
      )
      .run();
  }

  private statements: ReturnType<Replica['prepareRestore']> | null = null;

  private restoreStatements() {
    this.statements ??= this.prepareRestore();
    return this.statements;
  }

  private prepareRestore() {
    const db = this.db;
    return {
      idAt: db.prepare<[number], { id: string }>('SELECT id FROM movements WHERE seq = ?'),
      dropOrphan: db.prepare('DELETE FROM restore_orphans WHERE id = ?'),
      stockAt: db.prepare<[string, string], { on_hand: number }>(
        'SELECT on_hand FROM stock WHERE sku = ? AND location = ?',
      ),
      insert: db.prepare(
        `INSERT INTO movements (seq, id, type, sku, location, qty, delta_on_hand, delta_reserved, at, ref, reason, code,
           source, actor, flags, request_hash, recorded_at)
         VALUES (@seq, @id, @type, @sku, @location, @qty, @dOn, @dRes, @at, @ref, @reason, @code, @source, @actor, @flags,
           @requestHash, @recordedAt)`,
      ),
      addStock: db.prepare(
        `INSERT INTO stock (sku, location, on_hand, reserved, last_seq) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (sku, location) DO UPDATE SET on_hand = on_hand + excluded.on_hand,
           reserved = reserved + excluded.reserved, last_seq = excluded.last_seq`,
      ),
      save: db.prepare(
        'UPDATE restore_state SET after_seq = ?, target_seq = ?, diverged_at = ?, pulled = ? WHERE id = 1',
      ),
    };
  }
}

interface OrphanRow {
  orig_seq: number;
  id: string;
  type: MovementType;
  sku: string;
  location: string;
  qty: number;
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

/**
 * What the replication shipper calls on the ledger (worker-writer.ts): each runs in the writer
 * thread between group commits, in its own transaction. While a restore from the cloud is
 * under way (or unfinished after a restart), new movements are refused: they would take the
 * seqs the cloud's history is about to fill.
 */
export interface ReplicaWriter {
  call<T>(op: 'ack' | 'setError' | 'void', ...args: unknown[]): Promise<T>;
  /** The restore under way, if one is. */
  readonly restoring: RestoreState | null;
  beginRestore(fromSeq: number, targetSeq: number): Promise<RestoreState>;
  restorePage(records: readonly StoredMovement[], targetSeq: number): Promise<RestoreState>;
  finishRestore(): Promise<{ lastSeq: number; pulled: number; renumbered: number }>;
}

/** Why new movements are refused while a restore runs (503). */
export function restoreRefusal(st: RestoreState): string {
  return `the ledger is being restored from the cloud (${st.afterSeq - st.fromSeq} of ${st.targetSeq - st.fromSeq} movements); new movements are taken once it is done`;
}

/** Stock effect of a movement given the on-hand before it (count states a total). */
export function effect(type: MovementType, qty: number, onHandBefore: number): [number, number] {
  switch (type) {
    case 'receive':
    case 'return':
    case 'transfer_in':
    case 'adjust':
      return [qty, 0];
    case 'sale':
    case 'transfer_out':
    case 'damage':
      return [-qty, 0];
    case 'count':
      return [qty - onHandBefore, 0];
    case 'reserve':
      return [0, qty];
    case 'release':
      return [0, -qty];
    case 'ship':
      return [-qty, -qty];
    default:
      return [0, 0];
  }
}

function cloudHash(r: StoredMovement): string {
  return createHash('sha256').update(JSON.stringify(r.movement)).digest('base64url').slice(0, 32);
}
