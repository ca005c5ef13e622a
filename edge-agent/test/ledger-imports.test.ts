import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../src/', import.meta.url));
/** The features built on the ledger: the ledger (and its database layer) imports none of them. */
const ABOVE = ['scanning', 'rfid', 'printing', 'http', 'devices', 'mqtt', 'console'];

/** Every module specifier a file imports or re-exports, statically or dynamically. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"]([^'"]+)['"]/g)) out.push(m[1] as string);
  return out;
}

describe('the ledger stays below the features', () => {
  for (const dir of ['ledger', 'db']) {
    it(`${dir}/ imports nothing from ${ABOVE.join(', ')}`, () => {
      const files = readdirSync(join(src, dir)).filter((f) => f.endsWith('.ts'));
      expect(files.length).toBeGreaterThan(0);
      const offending = files.flatMap((f) =>
        specifiers(join(src, dir, f))
          .filter((s) => ABOVE.some((a) => new RegExp(`^(\\.\\./)+${a}(/|$)`).test(s)))
          .map((s) => `${dir}/${f} imports ${s}`),
      );
      expect(offending).toEqual([]);
    });
  }

  it('finds such an import when there is one', () => {
    // The check itself: a ledger file importing the scanning feature, as writer-thread.ts once did.
    const line = "import { extractGtin } from '../scanning/codes.js';";
    const found = [...line.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
    expect(found).toEqual(['../scanning/codes.js']);
    expect(ABOVE.some((a) => new RegExp(`^(\\.\\./)+${a}(/|$)`).test(found[0] as string))).toBe(true);
  });
});
