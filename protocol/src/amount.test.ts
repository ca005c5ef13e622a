import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { decimalAmount, PriceSchema, sameAmount } from './index.js';

describe('price amounts', () => {
  it('takes a JSON number or a decimal string and keeps the decimal exact', () => {
    expect(decimalAmount(1.29)).toBe('1.29');
    expect(decimalAmount('1.29')).toBe('1.29');
    expect(decimalAmount(JSON.parse('{"a": 1.10}').a)).toBe('1.1');
    expect(decimalAmount(9_999_999_999.9999)).toBe('9999999999.9999');
    expect(decimalAmount(0)).toBe('0');
  });

  it('refuses float artefacts, too many digits and non-numbers instead of rounding them', () => {
    expect(decimalAmount(0.1 + 0.2)).toBeNull();
    expect(decimalAmount(1.23456)).toBeNull();
    expect(decimalAmount('1.23456')).toBeNull();
    expect(decimalAmount(1e-7)).toBeNull();
    expect(decimalAmount(12_345_678_901)).toBeNull();
    expect(decimalAmount(Number.NaN)).toBeNull();
    expect(decimalAmount('1,29')).toBeNull();
    expect(Value.Check(PriceSchema, { amount: -1, currency: 'EUR' })).toBe(false);
    expect(Value.Check(PriceSchema, { amount: '1.29', currency: 'EUR' })).toBe(true);
    expect(Value.Check(PriceSchema, { amount: 1.29, currency: 'EUR' })).toBe(true);
  });

  it('compares amounts as decimals', () => {
    expect(sameAmount('1.50', 1.5)).toBe(true);
    expect(sameAmount('01.5', '1.5000')).toBe(true);
    expect(sameAmount('1.5', '1.05')).toBe(false);
    expect(sameAmount('0', 0)).toBe(true);
  });
});
