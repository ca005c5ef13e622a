import { describe, expect, it } from 'vitest';
import { minorUnitDigits, type NetContent, UnitPriceError, unitPrice } from './unit-price.js';

describe('unit price (Directive 98/6/EC Art. 2(b), 3)', () => {
  // Expected values worked out by hand: price ÷ content × reference quantity, half up to the cent.
  it.each<[string, number | string, NetContent, string, string]>([
    ['500 g at 2.49 → per kg', '2.49', { amount: 500, unit: 'g' }, '4.98', 'kg'],
    ['300 g at 1.99 → 6.633… rounds down', '1.99', { amount: '300', unit: 'g' }, '6.63', 'kg'],
    ['125 g at 0.99 → 7.92', 0.99, { amount: 125, unit: 'g' }, '7.92', 'kg'],
    ['400 g at 1.35 → 3.375 rounds half up', '1.35', { amount: 400, unit: 'g' }, '3.38', 'kg'],
    ['1 kg at 2.49', '2.49', { amount: 1, unit: 'kg' }, '2.49', 'kg'],
    ['2.5 kg at 3.99 → 1.596', '3.99', { amount: '2.5', unit: 'kg' }, '1.60', 'kg'],
    ['0.75 kg at 4.50', '4.50', { amount: 0.75, unit: 'kg' }, '6.00', 'kg'],
    ['330 ml at 0.89 → 2.6969…', '0.89', { amount: 330, unit: 'ml' }, '2.70', 'l'],
    ['750 ml at 7.99 → 10.6533…', '7.99', { amount: 750, unit: 'ml' }, '10.65', 'l'],
    ['1.5 l at 1.19 → 0.7933…', '1.19', { amount: '1.5', unit: 'l' }, '0.79', 'l'],
    ['0.7 l at 12.99 → 18.557…', '12.99', { amount: '0.7', unit: 'l' }, '18.56', 'l'],
    ['6 l at 2.94', '2.94', { amount: 6, unit: 'l' }, '0.49', 'l'],
    ['50 cm at 1.25 → per m', '1.25', { amount: 50, unit: 'cm' }, '2.50', 'm'],
    ['25 m at 3.99 → 0.1596', '3.99', { amount: 25, unit: 'm' }, '0.16', 'm'],
    ['6 pieces at 2.99 → 0.4983…', '2.99', { amount: 6, unit: 'piece' }, '0.50', 'piece'],
    ['a four-decimal price: 0.0049 for 1 g', '0.0049', { amount: 1, unit: 'g' }, '4.90', 'kg'],
    ['a large price stays exact', '9999999999.9999', { amount: 1, unit: 'g' }, '9999999999999.90', 'kg'],
  ])('%s', (_, price, net, amount, unit) => {
    expect(unitPrice(price, net)).toEqual({ amount, unit });
  });

  it('rounds to the currency minor unit: JPY none, BHD three', () => {
    expect(unitPrice('199', { amount: 300, unit: 'g' }, minorUnitDigits('JPY'))).toEqual({
      amount: '663',
      unit: 'kg',
    });
    expect(unitPrice('1.999', { amount: 300, unit: 'g' }, minorUnitDigits('BHD'))).toEqual({
      amount: '6.663',
      unit: 'kg',
    });
  });

  it('refuses a net content of zero and a float artefact instead of guessing', () => {
    expect(() => unitPrice('1', { amount: 0, unit: 'g' })).toThrow(UnitPriceError);
    expect(() => unitPrice(0.1 + 0.2, { amount: 1, unit: 'g' })).toThrow(/not a decimal/);
    expect(() => unitPrice('1', { amount: 1, unit: 'lb' as 'g' })).toThrow(/not one of/);
  });
});
