// Movements, stock and the catalog (CONTRACT.md "Cloud HTTP API").
import { asArray, asRecord, num, optString, str } from '../json.js';
import { api, q } from './client.js';

export interface Movement {
  seq: number;
  id: string;
  type: string;
  sku: string;
  location: string;
  qty: number;
  at: string;
  ref: string | null;
}

export async function getMovements(
  storeId: string,
  afterSeq: number,
  limit: number,
): Promise<{ movements: Movement[]; nextAfterSeq: number; appliedSeq: number }> {
  const r = asRecord(await api(`/stores/${encodeURIComponent(storeId)}/movements${q({ afterSeq, limit })}`));
  const movements = asArray(r.movements).map((x) => {
    const m = asRecord(x);
    const mv = asRecord(m.movement);
    // A replicated record is `{seq, movement}` or the movement with its seq; read either.
    const src = Object.keys(mv).length > 0 ? mv : m;
    return {
      seq: num(m.seq),
      id: str(src.id),
      type: str(src.type),
      sku: str(src.sku),
      location: str(src.location),
      qty: num(src.qty),
      at: str(src.at),
      ref: optString(src.ref),
    };
  });
  return { movements, nextAfterSeq: num(r.nextAfterSeq, afterSeq), appliedSeq: num(r.appliedSeq) };
}

export interface StockRow {
  storeId: string;
  sku: string;
  location: string;
  onHand: number;
  reserved: number;
  available: number;
}

export async function getStock(sku: string): Promise<StockRow[]> {
  return asArray(asRecord(await api(`/stock${q({ sku })}`)).stores).map((x) => {
    const r = asRecord(x);
    return {
      storeId: str(r.storeId),
      sku: str(r.sku),
      location: str(r.location),
      onHand: num(r.onHand),
      reserved: num(r.reserved),
      available: num(r.available),
    };
  });
}

// --- Catalog ---------------------------------------------------------------------------------

export interface Item {
  tenantId: string;
  sku: string;
  name: string;
  gtins: string[];
  price: { amount: string; currency: string };
  updatedAt: string | null;
}

export async function listItems(params: {
  q?: string;
  after?: string;
  limit?: number;
}): Promise<{ items: Item[]; next: string | null }> {
  const r = asRecord(await api(`/items${q(params)}`));
  const items = asArray(r.items).map((x) => {
    const i = asRecord(x);
    const p = asRecord(i.price);
    return {
      tenantId: str(i.tenantId),
      sku: str(i.sku),
      name: str(i.name),
      gtins: asArray(i.gtins).filter((g): g is string => typeof g === 'string'),
      price: {
        amount: typeof p.amount === 'number' ? String(p.amount) : str(p.amount),
        currency: str(p.currency),
      },
      updatedAt: optString(i.updatedAt),
    };
  });
  return { items, next: optString(r.next) };
}

export async function putItem(item: Item): Promise<void> {
  await api(`/items/${encodeURIComponent(item.sku)}`, {
    method: 'PUT',
    body: { tenantId: item.tenantId, name: item.name, gtins: item.gtins, price: item.price },
  });
}
