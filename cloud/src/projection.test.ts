import { describe, expect, it } from 'vitest';
import { foldStock } from './projection.js';

describe('stock projection of a batch', () => {
  it('nets movements per sku and location, a count resetting on hand with later movements on top', () => {
    expect(
      foldStock([
        { type: 'receive', sku: 'B', location: 'store', qty: 10 },
        { type: 'sale', sku: 'B', location: 'store', qty: 4 },
        { type: 'count', sku: 'B', location: 'store', qty: 7 },
        { type: 'sale', sku: 'B', location: 'store', qty: 1 },
        { type: 'reserve', sku: 'A', location: 'store', qty: 2 },
        { type: 'ship', sku: 'A', location: 'store', qty: 1 },
        { type: 'reject', sku: 'A', location: 'store', qty: 5 },
        { type: 'transfer_out', sku: 'A', location: 'backroom', qty: 3 },
      ]),
    ).toEqual([
      { sku: 'A', location: 'backroom', setOnHand: null, onHand: -3, reserved: 0 },
      { sku: 'A', location: 'store', setOnHand: null, onHand: -1, reserved: 1 },
      { sku: 'B', location: 'store', setOnHand: 7, onHand: -1, reserved: 0 },
    ]);
  });
});
