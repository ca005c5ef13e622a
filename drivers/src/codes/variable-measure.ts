/**
 * In-store variable-measure codes: GTIN-13 with prefix 20–29 (or GTIN-12 with leading 2, seen
 * as GTIN-14 `02…`) are Restricted Circulation Numbers whose layout each GS1 Member
 * Organisation defines (GS1 General Specifications §2.1.11–§2.1.12). The layouts below are the
 * published national rules as collected by jodal/biip (src/biip/rcn.py); a store configures
 * its region because the code alone does not say which one applies.
 */
import { priceWeightCheckDigit } from '../gs1/check-digit.js';

export type RcnRegion = 'de' | 'dk' | 'fi' | 'gb' | 'no' | 'se';
export const RCN_REGIONS: readonly RcnRegion[] = ['de', 'dk', 'fi', 'gb', 'no', 'se'];

type Measure = 'weight' | 'price' | 'count';

/**
 * Pattern over the first 12 digits of the GTIN-13: P item (incl. prefix), C price/weight
 * check digit, V the measure.
 */
interface Rule {
  measure: Measure;
  pattern: string;
  decimals: number;
}

const rule = (measure: Measure, pattern: string, decimals: number): Rule => ({ measure, pattern, decimals });

const RULES: Record<RcnRegion, Record<string, Rule>> = {
  de: {
    '22': rule('price', 'PPPPPPCVVVVV', 2),
    '23': rule('price', 'PPPPPPCVVVVV', 2),
    '25': rule('count', 'PPPPPPCVVVVV', 0),
    '26': rule('count', 'PPPPPPCVVVVV', 0),
    '28': rule('weight', 'PPPPPPCVVVVV', 3),
    '29': rule('weight', 'PPPPPPCVVVVV', 3),
  },
  dk: {
    '21': rule('price', 'PPPPPPVVVVVV', 2),
    '22': rule('price', 'PPPPPPVVVVVV', 2),
    '23': rule('price', 'PPPPPPVVVVVV', 2),
    '24': rule('price', 'PPPPPPVVVVVV', 2),
    '26': rule('weight', 'PPPPPPVVVVVV', 3),
    '27': rule('weight', 'PPPPPPPVVVVV', 3),
    '28': rule('weight', 'PPPPPPVVVVVV', 3),
  },
  fi: {
    '23': rule('weight', 'PPPPPPPPVVVV', 3),
    '24': rule('weight', 'PPPPPPPPVVVV', 2),
    '25': rule('weight', 'PPPPPPPPVVVV', 1),
  },
  gb: { '20': rule('price', 'PPPPPPPCVVVV', 2) },
  no: {
    '20': rule('price', 'PPPPPPPPVVVV', 2),
    '21': rule('price', 'PPPPPPPPVVVV', 1),
    '22': rule('price', 'PPPPPPPPVVVV', 0),
    '23': rule('weight', 'PPPPPPPPVVVV', 3),
    '24': rule('weight', 'PPPPPPPPVVVV', 2),
    '25': rule('weight', 'PPPPPPPPVVVV', 1),
  },
  se: {
    '20': rule('price', 'PPPPPPPPVVVV', 2),
    '21': rule('price', 'PPPPPPPPVVVV', 1),
    '22': rule('price', 'PPPPPPPPVVVV', 0),
    '23': rule('weight', 'PPPPPPPPVVVV', 3),
    '24': rule('weight', 'PPPPPPPPVVVV', 2),
    '25': rule('weight', 'PPPPPPPPVVVV', 1),
  },
};

export interface VariableMeasure {
  /** The GS1 prefix (2 digits of the GTIN-13, `02` for a 12-digit UPC number system 2). */
  prefix: string;
  region?: RcnRegion;
  /** Item reference without prefix and measure, what the store's catalog keys on. */
  itemReference?: string;
  weightKg?: number;
  price?: number;
  count?: number;
  /** false when the embedded price/weight check digit (§7.9.2–§7.9.4) does not match. */
  measureCheckDigitValid?: boolean;
}

/** The variable-measure reading of a GTIN-14, or undefined when it is not an RCN. */
export function decodeVariableMeasure(gtin14: string, region?: RcnRegion): VariableMeasure | undefined {
  const gtin13 = gtin14.slice(1);
  if (gtin14[0] !== '0') return undefined;
  const prefix = gtin13.slice(0, 2);
  // 02 prefix: GTIN-12 number system 2 (UPC variable measure) seen in GTIN-13 form.
  if (!/^(0[2]|2\d)$/.test(prefix)) return undefined;
  const vm: VariableMeasure = { prefix };
  if (!region) return vm;
  vm.region = region;
  const r = RULES[region][prefix];
  if (!r) return vm;
  const slice = (ch: string): string => {
    const first = r.pattern.indexOf(ch);
    return first === -1 ? '' : gtin13.slice(first, r.pattern.lastIndexOf(ch) + 1);
  };
  const value = slice('V');
  vm.itemReference = slice('P').slice(2);
  const amount = Number(value) / 10 ** r.decimals;
  if (r.measure === 'weight') vm.weightKg = amount;
  else if (r.measure === 'price') vm.price = amount;
  else vm.count = amount;
  const check = slice('C');
  if (check !== '') vm.measureCheckDigitValid = priceWeightCheckDigit(value) === Number(check);
  return vm;
}
