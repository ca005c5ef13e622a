/**
 * SGTIN-96 encoding, just enough to write an EPC into an RFID label (EPC Tag Data Standard
 * 1.13 §14.5.1 and Table 14-2). Kept internal to labels; drivers/src/epc has the full codec.
 */

// TDS Table 14-2: partition → (company prefix bits, digits), (indicator + item reference bits).
const PARTITIONS: ReadonlyArray<{ cpBits: number; cpDigits: number; irBits: number }> = [
  { cpBits: 40, cpDigits: 12, irBits: 4 },
  { cpBits: 37, cpDigits: 11, irBits: 7 },
  { cpBits: 34, cpDigits: 10, irBits: 10 },
  { cpBits: 30, cpDigits: 9, irBits: 14 },
  { cpBits: 27, cpDigits: 8, irBits: 17 },
  { cpBits: 24, cpDigits: 7, irBits: 20 },
  { cpBits: 20, cpDigits: 6, irBits: 24 },
];

const SGTIN96_HEADER = 0x30n;
const MAX_SERIAL = (1n << 38n) - 1n;

export interface Sgtin96Input {
  /** GTIN-14 (check digit included; it is not encoded). */
  gtin14: string;
  /** Length of the GS1 company prefix inside the GTIN, 6-12 digits. */
  companyPrefixLength: number;
  /** Numeric serial without leading zeros, < 2^38 (TDS §14.5.1.1). */
  serial: string;
  /** Filter value, TDS Table 10-1 (1 = point-of-sale item). */
  filter: number;
}

/** 24 upper-case hex digits of the SGTIN-96 EPC, or throws with the reason. */
export function encodeSgtin96(input: Sgtin96Input): string {
  const { gtin14, companyPrefixLength, serial, filter } = input;
  if (!/^\d{14}$/.test(gtin14)) throw new Error('SGTIN-96: GTIN must have 14 digits');
  const partition = 12 - companyPrefixLength;
  const row = PARTITIONS[partition];
  if (!row || !Number.isInteger(companyPrefixLength)) {
    throw new Error('SGTIN-96: company prefix length must be 6-12 digits');
  }
  if (!Number.isInteger(filter) || filter < 0 || filter > 7) throw new Error('SGTIN-96: filter must be 0-7');
  // §14.5.1.1: the serial must be an integer without leading zeros and fit 38 bits;
  // anything else needs SGTIN-198.
  if (!/^(0|[1-9]\d*)$/.test(serial) || BigInt(serial) > MAX_SERIAL) {
    throw new Error(
      'SGTIN-96: serial must be a number below 274877906944 without leading zeros (else use SGTIN-198)',
    );
  }
  // GTIN-14 = indicator, company prefix, item reference, check digit (TDS §7.1.2):
  // the indicator digit moves to the front of the item reference.
  const companyPrefix = BigInt(gtin14.slice(1, 1 + companyPrefixLength));
  const itemReference = BigInt(gtin14[0] + gtin14.slice(1 + companyPrefixLength, 13));
  let bits = SGTIN96_HEADER;
  bits = (bits << 3n) | BigInt(filter);
  bits = (bits << 3n) | BigInt(partition);
  bits = (bits << BigInt(row.cpBits)) | companyPrefix;
  bits = (bits << BigInt(row.irBits)) | itemReference;
  bits = (bits << 38n) | BigInt(serial);
  return bits.toString(16).toUpperCase().padStart(24, '0');
}
