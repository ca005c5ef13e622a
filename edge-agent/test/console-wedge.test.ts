import { describe, expect, it } from 'vitest';
import { WedgeDetector } from '../console/src/wedge.js';

/** Key presses as a browser reports them: key and time stamp (ms). */
function feed(d: WedgeDetector, keys: string, gaps: number | number[], start = 1000): string | null {
  let now = start;
  let out: string | null = null;
  [...keys, 'Enter'].forEach((key, i) => {
    const gap = Array.isArray(gaps) ? (gaps[i] ?? gaps[gaps.length - 1] ?? 0) : gaps;
    if (i > 0) now += gap;
    const e = { key, timeStamp: now, ctrlKey: false, metaKey: false, altKey: false, target: null };
    out = d.key(e as unknown as KeyboardEvent);
  });
  return out;
}

describe('keyboard-wedge scan detection', () => {
  it('takes a fast burst ending in Enter as a scan', () => {
    expect(feed(new WedgeDetector(), '4006381333931', 8)).toBe('4006381333931');
  });

  it('leaves typing by hand alone', () => {
    expect(feed(new WedgeDetector(), 'SKU-1234', 120)).toBeNull();
    // A quick typist's burst still averages far above a scanner's pace.
    expect(feed(new WedgeDetector(), '1200', [90, 60, 140, 80])).toBeNull();
  });

  it('does not split a scan when one key arrives late', () => {
    const gaps = [5, 5, 5, 5, 5, 5, 120, 5, 5, 5, 5, 5, 5, 5];
    expect(feed(new WedgeDetector(), '4006381333931', gaps)).toBe('4006381333931');
  });

  it('needs at least 4 characters and an Enter soon after the last', () => {
    expect(feed(new WedgeDetector(), '123', 5)).toBeNull();
    const late = [5, 5, 5, 5, 5, 400];
    expect(feed(new WedgeDetector(), '12345', late)).toBeNull();
  });

  it('starts afresh after a pause: typed text before a scan is not part of it', () => {
    const d = new WedgeDetector();
    const gaps = [0, 150, 150, 900, 5, 5, 5, 5, 5, 5, 5, 5];
    expect(feed(d, 'abc40063813339', gaps)).toBe('40063813339');
  });
});
