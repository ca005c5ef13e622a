/**
 * One string per EPC for EPCs read straight from a reader message's bytes. A fixed reader
 * reports the same few thousand tags over and over, so the common case is a tag seen before:
 * it then costs a hash and a compare of a few 8-byte words, not a new string, and the
 * smoother's Map finds the key with its hash already cached. Every string handed out is a
 * fresh copy, never a slice of the message, so keeping an EPC (as the smoother and cycle counts
 * do) never keeps a whole payload alive.
 *
 * Two-way set-associative and fixed in size (2 MiB of EPC bytes plus the strings): a flood
 * of distinct EPCs only costs misses. EPCs longer than `MAX_HEX` digits are not kept.
 */
export class EpcInterner {
  readonly #strings: Array<string | undefined>;
  /** Each slot's EPC as uppercase ASCII, `MAX_HEX` bytes a slot, zero-padded. */
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #mask: number;

  constructor(bits = 15) {
    this.#strings = new Array<string | undefined>(1 << bits).fill(undefined);
    this.#bytes = new Uint8Array((1 << bits) * MAX_HEX);
    this.#view = new DataView(this.#bytes.buffer);
    this.#mask = (1 << bits) - 2;
  }

  /**
   * The uppercase EPC spelled by `bytes[start, start + len)`: hex digits, `len` even and > 0,
   * `lower` when some are lowercase. `view` is a DataView over the same bytes as `bytes`.
   */
  intern(bytes: Uint8Array, view: DataView, start: number, len: number, lower: boolean): string {
    if (len > MAX_HEX) return copyOf(bytes, start, len, lower);
    const i = this.#set(view, start, len);
    const strings = this.#strings;
    const a = strings[i];
    if (a !== undefined && this.#holds(i, a, bytes, view, start, len, lower)) return a;
    const b = strings[i + 1];
    if (b !== undefined && this.#holds(i + 1, b, bytes, view, start, len, lower)) return b;
    const epc = copyOf(bytes, start, len, lower);
    // Most recent first; the older of the two falls out.
    if (a !== undefined) {
      strings[i + 1] = a;
      this.#bytes.copyWithin((i + 1) * MAX_HEX, i * MAX_HEX, (i + 1) * MAX_HEX);
    }
    strings[i] = epc;
    const slot = this.#bytes;
    const at = i * MAX_HEX;
    for (let j = 0; j < MAX_HEX; j++) slot[at + j] = j < len ? epc.charCodeAt(j) : 0;
    return epc;
  }

  /**
   * The EPC whose uppercase spelling is exactly `bytes[start, start + len)`, if it is held;
   * `bytes` may be anything there. A hit proves those bytes are uppercase hex digits (they
   * equal a held EPC's), which spares the caller checking them one by one.
   */
  known(bytes: Uint8Array, view: DataView, start: number, len: number): string | undefined {
    if (len > MAX_HEX || start + len > bytes.length) return undefined;
    const i = this.#set(view, start, len);
    const strings = this.#strings;
    const a = strings[i];
    if (a !== undefined && this.#holds(i, a, bytes, view, start, len, false)) return a;
    const b = strings[i + 1];
    if (b !== undefined && this.#holds(i + 1, b, bytes, view, start, len, false)) return b;
    return undefined;
  }

  /** First slot of the two an EPC of `len` bytes at `start` may live in. */
  #set(view: DataView, start: number, len: number): number {
    // FNV-1a over 4-byte words with the case bit set: both spellings of an EPC hash alike.
    let h = HASH_SEED;
    let k = 0;
    for (; k + 4 <= len; k += 4) h = Math.imul(h ^ (view.getInt32(start + k, true) | 0x20202020), HASH_PRIME);
    if (k + 2 <= len) {
      h = Math.imul(h ^ (view.getUint16(start + k, true) | 0x2020), HASH_PRIME);
      k += 2;
    }
    if (k < len) h = Math.imul(h ^ ((view.getUint8(start + k) as number) | 0x20), HASH_PRIME);
    return (h ^ (h >>> 15)) & this.#mask;
  }

  /** True when slot `i` (holding `epc`) is the EPC at `bytes[start, start + len)`. */
  #holds(
    i: number,
    epc: string,
    bytes: Uint8Array,
    view: DataView,
    start: number,
    len: number,
    lower: boolean,
  ): boolean {
    if (epc.length !== len) return false;
    if (lower) {
      for (let k = 0; k < len; k++) {
        const c = bytes[start + k] as number;
        if ((c >= 0x61 ? c - 0x20 : c) !== epc.charCodeAt(k)) return false;
      }
      return true;
    }
    // Uppercase hex on both sides: 8-byte words are never NaN or ±0, so `===` compares bits.
    const mine = this.#view;
    const at = i * MAX_HEX;
    let k = 0;
    for (; k + 8 <= len; k += 8) {
      if (view.getFloat64(start + k, true) !== mine.getFloat64(at + k, true)) return false;
    }
    for (; k < len; k++) if (bytes[start + k] !== this.#bytes[at + k]) return false;
    return true;
  }
}

/** Longest EPC kept, in hex digits: 256 bits, room for SGTIN-198 and the other TDS schemes. */
const MAX_HEX = 64;
const HASH_SEED = 0x811c9dc5 | 0;
const HASH_PRIME = 0x01000193;

/** A fresh string (from the bytes: a slice of a decoded message would keep it alive). */
function copyOf(bytes: Uint8Array, start: number, len: number, lower: boolean): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, len).toString('latin1');
  return lower ? text.toUpperCase() : text;
}
