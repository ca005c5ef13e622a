/**
 * Partition tables, GS1 EPC TDS 1.13 §14.3.3/§14.4.3. In every 96-bit scheme here the
 * company prefix column is the same: partition P gives 12 − P digits in these bit widths.
 * Only the width of the second field differs (its bit count is the remainder of a fixed
 * total).
 */
export const COMPANY_PREFIX_BITS = [40, 37, 34, 30, 27, 24, 20] as const;

export interface PartitionRow {
  companyPrefixBits: number;
  companyPrefixDigits: number;
  otherBits: number;
  otherDigits: number;
}

function table(total: number, otherDigitsAtP0: number): readonly PartitionRow[] {
  return COMPANY_PREFIX_BITS.map((m, p) => ({
    companyPrefixBits: m,
    companyPrefixDigits: 12 - p,
    otherBits: total - m,
    otherDigits: otherDigitsAtP0 + p,
  }));
}

/** Table 14-2 SGTIN partition table: indicator + item reference, 44 bits, 13 − L digits. */
export const SGTIN_PARTITIONS = table(44, 1);
/** Table 14-5 SSCC partition table: extension digit + serial reference, 58 bits, 17 − L digits. */
export const SSCC_PARTITIONS = table(58, 5);
/** Table 14-7 SGLN partition table: location reference, 41 bits, 12 − L digits. */
export const SGLN_PARTITIONS = table(41, 0);
/** Table 14-10 GRAI partition table: asset type, 44 bits, 12 − L digits. */
export const GRAI_PARTITIONS = table(44, 0);
/**
 * Table 14-13 GIAI-96 partition table: individual asset reference, 82 bits, at most
 * 25 − L digits (an integer, so a maximum rather than a fixed width).
 */
export const GIAI96_PARTITIONS = table(82, 13);
