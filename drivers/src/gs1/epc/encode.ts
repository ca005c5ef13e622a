import { gs1CheckDigit, isDigits } from '../check-digit.js';
import { BitWriter } from './bits.js';
import { SGTIN_PARTITIONS } from './partition.js';

export interface Sgtin96Input {
  /** GTIN-14 including a correct check digit (pad GTIN-8/12/13 with leading zeros). */
  gtin14: string;
  /** SGTIN-96 serial: a decimal integer below 2^38 without leading zeros (TDS §14.5.1.1). */
  serial: string | number | bigint;
  /** Filter value, TDS Table 10-1 (0–7). Default 1, point-of-sale trade item. */
  filter?: number;
  /**
   * Digits of the GS1 company prefix inside the GTIN (6–12). It cannot be derived from the
   * GTIN itself; it picks the partition (Table 14-2). Default 7.
   */
  companyPrefixLength?: number;
}

const SGTIN96_HEADER = 0x30; // TDS Table 14-1
const SERIAL_LIMIT = 2n ** 38n;

/**
 * Encodes an SGTIN-96 (EPC TDS 1.13 §14.5.1, Table 14-3) as 24 uppercase hex digits, e.g. for
 * a ZPL `^RFW,H` write (labels' RFID template) or a simulated reader. Throws RangeError on input that has no SGTIN-96 encoding (wrong check
 * digit, serial with leading zeros or ≥ 2^38 — those need SGTIN-198).
 */
export function encodeSgtin96(input: Sgtin96Input): string {
  const { gtin14 } = input;
  const filter = input.filter ?? 1;
  const cpLength = input.companyPrefixLength ?? 7;
  if (gtin14.length !== 14 || !isDigits(gtin14)) throw new RangeError(`GTIN-14 must be 14 digits: ${gtin14}`);
  const check = gs1CheckDigit(gtin14.slice(0, 13));
  if (check !== gtin14.charCodeAt(13) - 48) {
    throw new RangeError(`GTIN-14 ${gtin14} has a wrong check digit (expected ${check})`);
  }
  if (!Number.isInteger(filter) || filter < 0 || filter > 7)
    throw new RangeError(`filter must be 0–7: ${filter}`);
  if (!Number.isInteger(cpLength) || cpLength < 6 || cpLength > 12) {
    throw new RangeError(`company prefix length must be 6–12: ${cpLength}`);
  }
  const serial = serialValue(input.serial);
  const partition = 12 - cpLength;
  const row = SGTIN_PARTITIONS[partition]!;
  // Item reference carries the indicator digit in front (TDS §7.1.2).
  const companyPrefix = gtin14.slice(1, 1 + cpLength);
  const itemReference = gtin14.charAt(0) + gtin14.slice(1 + cpLength, 13);
  return new BitWriter()
    .write(SGTIN96_HEADER, 8)
    .write(filter, 3)
    .write(partition, 3)
    .write(BigInt(companyPrefix), row.companyPrefixBits)
    .write(BigInt(itemReference), row.otherBits)
    .write(serial, 38)
    .toHex();
}

function serialValue(serial: string | number | bigint): bigint {
  let v: bigint;
  if (typeof serial === 'string') {
    if (!isDigits(serial)) throw new RangeError(`SGTIN-96 serial must be decimal digits: ${serial}`);
    if (serial.length > 1 && serial.charAt(0) === '0') {
      throw new RangeError(`SGTIN-96 serial ${serial} has a leading zero; only SGTIN-198 can carry it`);
    }
    v = BigInt(serial);
  } else if (typeof serial === 'number') {
    if (!Number.isSafeInteger(serial)) throw new RangeError(`SGTIN-96 serial must be an integer: ${serial}`);
    v = BigInt(serial);
  } else {
    v = serial;
  }
  if (v < 0n || v >= SERIAL_LIMIT) {
    throw new RangeError(
      `SGTIN-96 serial must be below 2^38 (${SERIAL_LIMIT}): ${v}; only SGTIN-198 can carry it`,
    );
  }
  return v;
}
