import { useEffect, useRef } from 'preact/hooks';

/**
 * Keyboard-wedge scanners type the code as a fast burst of key presses ending in Enter. People
 * type far slower (80 ms or more between keys on average), a scanner a few ms per key. A run of
 * at least 4 keys averaging under 35 ms a key is a scan; a pause over 300 ms starts a new run, so
 * one late key (a busy page, a slow USB poll) does not split a scan in two.
 */
export const MAX_AVG_GAP_MS = 35;
export const PAUSE_MS = 300;
export const MIN_LENGTH = 4;

export class WedgeDetector {
  private buf = '';
  private first = 0;
  private last = 0;
  /** The field's value before the current run began: a scan into a quantity field is undone. */
  before = '';

  /** Feed every keydown; answers the scanned code when Enter ends a burst, else null. */
  key(e: KeyboardEvent, now = e.timeStamp || performance.now()): string | null {
    if (e.key === 'Enter') {
      const code = this.buf;
      const n = code.length;
      const fast = n > 1 && (this.last - this.first) / (n - 1) <= MAX_AVG_GAP_MS;
      const fresh = now - this.last <= PAUSE_MS;
      this.buf = '';
      return n >= MIN_LENGTH && fast && fresh ? code : null;
    }
    if (e.key.length !== 1 || e.ctrlKey || e.metaKey || e.altKey) {
      if (e.key !== 'Shift') this.buf = '';
      return null;
    }
    if (this.buf === '' || now - this.last > PAUSE_MS) {
      this.buf = '';
      this.first = now;
      const target = e.target;
      this.before =
        typeof HTMLInputElement !== 'undefined' && target instanceof HTMLInputElement ? target.value : '';
    }
    this.buf += e.key;
    this.last = now;
    return null;
  }
}

function typingInField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/**
 * A scan made while no text field has the focus (the page is just open on a tablet): calls fn
 * with the code. Scans into a field are left to that field.
 */
export function useGlobalScan(fn: (code: string) => void): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    const d = new WedgeDetector();
    const onKey = (e: KeyboardEvent) => {
      if (typingInField(e.target)) return;
      const code = d.key(e);
      if (code) {
        e.preventDefault();
        ref.current(code);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}
