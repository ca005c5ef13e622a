import { closeSync, openSync, writeSync } from 'node:fs';

/** Polls `probe` until it returns a value other than undefined/false, or fails after `ms`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 5000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Writes bytes into the scanner end of a pty, as the scanner's UART would. */
export function writeScanner(path: string, bytes: string): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, Buffer.from(bytes, 'latin1'));
  } finally {
    closeSync(fd);
  }
}
