import { type Movement, stockEffect } from '@store-edge/protocol';

/** Net effect of a batch on one (sku, location) projection row. */
export interface StockDelta {
  sku: string;
  location: string;
  /** Present when a `count` occurred: on hand becomes this plus `onHand` (movements after it). */
  setOnHand: number | null;
  onHand: number;
  reserved: number;
}

/**
 * Folds a batch (in seq order) into one delta per (sku, location), so the projection update is
 * one multi-row upsert whatever the batch size.
 */
export function foldStock(
  movements: Array<Pick<Movement, 'type' | 'qty' | 'sku' | 'location'>>,
): StockDelta[] {
  const byKey = new Map<string, StockDelta>();
  for (const m of movements) {
    const key = `${m.sku}\u0000${m.location}`;
    let d = byKey.get(key);
    if (!d) {
      d = { sku: m.sku, location: m.location, setOnHand: null, onHand: 0, reserved: 0 };
      byKey.set(key, d);
    }
    const e = stockEffect(m);
    if (e.setOnHand !== undefined) {
      d.setOnHand = e.setOnHand;
      d.onHand = 0;
    }
    d.onHand += e.onHand;
    d.reserved += e.reserved;
  }
  // Sorted so that concurrent transactions touch rows in one order (fewer deadlocks).
  return [...byKey.values()].sort((a, b) =>
    a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : a.location < b.location ? -1 : a.location > b.location ? 1 : 0,
  );
}
