/** Bit access straight on an uppercase hex string, so decoding allocates no byte buffer. */

const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[65 + i] = 10 + i;
  NIBBLE[97 + i] = 10 + i;
}

/** Value of the hex digit at `code`, or -1. */
export function nibble(code: number): number {
  return code < 128 ? (NIBBLE[code] as number) : -1;
}

/**
 * Normalises hex to uppercase, or returns a reason. Allocates only when the input has
 * lowercase digits.
 */
export function normaliseHex(input: string): { hex: string } | { reason: string } {
  const n = input.length;
  if (n === 0) return { reason: 'empty EPC' };
  let lower = false;
  for (let i = 0; i < n; i++) {
    const c = input.charCodeAt(i);
    if (nibble(c) < 0) return { reason: `non-hex character at position ${i}` };
    if (c >= 97) lower = true;
  }
  if (n % 2 !== 0) return { reason: `odd number of hex digits (${n})` };
  return { hex: lower ? input.toUpperCase() : input };
}

function bitAt(hex: string, bit: number): number {
  return (nibble(hex.charCodeAt(bit >> 2)) >> (3 - (bit & 3))) & 1;
}

/** Unsigned integer of `length` ≤ 53 bits starting at bit `offset` (MSB first), a nibble at a time. */
export function readBits(hex: string, offset: number, length: number): number {
  let v = 0;
  let pos = offset;
  const end = offset + length;
  while (pos < end) {
    const avail = 4 - (pos & 3);
    const take = Math.min(avail, end - pos);
    const bits = (nibble(hex.charCodeAt(pos >> 2)) >> (avail - take)) & ((1 << take) - 1);
    v = v * (1 << take) + bits;
    pos += take;
  }
  return v;
}

/** Unsigned integer of any width, for fields wider than 53 bits (GIAI-96 asset reference). */
export function readBitsBig(hex: string, offset: number, length: number): bigint {
  let v = 0n;
  for (let i = 0; i < length; i++) v = (v << 1n) | BigInt(bitAt(hex, offset + i));
  return v;
}

/** True when every bit from `offset` to the end of the hex is zero (word padding after the EPC). */
export function zeroFrom(hex: string, offset: number): boolean {
  const total = hex.length * 4;
  for (let b = offset; b < total; b++) if (bitAt(hex, b) !== 0) return false;
  return true;
}

/** Accumulates MSB-first fields into an uppercase hex string of whole bytes. */
export class BitWriter {
  #value = 0n;
  #bits = 0;

  write(value: number | bigint, length: number): this {
    const v = BigInt(value);
    if (v < 0n || v >= 1n << BigInt(length)) {
      throw new RangeError(`value ${v} does not fit in ${length} bits`);
    }
    this.#value = (this.#value << BigInt(length)) | v;
    this.#bits += length;
    return this;
  }

  /** Pads with zero bits to `totalBits` (rounded up to whole bytes) and returns the hex. */
  toHex(totalBits = this.#bits): string {
    const bits = Math.ceil(Math.max(totalBits, this.#bits) / 8) * 8;
    const v = this.#value << BigInt(bits - this.#bits);
    return v
      .toString(16)
      .toUpperCase()
      .padStart(bits / 4, '0');
  }
}
