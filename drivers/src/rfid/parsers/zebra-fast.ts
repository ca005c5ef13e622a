import type { TagReadEvent } from '../events.js';
import { EpcInterner } from './epc-intern.js';

/**
 * The fast path for the message a Zebra IoT Connector sends most: tag data events, one object
 * or a batched array of them (testing/fixtures/zebra-iot-connector-events.json `tagDataEvent`,
 * `batchedTagDataEvents`; fields per ZebraDevs/RFID-IoTConnector-MQTT-dotnet-DockDoorSample
 * Models/TagData/Data.cs). JSON.parse builds two objects and four strings per event before the
 * parser looks at them; this reads the bytes once and builds only the reads.
 *
 * It is a recogniser for a strict subset of JSON, not a second parser: it returns exactly the
 * reads `parseZebraIot` returns for the same bytes (which then rejects and ignores nothing),
 * or `undefined`, and the caller hands the message to `parseZebraIot`. It gives up on anything
 * it does not need to understand: bytes outside printable ASCII in strings, escapes, nested
 * values other than `data`, repeated keys it reads, numbers other than small integers where
 * it reads them, `format` other than "epc", events without `data.idHex` (management events),
 * anything after the value. zebra-fast.test.ts checks the equivalence on the fixtures, random
 * valid messages and mutated or truncated ones.
 */
export function scanZebraTagData(
  readerId: string,
  bytes: Uint8Array,
  receivedAt: Date,
): TagReadEvent[] | undefined {
  // Made on first use: an agent without Zebra readers does not carry the EPC table (2 MiB).
  scanner ??= new ZebraScanner();
  return scanner.scan(readerId, bytes, receivedAt);
}

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const DEL = 0x7f;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
/** Longer integers go to the full parser (no precision questions here). */
const MAX_INT_DIGITS = 9;

/** Per byte: 1 for 0-9 and A-F, 2 for a-f, 0 otherwise. */
const HEX = new Uint8Array(256);
for (let c = DIGIT_0; c <= DIGIT_9; c++) HEX[c] = 1;
for (let c = 0x41; c <= 0x46; c++) HEX[c] = 1;
for (let c = 0x61; c <= 0x66; c++) HEX[c] = 2;

/** Kinds of value that differ between otherwise identical events (see `#learn`). */
const TIMESTAMP = 0;
const ID_HEX = 1;
const ANTENNA = 2;
const PEAK_RSSI = 3;
const NUMBER = 4;
/** Layouts learned per message at most: events that never repeat a layout get no more tries. */
const MAX_LEARNS = 4;

const EMPTY = new Uint8Array(0);
const EMPTY_VIEW = new DataView(EMPTY.buffer);

class ZebraScanner {
  #b: Uint8Array = EMPTY;
  #view: DataView = EMPTY_VIEW;
  #i = 0;
  #n = 0;
  readonly #epcs = new EpcInterner();

  /** Last timestamp parsed (a copy) and its Date.parse value; Date.parse is pure, so this outlives messages. */
  #lastTs = '';
  #lastMs = Number.NaN;
  /** This message's last timestamp token, quotes included, as [#tsAt, #tsAt + #tsLen); the Date its reads share. */
  #tsAt = 0;
  #tsLen = 0;
  #date: Date | undefined;

  /**
   * Events of one batch differ only in a few values (EPC, antenna, RSSI, counters, maybe the
   * time). Once an event has been scanned in full, the next is compared with it 8 bytes at a
   * time, and only the values in between are read: `#segStart`/`#segLen` are the spans of the
   * learned event's text around its values, `#kinds` the kinds of those values.
   */
  readonly #segStart: number[] = [];
  readonly #segLen: number[] = [];
  readonly #kinds: number[] = [];
  /** The event the layout comes from, [#learnFrom, #learnTo), and whether it is built. */
  #learnFrom = -1;
  #learnTo = -1;
  #layout = false;
  #learns = 0;
  /** Length of the learned event's EPC: the next ones are most likely as long. */
  #learnedIdLen = 0;
  /** [start, end, kind] of each varying value met while scanning an event in full. */
  readonly #spans: number[] = [];
  #spanCount = 0;

  /** Index of the opening quote of the key being read. */
  #keyStart = 0;
  // The event being read.
  /** Set when `#knownHex` found the EPC; else the EPC is at [#idStart, #idStart + #idLen). */
  #epc: string | undefined;
  #idStart = 0;
  #idLen = 0;
  #idLower = false;
  #antenna = 0;
  #rssi: number | undefined;
  #hasTs = false;

  scan(readerId: string, bytes: Uint8Array, receivedAt: Date): TagReadEvent[] | undefined {
    this.#b = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#n = bytes.length;
    this.#i = 0;
    this.#tsLen = 0;
    this.#date = undefined;
    this.#layout = false;
    this.#learnFrom = -1;
    this.#learns = 0;
    try {
      const reads: TagReadEvent[] = [];
      this.#ws();
      const c = this.#peek();
      if (c === OPEN_BRACKET) {
        this.#i++;
        this.#ws();
        if (this.#peek() === CLOSE_BRACKET) this.#i++;
        else {
          for (;;) {
            if (!this.#anyEvent()) return undefined;
            reads.push(this.#read(readerId, receivedAt));
            const d = this.#peek();
            if (d === COMMA) this.#i++;
            else {
              this.#ws();
              const e = this.#peek();
              this.#i++;
              if (e === CLOSE_BRACKET) break;
              if (e !== COMMA) return undefined;
            }
            this.#ws();
          }
        }
      } else if (c === OPEN_BRACE) {
        if (!this.#event()) return undefined;
        reads.push(this.#read(readerId, receivedAt));
      } else return undefined;
      this.#ws();
      return this.#i === this.#n ? reads : undefined;
    } finally {
      // The scanner lives on between messages; the message must not.
      this.#b = EMPTY;
      this.#view = EMPTY_VIEW;
      this.#date = undefined;
    }
  }

  /** One event of a batch: by the layout of an earlier one when it fits, else in full. */
  #anyEvent(): boolean {
    const start = this.#i;
    if (this.#learnFrom >= 0 && !this.#layout && this.#learns < MAX_LEARNS) this.#learn();
    if (this.#layout) {
      if (this.#matchLayout()) return true;
      this.#i = start;
      this.#layout = false;
    }
    if (!this.#event()) return false;
    this.#learnFrom = start;
    this.#learnTo = this.#i;
    return true;
  }

  /** Builds the layout from the event last scanned in full. */
  #learn(): void {
    this.#learns++;
    const spans = this.#spans;
    const segStart = this.#segStart;
    const segLen = this.#segLen;
    const kinds = this.#kinds;
    segStart.length = 0;
    segLen.length = 0;
    kinds.length = 0;
    let p = this.#learnFrom;
    for (let k = 0; k < this.#spanCount; k += 3) {
      segStart.push(p);
      segLen.push((spans[k] as number) - p);
      const kind = spans[k + 2] as number;
      kinds.push(kind);
      p = spans[k + 1] as number;
      // The value with its quotes.
      if (kind === ID_HEX) this.#learnedIdLen = p - (spans[k] as number) - 2;
    }
    segStart.push(p);
    segLen.push(this.#learnTo - p);
    this.#layout = true;
  }

  /**
   * The event at the cursor, if it is the learned event's text with other values of the same
   * kinds. Each value is read by the same method as in `#event` and ends where the full scan
   * would end it (the text after it is the same), so the full scan would find the same.
   */
  #matchLayout(): boolean {
    const segStart = this.#segStart;
    const segLen = this.#segLen;
    const kinds = this.#kinds;
    if (!this.#same(segStart[0] as number, segLen[0] as number)) return false;
    this.#hasTs = false;
    this.#antenna = 0;
    this.#rssi = undefined;
    for (let k = 0; k < kinds.length; k++) {
      switch (kinds[k]) {
        case TIMESTAMP:
          if (!this.#timestamp()) return false;
          break;
        case ID_HEX:
          if (!this.#knownHex() && !this.#hex()) return false;
          break;
        case ANTENNA:
          if (!this.#antennaValue()) return false;
          break;
        case PEAK_RSSI:
          if (!this.#rssiValue()) return false;
          break;
        default:
          if (!this.#number()) return false;
      }
      if (!this.#same(segStart[k + 1] as number, segLen[k + 1] as number)) return false;
    }
    return true;
  }

  /**
   * True, and moves past them, when the `len` bytes at the cursor equal those at `at` (earlier
   * in the message, already scanned in full). 8 bytes at a time: the earlier bytes passed the
   * full scan, so they are ASCII without NUL or DEL, never NaN nor ±0 as a float64, and `===`
   * compares the bits.
   */
  #same(at: number, len: number): boolean {
    const i = this.#i;
    if (i + len > this.#n) return false;
    const v = this.#view;
    if (len >= 8) {
      for (let k = 0; k < len - 8; k += 8) {
        if (v.getFloat64(i + k, true) !== v.getFloat64(at + k, true)) return false;
      }
      // The last 8 bytes, overlapping the loop's last word: no byte-by-byte tail.
      if (v.getFloat64(i + len - 8, true) !== v.getFloat64(at + len - 8, true)) return false;
    } else {
      const b = this.#b;
      for (let k = 0; k < len; k++) if (b[i + k] !== b[at + k]) return false;
    }
    this.#i = i + len;
    return true;
  }

  #span(start: number, kind: number): void {
    const spans = this.#spans;
    const k = this.#spanCount;
    spans[k] = start;
    spans[k + 1] = this.#i;
    spans[k + 2] = kind;
    this.#spanCount = k + 3;
  }

  /** The byte at the cursor, or -1 at the end. */
  #peek(): number {
    return this.#i < this.#n ? (this.#b[this.#i] as number) : -1;
  }

  /** JSON whitespace (RFC 8259 §2): space, tab, LF, CR. */
  #ws(): void {
    const b = this.#b;
    let i = this.#i;
    while (i < this.#n) {
      const c = b[i] as number;
      if (c !== SPACE && c !== LF && c !== CR && c !== TAB) break;
      i++;
    }
    this.#i = i;
  }

  /**
   * A string at the cursor holding only printable ASCII and no escapes; moves past it and
   * returns the index of its closing quote (its text is [start + 1, end)), or -1.
   */
  #string(): number {
    const b = this.#b;
    let i = this.#i;
    if (b[i] !== QUOTE) return -1;
    i++;
    while (i < this.#n) {
      const c = b[i] as number;
      if (c === QUOTE) {
        this.#i = i + 1;
        return i;
      }
      if (c < SPACE || c >= DEL || c === BACKSLASH) return -1;
      i++;
    }
    return -1;
  }

  /** `"key"` then `:`; returns the index of the key's closing quote, or -1. */
  #key(): number {
    this.#keyStart = this.#i;
    const end = this.#string();
    if (end < 0) return -1;
    this.#ws();
    if (this.#peek() !== COLON) return -1;
    this.#i++;
    this.#ws();
    return end;
  }

  /** True when the key just read (its closing quote at `end`) is `word`. */
  #is(end: number, word: string): boolean {
    const start = this.#keyStart + 1;
    return end - start === word.length && this.#spells(start, word);
  }

  #spells(start: number, word: string): boolean {
    const b = this.#b;
    for (let k = 0; k < word.length; k++) if (b[start + k] !== word.charCodeAt(k)) return false;
    return true;
  }

  /** After a member: `,` (more follow: true) or `}` (done: false); anything else: undefined. */
  #next(): boolean | undefined {
    this.#ws();
    const c = this.#peek();
    this.#i++;
    if (c === COMMA) {
      this.#ws();
      return true;
    }
    return c === CLOSE_BRACE ? false : undefined;
  }

  /** One tag data event `{…, "timestamp": "…", "data": {…}}` in full; false when not one this path takes. */
  #event(): boolean {
    if (this.#peek() !== OPEN_BRACE) return false;
    this.#i++;
    this.#ws();
    this.#spanCount = 0;
    this.#hasTs = false;
    let data = false;
    if (this.#peek() === CLOSE_BRACE) return false;
    for (;;) {
      const key = this.#key();
      if (key < 0) return false;
      const start = this.#i;
      if (this.#is(key, 'data')) {
        if (data || !this.#data()) return false;
        data = true;
      } else if (this.#is(key, 'timestamp')) {
        if (this.#hasTs || !this.#timestamp()) return false;
        this.#span(start, TIMESTAMP);
      } else if (!this.#scalar()) return false;
      const more = this.#next();
      if (more === undefined) return false;
      if (!more) break;
    }
    return data;
  }

  /** The `data` object of a tag data event; false unless it has a usable `idHex`. */
  #data(): boolean {
    if (this.#peek() !== OPEN_BRACE) return false;
    this.#i++;
    this.#ws();
    if (this.#peek() === CLOSE_BRACE) return false;
    let idHex = false;
    let antenna = false;
    let peakRssi = false;
    let format = false;
    this.#antenna = 0;
    this.#rssi = undefined;
    for (;;) {
      const key = this.#key();
      if (key < 0) return false;
      const start = this.#i;
      if (this.#is(key, 'idHex')) {
        if (idHex || !this.#hex()) return false;
        idHex = true;
        this.#span(start, ID_HEX);
      } else if (this.#is(key, 'antenna')) {
        if (antenna || !this.#antennaValue()) return false;
        antenna = true;
        this.#span(start, ANTENNA);
      } else if (this.#is(key, 'peakRssi')) {
        if (peakRssi || !this.#rssiValue()) return false;
        peakRssi = true;
        this.#span(start, PEAK_RSSI);
      } else if (this.#is(key, 'format')) {
        if (format) return false;
        format = true;
        // Anything but "epc" is rejected by the full parser (zebra-iot.ts).
        const end = this.#string();
        if (end - start !== 4 || !this.#spells(start + 1, 'epc')) return false;
      } else if (!this.#scalar()) return false;
      const more = this.#next();
      if (more === undefined) return false;
      if (!more) break;
    }
    return idHex;
  }

  /** `timestamp`: a string, parsed as TimestampCache does (Date.parse). */
  #timestamp(): boolean {
    const i = this.#i;
    // The token holds both quotes and no quote between them: same bytes, same string.
    if (this.#tsLen > 0 && this.#same(this.#tsAt, this.#tsLen)) {
      this.#hasTs = true;
      return true;
    }
    const end = this.#string();
    if (end < 0) return false;
    this.#tsAt = i;
    this.#tsLen = end + 1 - i;
    this.#date = undefined;
    const last = this.#lastTs;
    if (!(last.length === end - i - 1 && this.#spells(i + 1, last))) {
      // A copy, not a view: it outlives the message.
      this.#lastTs = latin1(this.#b, i + 1, end);
      this.#lastMs = Date.parse(this.#lastTs);
    }
    this.#hasTs = true;
    return true;
  }

  /**
   * `idHex` as the EPC of a tag seen before, spelled in uppercase and as long as the learned
   * event's: then the bytes need no check one by one (see EpcInterner.known).
   */
  #knownHex(): boolean {
    const b = this.#b;
    const start = this.#i + 1;
    const len = this.#learnedIdLen;
    if (b[this.#i] !== QUOTE || b[start + len] !== QUOTE) return false;
    const epc = this.#epcs.known(b, this.#view, start, len);
    if (epc === undefined) return false;
    this.#epc = epc;
    this.#i = start + len + 1;
    return true;
  }

  /** `idHex`: a non-empty, even-length string of hex digits (epcFromHex). */
  #hex(): boolean {
    this.#epc = undefined;
    const b = this.#b;
    let i = this.#i;
    if (b[i] !== QUOTE) return false;
    i++;
    const start = i;
    let kinds = 0;
    for (;;) {
      if (i >= this.#n) return false;
      const c = b[i] as number;
      const h = HEX[c] as number;
      if (h === 0) {
        if (c === QUOTE) break;
        return false;
      }
      kinds |= h;
      i++;
    }
    const len = i - start;
    if (len === 0 || len % 2 !== 0) return false;
    this.#idStart = start;
    this.#idLen = len;
    this.#idLower = (kinds & 2) !== 0;
    this.#i = i + 1;
    return true;
  }

  /** `antenna`: a port is a non-negative integer (antennaOf); a sign goes to the full parser. */
  #antennaValue(): boolean {
    if (this.#peek() === MINUS) return false;
    const v = this.#int();
    if (Number.isNaN(v)) return false;
    this.#antenna = v;
    return true;
  }

  /** `peakRssi`: a small integer (dBm). */
  #rssiValue(): boolean {
    const v = this.#int();
    if (Number.isNaN(v)) return false;
    this.#rssi = v;
    return true;
  }

  /**
   * `-?(0|[1-9][0-9]{0,8})` as a whole JSON number (no fraction or exponent follows); its value
   * (`-0` for "-0", as JSON.parse gives), or NaN.
   */
  #int(): number {
    const b = this.#b;
    let i = this.#i;
    const neg = b[i] === MINUS;
    if (neg) i++;
    const start = i;
    let v = 0;
    while (i < this.#n) {
      const c = b[i] as number;
      if (c < DIGIT_0 || c > DIGIT_9) break;
      v = v * 10 + (c - DIGIT_0);
      i++;
    }
    const digits = i - start;
    if (digits === 0 || digits > MAX_INT_DIGITS) return Number.NaN;
    if (digits > 1 && b[start] === DIGIT_0) return Number.NaN;
    const c = i < this.#n ? (b[i] as number) : -1;
    if (c === DOT || c === LOWER_E || c === UPPER_E) return Number.NaN;
    this.#i = i;
    return neg ? -v : v;
  }

  /**
   * Skips a value the full parser ignores: a string (as `#string` takes them), number, true,
   * false or null. Numbers vary between events (eventNum, reads, channel…), so the layout
   * keeps them as values.
   */
  #scalar(): boolean {
    const c = this.#peek();
    if (c === QUOTE) return this.#string() >= 0;
    if (c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9)) {
      const start = this.#i;
      if (!this.#number()) return false;
      this.#span(start, NUMBER);
      return true;
    }
    if (c === 0x74) return this.#literal('true');
    if (c === 0x66) return this.#literal('false');
    if (c === 0x6e) return this.#literal('null');
    return false;
  }

  #literal(word: string): boolean {
    if (this.#i + word.length > this.#n || !this.#spells(this.#i, word)) return false;
    this.#i += word.length;
    return true;
  }

  /** RFC 8259 §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`. */
  #number(): boolean {
    const b = this.#b;
    const n = this.#n;
    let i = this.#i;
    if (b[i] === MINUS) i++;
    if (i >= n) return false;
    if (b[i] === DIGIT_0) i++;
    else {
      const d = i;
      while (i < n && isDigit(b[i] as number)) i++;
      if (i === d) return false;
    }
    if (i < n && b[i] === DOT) {
      i++;
      const d = i;
      while (i < n && isDigit(b[i] as number)) i++;
      if (i === d) return false;
    }
    if (i < n && (b[i] === LOWER_E || b[i] === UPPER_E)) {
      i++;
      if (i < n && (b[i] === PLUS || b[i] === MINUS)) i++;
      const d = i;
      while (i < n && isDigit(b[i] as number)) i++;
      if (i === d) return false;
    }
    this.#i = i;
    return true;
  }

  /** The read for the event just scanned, field for field what zebra-iot.ts `addEvent` builds. */
  #read(readerId: string, receivedAt: Date): TagReadEvent {
    const epc =
      this.#epc ?? this.#epcs.intern(this.#b, this.#view, this.#idStart, this.#idLen, this.#idLower);
    let at = receivedAt;
    // TimestampCache: Date.parse, the receive time when absent or unparsable.
    if (this.#hasTs && !Number.isNaN(this.#lastMs)) {
      this.#date ??= new Date(this.#lastMs);
      at = this.#date;
    }
    return { readerId, antenna: this.#antenna, epc, rssi: this.#rssi, at };
  }
}

function isDigit(c: number): boolean {
  return c >= DIGIT_0 && c <= DIGIT_9;
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}

let scanner: ZebraScanner | undefined;
