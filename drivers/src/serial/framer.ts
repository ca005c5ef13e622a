/**
 * Cuts a serial scanner's byte stream into codes: at the configured suffix (CR, LF or CRLF;
 * by default any of them), or, for scanners set up without a suffix, after an idle gap with no
 * bytes. Pure: the caller owns the timer and calls `flush()` when the gap has passed.
 */

export type SerialSuffix = '\r' | '\n' | '\r\n';

export const SUFFIX_NAMES: Readonly<Record<string, SerialSuffix>> = { cr: '\r', lf: '\n', crlf: '\r\n' };

/** Longest frame kept; a scanner streaming garbage without suffix must not grow memory. */
export const MAX_FRAME_LENGTH = 8192;

export class SerialFramer {
  readonly #suffix: SerialSuffix | undefined;
  #buffer = '';

  /** `suffix` undefined: CR, LF and CRLF all end a code (empty lines are skipped). */
  constructor(suffix?: SerialSuffix) {
    this.#suffix = suffix;
  }

  /** True while a code is partly received (the idle timer should run). */
  get pending(): boolean {
    return this.#buffer.length > 0;
  }

  /** Adds bytes; returns the codes they complete. Bytes are ISO/IEC 8859-1 (GS survives). */
  push(chunk: Uint8Array): string[] {
    let text = '';
    for (const b of chunk) text += String.fromCharCode(b);
    this.#buffer += text;
    const out: string[] = [];
    for (;;) {
      const [at, len] = this.#findSuffix();
      if (at === -1) break;
      const frame = this.#buffer.slice(0, at);
      this.#buffer = this.#buffer.slice(at + len);
      if (frame !== '') out.push(frame);
    }
    if (this.#buffer.length > MAX_FRAME_LENGTH) this.#buffer = '';
    return out;
  }

  /** The idle gap has passed: whatever is buffered is a complete code. */
  flush(): string[] {
    const frame = this.#buffer;
    this.#buffer = '';
    // With "any" suffix a lone trailing CR/LF is not a code.
    const trimmed = this.#suffix === undefined ? frame.replace(/[\r\n]+/g, '') : frame;
    return trimmed === '' ? [] : [trimmed];
  }

  reset(): void {
    this.#buffer = '';
  }

  #findSuffix(): [index: number, length: number] {
    if (this.#suffix !== undefined) return [this.#buffer.indexOf(this.#suffix), this.#suffix.length];
    const m = /\r\n|\r|\n/.exec(this.#buffer);
    if (!m) return [-1, 0];
    // A CR at the very end may be the first half of CRLF: the LF then arrives as an empty line.
    return [m.index, m[0].length];
  }
}
