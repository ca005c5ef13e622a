import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_FRAME_LENGTH, SerialFramer } from './framer.js';

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('SerialFramer', () => {
  it('with no suffix configured, CR, LF and CRLF all end a code, even split across chunks', () => {
    const f = new SerialFramer();
    expect(f.push(bytes('4006381333931\r'))).toEqual(['4006381333931']);
    expect(f.push(bytes('ABC\r'))).toEqual(['ABC']);
    expect(f.push(bytes('\nDEF\nGH'))).toEqual(['DEF']);
    expect(f.push(bytes('I\r\n'))).toEqual(['GHI']);
  });

  it('with CRLF configured, a lone CR or LF stays part of the code', () => {
    const f = new SerialFramer('\r\n');
    expect(f.push(bytes('A\rB\nC\r'))).toEqual([]);
    expect(f.push(bytes('\n'))).toEqual(['A\rB\nC']);
  });

  it('keeps GS (FNC1) and high bytes intact', () => {
    const f = new SerialFramer('\r');
    expect(f.push(Uint8Array.of(0x5d, 0x43, 0x31, 0x31, 0x30, 0x41, 0x1d, 0x32, 0x31, 0xe9, 0x0d))).toEqual([
      ']C110A\u001d21é',
    ]);
  });

  it('flush ends a code that has no suffix (idle gap)', () => {
    const f = new SerialFramer();
    f.push(bytes('SKU-1'));
    expect(f.pending).toBe(true);
    expect(f.flush()).toEqual(['SKU-1']);
    expect(f.flush()).toEqual([]);
  });

  it('drops a frame that grows beyond the limit', () => {
    const f = new SerialFramer('\r');
    f.push(new Uint8Array(MAX_FRAME_LENGTH + 1).fill(0x41));
    expect(f.push(bytes('X\r'))).toEqual(['X']);
  });

  it('never throws on random bytes, and every frame is what was sent between suffixes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 30 }), (chunks) => {
        const f = new SerialFramer();
        const out = chunks.flatMap((c) => f.push(c)).concat(f.flush());
        const sent = chunks.map((c) => String.fromCharCode(...c)).join('');
        expect(out).toEqual(
          sent
            .split(/\r\n|\r|\n/)
            .filter((s) => s !== '')
            .slice(0, out.length),
        );
      }),
      { numRuns: 1000 },
    );
  });
});
