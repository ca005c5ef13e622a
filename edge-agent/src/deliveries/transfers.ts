import { createHash } from 'node:crypto';
import type { AgentCore } from '../context.js';
import { EdgeError, ErrorCode } from '../errors.js';
import type { MovementResult } from '../ledger/types.js';
import type { DeliveryStore } from './store.js';

export interface TransferRequest {
  id: string;
  toStoreId: string;
  location?: string;
  lines: Array<{ sku: string; qty: number }>;
}

export interface TransferView {
  id: string;
  fromStoreId: string;
  toStoreId: string;
  location: string;
  lines: Array<{ sku: string; qty: number }>;
  createdAt: string;
  createdBy: string;
  status: 'shipping' | 'shipped';
  /** Whether the cloud has acknowledged the shipment (and made the destination's delivery). */
  reported: boolean;
  /** Why the cloud has not taken it yet (an unknown destination store, the link), if it refused. */
  lastError: string | null;
}

interface TransferRow {
  id: string;
  to_store_id: string;
  location: string;
  lines: string;
  request_hash: string;
  created_at: string;
  created_by: string;
  shipped_seq: number | null;
}

/**
 * The id of a transfer line's `transfer_out` movement, derived from the store, the transfer and
 * the sku (an RFC 9562 version-8 UUID from SHA-256): a retried POST, or the restart that finishes
 * a transfer a crash interrupted, books the same movements, which the ledger answers as duplicates.
 */
export function transferMovementId(storeId: string, transferId: string, sku: string): string {
  const h = createHash('sha256')
    .update(`store-edge transfer_out\0${storeId}\0${transferId}\0${sku}`)
    .digest();
  h[6] = ((h[6] as number) & 0x0f) | 0x80;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

function requestHash(r: Required<Omit<TransferRequest, 'id'>>): string {
  const lines = [...r.lines].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  return createHash('sha256')
    .update(JSON.stringify([r.toStoreId, r.location, lines.map((l) => [l.sku, l.qty])]))
    .digest('base64url');
}

/**
 * Shipping transfers to other stores: a transfers row first (the intent), then its transfer_out
 * movements with ref = transfer id and derived ids, then the uplink record that makes the cloud
 * create the destination's delivery (kind `transfer`, same id). Each step is idempotent, so a
 * retry or a restart after a crash anywhere finishes it without doubling anything.
 */
export class Transfers {
  constructor(
    private readonly core: AgentCore,
    private readonly deliveries: DeliveryStore,
  ) {}

  private row(id: string): TransferRow | undefined {
    return this.core.db.prepare<[string], TransferRow>('SELECT * FROM transfers WHERE id = ?').get(id);
  }

  async ship(
    req: TransferRequest,
    actor: string,
  ): Promise<{ transfer: TransferView; movements: MovementResult[] }> {
    const location = req.location ?? 'store';
    const problems: Array<{ path: string; message: string }> = [];
    if (req.toStoreId === this.core.settings.storeId)
      problems.push({ path: '/toStoreId', message: 'is this store; a transfer goes to another store' });
    const seen = new Set<string>();
    req.lines.forEach((l, i) => {
      if (seen.has(l.sku)) problems.push({ path: `/lines/${i}/sku`, message: 'is listed twice' });
      seen.add(l.sku);
      if (!this.core.catalog.has(l.sku))
        problems.push({ path: `/lines/${i}/sku`, message: `no item '${l.sku}' in the catalog` });
    });
    if (problems.length > 0)
      throw new EdgeError(
        ErrorCode.Request_Invalid,
        problems.map((p) => `${p.path} ${p.message}`).join('; '),
        {
          extra: { errors: problems },
        },
      );
    const hash = requestHash({ toStoreId: req.toStoreId, location, lines: req.lines });
    const now = this.core.clock().toISOString();
    const existing = this.row(req.id);
    if (existing && existing.request_hash !== hash)
      throw new EdgeError(
        ErrorCode.Deliveries_TransferIdReused,
        `transfer '${req.id}' was shipped to '${existing.to_store_id}' with other lines`,
      );
    if (!existing)
      this.core.db
        .prepare(
          `INSERT INTO transfers (id, to_store_id, location, lines, request_hash, created_at, created_by)
           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
        )
        .run(req.id, req.toStoreId, location, JSON.stringify(req.lines), hash, now, actor);
    const movements = await this.book(req.id);
    const view = this.get(req.id);
    if (!view) throw new Error(`transfer ${req.id} vanished`);
    return { transfer: view, movements };
  }

  /** Books a transfer's movements (again: duplicates) and queues its uplink record. */
  private async book(id: string): Promise<MovementResult[]> {
    const row = this.row(id);
    if (!row) throw new EdgeError(ErrorCode.Deliveries_TransferNotFound, `no transfer '${id}'`);
    const lines = JSON.parse(row.lines) as Array<{ sku: string; qty: number }>;
    const results = await this.core.writer.submit(
      lines.map((l) => ({
        id: transferMovementId(this.core.settings.storeId, id, l.sku),
        type: 'transfer_out' as const,
        sku: l.sku,
        location: row.location,
        qty: l.qty,
        ref: id,
        at: row.created_at,
      })),
      { source: 'api', actor: row.created_by },
    );
    const lastSeq = Math.max(0, ...results.map((r) => r.seq));
    this.core.db.transaction(() => {
      this.core.db.prepare('UPDATE transfers SET shipped_seq = ? WHERE id = ?').run(lastSeq, id);
      this.deliveries.queueUplink(
        'transfer',
        id,
        { toStoreId: row.to_store_id, lines, shippedAt: row.created_at, asOfSeq: lastSeq },
        lastSeq,
      );
    })();
    return results;
  }

  /** Finishes transfers a crash left between their row and their movements (at start). */
  async resume(): Promise<void> {
    const pending = this.core.db
      .prepare<[], { id: string }>('SELECT id FROM transfers WHERE shipped_seq IS NULL ORDER BY created_at')
      .all();
    for (const p of pending) await this.book(p.id);
  }

  get(id: string): TransferView | null {
    const row = this.row(id);
    if (!row) return null;
    const reported = this.core.db
      .prepare<[string], { acked_at: string | null; last_error: string | null }>(
        "SELECT acked_at, last_error FROM delivery_uplink WHERE kind = 'transfer' AND id = ?",
      )
      .get(id);
    return {
      id: row.id,
      fromStoreId: this.core.settings.storeId,
      toStoreId: row.to_store_id,
      location: row.location,
      lines: JSON.parse(row.lines) as Array<{ sku: string; qty: number }>,
      createdAt: row.created_at,
      createdBy: row.created_by,
      status: row.shipped_seq === null ? 'shipping' : 'shipped',
      reported: Boolean(reported?.acked_at),
      lastError: reported?.acked_at ? null : (reported?.last_error ?? null),
    };
  }
}
