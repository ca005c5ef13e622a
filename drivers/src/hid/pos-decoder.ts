/**
 * HID POS barcode scanners (HID Point of Sale Usage Tables, usage page 0x8C "Bar Code
 * Scanner"): the scanner sends Scanned Data Reports carrying Symbology Identifier 1–3
 * (usages 0xFB–0xFD, the AIM identifier), Decoded Data (0xFE) and Decode Data Continued
 * (0xFF) when a code does not fit in one report.
 *
 * Byte layout as captured from a Honeywell Voyager 1602g (fixture hid-pos-reports.json):
 * byte 0 report ID (0x02), byte 1 count of data bytes in this report, bytes 2–4 the AIM
 * identifier, then the data, zero padded; of the last three bytes the final one is the
 * "continued" flag (1 = more reports follow). The fixture marks the meaning of the trailing
 * bytes as inferred from captures, so the decoder only trusts the length byte and that flag.
 */

export interface PosDecoderOptions {
  /** Report ID of Scanned Data Reports; others (status, trigger) are ignored. Default 2. */
  reportId?: number;
}

export interface PosScan {
  /** Decoded data of all reports of one read, without the AIM identifier. */
  data: string;
  /** AIM identifier from the Symbology Identifier bytes (`]E0`), when the scanner sent one. */
  aimId?: string;
}

const HEADER = 5; // report ID, length, 3 symbology identifier bytes
const TRAILER = 3;
/** Upper bound on one read's data (2D codes reach a few KB); beyond it the read is dropped. */
export const MAX_POS_DATA = 16 * 1024;

export class HidPosDecoder {
  readonly #reportId: number;
  #chunks: number[] = [];
  #aimId: string | undefined;

  constructor(options: PosDecoderOptions = {}) {
    this.#reportId = options.reportId ?? 0x02;
  }

  /** Feeds one input report; returns the reads it completed. */
  push(report: Uint8Array): PosScan[] {
    if (report.length < HEADER + TRAILER + 1 || report[0] !== this.#reportId) return [];
    const capacity = report.length - HEADER - TRAILER;
    const count = report[1] ?? 0;
    if (count > capacity) {
      // A length the report cannot hold means we lost sync: drop the read in progress.
      this.reset();
      return [];
    }
    if (this.#chunks.length === 0) this.#aimId = aimIdOf(report);
    for (const b of report.subarray(HEADER, HEADER + count)) this.#chunks.push(b);
    if (this.#chunks.length > MAX_POS_DATA) {
      this.reset();
      return [];
    }
    const more = report[report.length - 1] === 1;
    if (more) return [];
    const scan: PosScan = { data: latin1(this.#chunks) };
    if (this.#aimId) scan.aimId = this.#aimId;
    this.reset();
    return scan.data === '' && !scan.aimId ? [] : [scan];
  }

  reset(): void {
    this.#chunks = [];
    this.#aimId = undefined;
  }
}

function aimIdOf(report: Uint8Array): string | undefined {
  const id = latin1([...report.subarray(2, HEADER)]);
  return /^\][\x21-\x7e]{2}$/.test(id) ? id : undefined;
}

// Scanners send single-byte data (ISO/IEC 8859-1 by default); GS (0x1D) passes through.
function latin1(bytes: readonly number[]): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}
