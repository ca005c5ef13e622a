import { loadFixture } from '@store-edge/testing';
import { describe, expect, it } from 'vitest';
import { encodeSgtin96 } from './sgtin96.js';

interface Vector {
  hex: string;
  filter: number;
  companyPrefix: string;
  serial: string;
  gtin14: string;
}
const { vectors } = loadFixture('sgtin96-vectors.json') as { vectors: Vector[] };

describe('SGTIN-96 encoder', () => {
  it.each(vectors)('encodes $gtin14 serial $serial (filter $filter) as $hex', (v) => {
    const hex = encodeSgtin96({
      gtin14: v.gtin14,
      companyPrefixLength: v.companyPrefix.length,
      serial: v.serial,
      filter: v.filter,
    });
    expect(hex).toBe(v.hex);
  });

  it('refuses a serial with a leading zero (needs SGTIN-198)', () => {
    expect(() =>
      encodeSgtin96({ gtin14: '80614141123458', companyPrefixLength: 7, serial: '001', filter: 1 }),
    ).toThrow(/SGTIN-198/);
  });

  it('refuses a company prefix length outside 6-12', () => {
    expect(() =>
      encodeSgtin96({ gtin14: '80614141123458', companyPrefixLength: 5, serial: '1', filter: 1 }),
    ).toThrow(/6-12/);
  });
});
