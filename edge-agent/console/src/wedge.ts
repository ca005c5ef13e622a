import { useEffect, useRef } from 'preact/hooks';

/**
 * Keyboard-wedge scanners type the code as a fast burst of key presses ending in Enter. People
 * type far slower than one key per 50 ms, so a run of at least 4 keys with every gap under that
 * is a scan.
 */
export const MAX_GAP_MS = 50;
export const MIN_LENGTH = 4;

export class WedgeDetector {
  private buf = '';
  private last = 0;
  /** The field's value before the current burst began: a scan into a quantity field is undone. */
  before = '';

  /** Feed every keydown; answers the scanned code when Enter ends a burst, else null. */
  key(e: KeyboardEvent, now = performance.now()): string | null {
    if (e.key === 'Enter') {
      const code = this.buf;
      const fresh = now - this.last <= MAX_GAP_MS * 4;
      this.buf = '';
      return code.length >= MIN_LENGTH && fresh ? code : null;
    }
    if (e.key.length !== 1 || e.ctrlKey || e.metaKey || e.altKey) {
      if (e.key !== 'Shift') this.buf = '';
      return null;
    }
    if (now - this.last > MAX_GAP_MS) {
      this.buf = '';
      const target = e.target;
      this.before = target instanceof HTMLInputElement ? target.value : '';
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
