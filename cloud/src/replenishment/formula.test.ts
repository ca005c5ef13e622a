import { describe, expect, it } from 'vitest';
import { position, proposedQty, RuleError, type StockPosition } from './formula.js';

const at = (p: Partial<StockPosition>): StockPosition => ({
  onHand: 0,
  reserved: 0,
  onOrder: 0,
  inTransit: 0,
  ...p,
});

describe('replenishment formula: max − (onHand − reserved + onOrder + inTransit), rounded up', () => {
  it.each([
    {
      case: 'below min orders up to max',
      rule: { min: 10, max: 40, multiple: 1 },
      p: at({ onHand: 4 }),
      qty: 36,
    },
    { case: 'at min orders nothing', rule: { min: 10, max: 40, multiple: 1 }, p: at({ onHand: 10 }), qty: 0 },
    { case: 'one below min orders', rule: { min: 10, max: 40, multiple: 1 }, p: at({ onHand: 9 }), qty: 31 },
    {
      case: 'rounds up to the case size',
      rule: { min: 10, max: 40, multiple: 12 },
      p: at({ onHand: 4 }),
      qty: 36,
    },
    {
      case: 'rounds 37 up to 48 (never down below max)',
      rule: { min: 10, max: 40, multiple: 12 },
      p: at({ onHand: 3 }),
      qty: 48,
    },
    {
      case: 'exact multiple is kept',
      rule: { min: 10, max: 42, multiple: 6 },
      p: at({ onHand: 0 }),
      qty: 42,
    },
    {
      case: 'reserved units are not available',
      rule: { min: 10, max: 40, multiple: 1 },
      p: at({ onHand: 12, reserved: 5 }),
      qty: 33,
    },
    {
      case: 'on order counts toward the position',
      rule: { min: 10, max: 40, multiple: 1 },
      p: at({ onHand: 4, onOrder: 6 }),
      qty: 0,
    },
    {
      case: 'on order not enough still orders the rest',
      rule: { min: 10, max: 40, multiple: 1 },
      p: at({ onHand: 2, onOrder: 5 }),
      qty: 33,
    },
    {
      case: 'in transit counts toward the position',
      rule: { min: 10, max: 40, multiple: 1 },
      p: at({ onHand: 0, inTransit: 10 }),
      qty: 0,
    },
    {
      case: 'on order and in transit together',
      rule: { min: 10, max: 40, multiple: 5 },
      p: at({ onHand: 1, onOrder: 3, inTransit: 2 }),
      qty: 35,
    },
    {
      case: 'negative on hand counts as zero',
      rule: { min: 10, max: 40, multiple: 1 },
      p: at({ onHand: -7 }),
      qty: 40,
    },
    {
      case: 'negative on hand with reservations',
      rule: { min: 10, max: 40, multiple: 1 },
      p: at({ onHand: -7, reserved: 3 }),
      qty: 43,
    },
    {
      case: 'position above max orders nothing',
      rule: { min: 10, max: 40, multiple: 1 },
      p: at({ onHand: 55 }),
      qty: 0,
    },
    {
      case: 'min 0: only a negative position orders',
      rule: { min: 0, max: 6, multiple: 1 },
      p: at({ onHand: 0 }),
      qty: 0,
    },
    {
      case: 'min 0 with more reserved than on hand',
      rule: { min: 0, max: 6, multiple: 1 },
      p: at({ onHand: 1, reserved: 2 }),
      qty: 7,
    },
    { case: 'min = max tops up to it', rule: { min: 5, max: 5, multiple: 1 }, p: at({ onHand: 4 }), qty: 1 },
  ])('$case', ({ rule, p, qty }) => {
    expect(proposedQty(rule, p)).toBe(qty);
  });

  it('computes the position it compares with min', () => {
    expect(position({ onHand: 12, reserved: 5, onOrder: 3, inTransit: 2 })).toBe(12);
    expect(position({ onHand: -4, reserved: 1, onOrder: 0, inTransit: 0 })).toBe(-1);
  });

  it.each([
    { case: 'zero multiple', rule: { min: 1, max: 5, multiple: 0 }, field: 'multiple' },
    { case: 'fractional multiple', rule: { min: 1, max: 5, multiple: 1.5 }, field: 'multiple' },
    { case: 'min above max', rule: { min: 6, max: 5, multiple: 1 }, field: 'min' },
    { case: 'negative min', rule: { min: -1, max: 5, multiple: 1 }, field: 'min' },
  ])('refuses a rule with $case, naming the field', ({ rule, field }) => {
    expect(() => proposedQty(rule, at({}))).toThrow(RuleError);
    try {
      proposedQty(rule, at({}));
    } catch (err) {
      expect((err as RuleError).field).toBe(field);
    }
  });
});
