import { describe, expect, it } from 'vitest';
import { encodeSgtin96 } from '../epc/encode.js';
import { gtinOfCode } from './gtin-of.js';

describe('gtinOfCode: the GTIN a scanned code books stock under', () => {
  it('pads a GTIN-13 and reads the (01) of an element string, a Digital Link and an SGTIN', () => {
    expect(gtinOfCode('4006381333931')).toBe('04006381333931');
    expect(gtinOfCode('(01)04006381333931(10)LOT7')).toBe('04006381333931');
    expect(gtinOfCode('https://id.gs1.org/01/04006381333931/21/ABC')).toBe('04006381333931');
    expect(gtinOfCode(encodeSgtin96({ gtin14: '04006381333931', serial: 42 }))).toBe('04006381333931');
  });

  it('answers null for codes that name no trade item', () => {
    expect(gtinOfCode('SKU-1')).toBeNull();
    expect(gtinOfCode('(00)340123450000000008')).toBeNull();
  });
});
