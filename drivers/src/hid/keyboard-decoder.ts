/**
 * Keyboard-wedge scanners: decodes boot-protocol keyboard input reports (USB HID Device Class
 * Definition 1.11, Appendix B.1: byte 0 modifier bitmap, byte 1 reserved, bytes 2–7 up to six
 * Keyboard/Keypad page usage IDs) into scanned strings, Enter ending each one.
 */
import { type KeyboardLayoutName, LAYOUTS, type LayoutTable } from './keyboard-layouts.js';

const MOD_CTRL = 0x01 | 0x10;
const MOD_SHIFT = 0x02 | 0x20;
const MOD_LEFT_ALT = 0x04;
const MOD_RIGHT_ALT = 0x40; // AltGr on European layouts

const ENTER = 0x28;
const KEYPAD_ENTER = 0x58;
const TAB = 0x2b;
const GS_CHAR = '\u001d';
const US = LAYOUTS.us;
const ERROR_ROLL_OVER = 0x01;

/** Longest code kept before the buffer is dropped (a stuck key must not grow memory). */
export const MAX_CODE_LENGTH = 4096;

export interface KeyboardDecoderOptions {
  layout?: KeyboardLayoutName;
  /** Tab ends a code too (scanners configured with a Tab suffix). Default false. */
  tabTerminates?: boolean;
  /** Report ID byte in front of the boot report (composite devices); none by default. */
  reportId?: number;
}

export class KeyboardWedgeDecoder {
  readonly #table: LayoutTable;
  readonly #tabTerminates: boolean;
  readonly #reportId: number | undefined;
  #pressed = new Set<number>();
  #buffer = '';

  constructor(options: KeyboardDecoderOptions = {}) {
    this.#table = LAYOUTS[options.layout ?? 'us'];
    this.#tabTerminates = options.tabTerminates ?? false;
    this.#reportId = options.reportId;
  }

  /** Feeds one input report; returns the codes it completed (usually none or one). */
  push(report: Uint8Array): string[] {
    let bytes = report;
    if (this.#reportId !== undefined) {
      if (bytes[0] !== this.#reportId) return [];
      bytes = bytes.subarray(1);
    }
    if (bytes.length < 3) return [];
    const modifiers = bytes[0] ?? 0;
    const keys = [...bytes.subarray(2, 8)].filter((k) => k !== 0);
    // ErrorRollOver: too many keys down; the report carries no key state (HUT §10).
    if (keys.includes(ERROR_ROLL_OVER)) return [];
    const done: string[] = [];
    // A key counts once per press: keys still held from the previous report are not new, so
    // "00" needs a release report in between, as on a real keyboard.
    for (const key of keys) {
      if (this.#pressed.has(key)) continue;
      const code = this.#key(key, modifiers);
      if (code !== undefined) done.push(code);
    }
    this.#pressed = new Set(keys);
    return done;
  }

  /** True while characters wait for their terminator. */
  get pending(): boolean {
    return this.#buffer.length > 0;
  }

  /** Ends the code in progress (an idle gap on a scanner set up without Enter). */
  flush(): string[] {
    const code = this.#buffer;
    this.#buffer = '';
    return code === '' ? [] : [code];
  }

  /** Drops a half-received code (after an unplug). */
  reset(): void {
    this.#buffer = '';
    this.#pressed.clear();
  }

  #key(usage: number, modifiers: number): string | undefined {
    if (usage === ENTER || usage === KEYPAD_ENTER || (usage === TAB && this.#tabTerminates)) {
      const code = this.#buffer;
      this.#buffer = '';
      return code === '' ? undefined : code;
    }
    const chars = this.#table.get(usage);
    if (!chars) return undefined;
    const shift = (modifiers & MOD_SHIFT) !== 0;
    const altGr =
      (modifiers & MOD_RIGHT_ALT) !== 0 || ((modifiers & MOD_LEFT_ALT) !== 0 && (modifiers & MOD_CTRL) !== 0);
    let ch: string | undefined;
    if (altGr) ch = chars[2];
    else if ((modifiers & MOD_CTRL) !== 0) {
      // Ctrl+key sends a C0 control character (Ctrl+] = GS, 0x1D, the FNC1 stand-in that
      // wedge scanners emit for GS1 data). Scanners pick these keys by US key position
      // whatever the host layout, so the US table decides.
      const base = US.get(usage)?.[0]?.toUpperCase();
      const c = base?.charCodeAt(0) ?? 0;
      ch = base && base.length === 1 && c >= 0x40 && c <= 0x5f ? String.fromCharCode(c - 0x40) : undefined;
    } else ch = shift ? chars[1] : chars[0];
    if (ch === undefined) return undefined;
    this.#buffer += ch;
    if (this.#buffer.length > MAX_CODE_LENGTH) this.#buffer = '';
    return undefined;
  }
}

/**
 * The reports a wedge scanner set up for `layout` sends for `text` + Enter: one press and one
 * all-zero release report per character. Throws for a character the layout cannot type;
 * meant for simulators and tests.
 */
export function encodeKeyboardReports(text: string, layout: KeyboardLayoutName = 'us'): Uint8Array[] {
  // Cheapest way to type each character: plain < Shift < AltGr, main block before keypad.
  const reverse = new Map<string, { usage: number; modifiers: number; cost: number }>();
  for (const [usage, [plain, shift, altGr]] of LAYOUTS[layout]) {
    const keypad = usage >= 0x54 ? 10 : 0;
    const ways: [string | undefined, number, number][] = [
      [plain, 0, 0],
      [shift, 0x02, 1],
      [altGr, MOD_RIGHT_ALT, 2],
    ];
    for (const [ch, modifiers, cost] of ways) {
      const prev = ch === undefined ? undefined : reverse.get(ch);
      if (ch !== undefined && (!prev || cost + keypad < prev.cost)) {
        reverse.set(ch, { usage, modifiers, cost: cost + keypad });
      }
    }
  }
  // GS (FNC1) as Ctrl+] at its US key position, see the decoder.
  reverse.set(GS_CHAR, { usage: 0x30, modifiers: 0x01, cost: 0 });
  const reports: Uint8Array[] = [];
  for (const ch of text) {
    const key = reverse.get(ch);
    if (!key) throw new Error(`layout ${layout} cannot type ${JSON.stringify(ch)}`);
    reports.push(Uint8Array.of(key.modifiers, 0, key.usage, 0, 0, 0, 0, 0), new Uint8Array(8));
  }
  reports.push(Uint8Array.of(0, 0, ENTER, 0, 0, 0, 0, 0), new Uint8Array(8));
  return reports;
}
