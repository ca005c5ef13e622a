import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { MovementSchema, movementProblems, parseInstant } from './index.js';

const movement = {
  id: '0d6f3c1e-3b7a-4c55-9a51-2f1e0b9c8d7a',
  type: 'sale' as const,
  sku: 'SKU-1',
  location: 'store',
  qty: 2,
  at: '2026-11-20T09:30:00.000Z',
};

describe('movement times, as both ends read them', () => {
  it('normalises offsets, lower-case separators and long fractions to UTC milliseconds', () => {
    expect(parseInstant('2024-07-01T01:30:00+02:00')).toMatchObject({
      ok: true,
      at: '2024-06-30T23:30:00.000Z',
    });
    expect(parseInstant('2024-06-30t23:30:00z')).toMatchObject({ ok: true, at: '2024-06-30T23:30:00.000Z' });
    expect(parseInstant('2024-06-30 23:30:00Z')).toMatchObject({ ok: true, at: '2024-06-30T23:30:00.000Z' });
    // Truncated, not rounded: .9999999 stays in its second (and its day).
    expect(parseInstant('2024-12-31T23:59:59.9999999Z')).toMatchObject({
      ok: true,
      at: '2024-12-31T23:59:59.999Z',
    });
    expect(parseInstant('2024-06-30T23:30:00.5-00:30')).toMatchObject({
      ok: true,
      at: '2024-07-01T00:00:00.500Z',
    });
  });

  it('refuses leap seconds, impossible dates and times outside what MySQL DATETIME holds', () => {
    expect(parseInstant('2024-06-30T23:59:60Z')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/leap second/),
    });
    expect(parseInstant('2024-02-30T10:00:00Z').ok).toBe(false);
    expect(parseInstant('2023-02-29T10:00:00Z').ok).toBe(false);
    expect(parseInstant('2024-02-29T10:00:00Z').ok).toBe(true);
    expect(parseInstant('1900-02-29T10:00:00Z').ok).toBe(false);
    expect(parseInstant('2000-02-29T10:00:00Z').ok).toBe(true);
    expect(parseInstant('0000-01-01T00:00:00Z').ok).toBe(false);
    expect(parseInstant('0999-12-31T23:59:59.999Z').ok).toBe(false);
    expect(parseInstant('1000-01-01T00:00:00Z').ok).toBe(true);
    expect(parseInstant('9999-12-31T23:59:59.999Z').ok).toBe(true);
    // Local 9999-12-31 23:30 one hour west of UTC is already year 10000 in UTC.
    expect(parseInstant('9999-12-31T23:30:00-01:00').ok).toBe(false);
    expect(parseInstant('1000-01-01T00:30:00+01:00').ok).toBe(false);
    expect(parseInstant('2024-06-30T24:00:00Z').ok).toBe(false);
    expect(parseInstant('2024-06-30T10:00:00+24:00').ok).toBe(false);
    expect(parseInstant('2024-06-30T10:00:00').ok).toBe(false);
    expect(parseInstant('2024-13-01T10:00:00Z').ok).toBe(false);
  });

  it('the wire schema and movementProblems together refuse what the cloud could not store', () => {
    expect(Value.Check(MovementSchema, movement)).toBe(true);
    expect(Value.Check(MovementSchema, { ...movement, at: '2024-06-30' })).toBe(false);
    expect(
      Value.Check(MovementSchema, { ...movement, id: 'URN:UUID:0D6F3C1E-3B7A-4C55-9A51-2F1E0B9C8D7A' }),
    ).toBe(true);
    expect(Value.Check(MovementSchema, { ...movement, location: 'x'.repeat(65) })).toBe(false);
    expect(Value.Check(MovementSchema, { ...movement, qty: 2_000_000_001 })).toBe(false);
    expect(movementProblems(movement)).toEqual([]);
    expect(movementProblems({ ...movement, at: '2024-06-30T23:59:60Z' })).toEqual([
      { path: '/at', message: expect.stringMatching(/leap second/) },
    ]);
    expect(movementProblems({ ...movement, type: 'void', qty: 1 })).toEqual([
      { path: '/qty', message: 'void carries qty 0' },
    ]);
  });
});
