import { createHash } from 'node:crypto';
import { Backoff, type Change, decimalAmount, sameAmount } from '@store-edge/protocol';
import type { AgentParts, Component } from '../agent.js';
import { ErrorCode, isEdgeError } from '../errors.js';
import type { CatalogItem } from '../ledger/catalog.js';
import { LedgerError } from '../ledger/types.js';
import type { CloudClient } from './cloud-client.js';

/** The ledger's refusals of state (409): the answer was recorded before, or cannot be booked now. */
const LEDGER_CONFLICTS = [
  ErrorCode.Ledger_MovementIdReused,
  ErrorCode.Ledger_NotEnoughStock,
  ErrorCode.Ledger_NoSuchReservation,
] as const;

/** A stable UUID for "the store's answer to reservation X": a retry after a crash is a duplicate. */
export function answerId(reservationId: string): string {
  const h = createHash('sha256').update(`reservation-answer:${reservationId}`).digest('hex');
  // Shaped as a version-8 (custom) UUID, RFC 9562 §5.8.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((Number.parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Pulls the cloud's change feed (catalog, prices, reservations) with a long poll and applies it.
 * Catalog changes and the cursor are written in one SQLite transaction, so each change is
 * applied exactly once across crashes; a reservation's answer is a movement with an id derived
 * from the reservation, so re-applying it after a crash is a duplicate, not a second answer.
 */
export class ChangeFeed implements Component {
  readonly name = 'replication-feed';
  private abort = new AbortController();
  private loop: Promise<void> | null = null;
  constructor(
    private readonly parts: AgentParts,
    private readonly cloud: CloudClient,
    private readonly waitSeconds = 25,
  ) {}

  async start(): Promise<void> {
    this.abort = new AbortController();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private cursor(): number {
    const row = this.parts.db.prepare('SELECT feed_cursor FROM replication_state WHERE id = 1').get() as {
      feed_cursor: string | null;
    };
    return Number(row.feed_cursor ?? 0);
  }

  private async run(): Promise<void> {
    // Full jitter: a region's stores that lost the cloud together do not come back together.
    const backoff = new Backoff({ baseMs: 500, capMs: 30_000 });
    while (!this.abort.signal.aborted) {
      try {
        const feed = await this.cloud.changes(this.cursor(), this.waitSeconds);
        if (this.abort.signal.aborted) return;
        await this.apply(feed.changes, feed.cursor);
        backoff.reset();
      } catch (err) {
        if (this.abort.signal.aborted) return;
        const wait = Math.round(backoff.next());
        this.parts.log.warn({ err: (err as Error).message, retryInMs: wait }, 'change feed: will retry');
        await new Promise<void>((r) => {
          const t = setTimeout(r, wait);
          this.abort.signal.addEventListener('abort', () => {
            clearTimeout(t);
            r();
          });
        });
      }
    }
  }

  async apply(changes: Change[], cursor: number): Promise<void> {
    const { db, catalog } = this.parts;
    // Reservations first: their answers are movements, idempotent by id.
    for (const c of changes) {
      if (c.kind === 'reservation' && c.data.status === 'requested') await this.answer(c.data);
    }
    const priced: string[] = [];
    db.transaction(() => {
      for (const c of changes) {
        if (c.kind === 'item') {
          const prev = catalog.get(c.data.sku);
          const item: CatalogItem = {
            sku: c.data.sku,
            name: c.data.name,
            gtins: c.data.gtins,
            packs: c.data.packs,
          };
          if (prev?.price) item.price = prev.price;
          if (prev?.unit) item.unit = prev.unit;
          if (c.data.netContent) {
            const amount = decimalAmount(c.data.netContent.amount);
            if (amount !== null) item.netContent = { amount, unit: c.data.netContent.unit };
          }
          catalog.put(item, 'cloud', this.parts.clock());
        } else if (c.kind === 'price') {
          const prev = catalog.get(c.data.sku) ?? { sku: c.data.sku, name: c.data.sku, gtins: [] };
          // Exact decimal text (CONTRACT.md: amounts are kept exact), never a float rounded to cents.
          const amount = decimalAmount(c.data.price.amount) ?? String(c.data.price.amount);
          if (
            !prev.price ||
            !sameAmount(prev.price.amount, amount) ||
            prev.price.currency !== c.data.price.currency
          )
            priced.push(c.data.sku);
          catalog.put(
            { ...prev, price: { amount, currency: c.data.price.currency } },
            'cloud',
            this.parts.clock(),
          );
        } else if (c.kind !== 'reservation') {
          this.parts.feedHandlers.apply(c);
        }
      }
      db.prepare('UPDATE replication_state SET feed_cursor = ? WHERE id = 1').run(String(cursor));
    })();
    for (const c of changes)
      if (c.kind === 'item' || c.kind === 'price')
        this.parts.events.emit('item', { sku: c.data.sku, kind: c.kind });
    this.parts.feedHandlers.notify(changes);
    // Every feature that cares (shelf labels) hears of it through the bus.
    if (priced.length > 0) this.parts.events.emit('price.changed', { skus: priced, source: 'cloud' });
  }

  /** Accepts a reservation with a `reserve` movement when stock allows, or rejects it with a reason. */
  private async answer(r: { id: string; sku: string; qty: number; ref: string }): Promise<void> {
    const who = { source: 'cloud-reservation', actor: 'cloud' };
    const location = this.parts.settings.replication.reservationLocation;
    const id = answerId(r.id);
    try {
      await this.parts.writer.submit(
        [{ id, type: 'reserve', sku: r.sku, location, qty: r.qty, ref: r.id }],
        who,
      );
      this.parts.log.info({ reservation: r.id, sku: r.sku, qty: r.qty }, 'reservation accepted');
    } catch (err) {
      // 503: the ledger is being restored from the cloud; the feed retries this page after it.
      if (!(err instanceof LedgerError) || err.code === ErrorCode.Ledger_Restoring) throw err;
      if (err.code === ErrorCode.Ledger_MovementIdReused) return; // answered before
      const reason = err.message.slice(0, 250);
      const known = this.parts.catalog.has(r.sku);
      await this.parts.writer
        .submit(
          [{ id, type: 'reject', sku: known ? r.sku : r.sku, location, qty: r.qty, ref: r.id, reason }],
          who,
        )
        .catch((e: unknown) => {
          if (isEdgeError(e, LEDGER_CONFLICTS)) return;
          // An unknown sku cannot be recorded in the ledger either: log it; the cloud keeps it requested.
          this.parts.log.warn(
            { reservation: r.id, err: (e as Error).message },
            'reservation could not be answered',
          );
        });
      this.parts.log.info({ reservation: r.id, reason }, 'reservation rejected');
    }
  }
}
