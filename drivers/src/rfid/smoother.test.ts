import { describe, expect, it } from 'vitest';
import { PresenceSmoother, type SmootherSettings } from './smoother.js';

const T0 = Date.parse('2030-01-01T10:00:00Z');

function setup(settings: Partial<SmootherSettings> = {}) {
  const clock = { t: T0, now: () => clock.t };
  const s = new PresenceSmoother(settings, clock);
  const at = (ms: number) => new Date(T0 + ms);
  const advance = (ms: number) => {
    clock.t += ms;
  };
  return { s, clock, at, advance };
}

describe('PresenceSmoother arrivals (N reads within W)', () => {
  it('a single read is not an arrival; the second within 2 s is', () => {
    const { s, advance, at } = setup();
    expect(s.observe('E1', 'dock', -60)).toEqual([]);
    expect(s.get('E1')).toBeUndefined();
    advance(1500);
    expect(s.observe('E1', 'dock', -61)).toEqual([
      { type: 'arrival', epc: 'E1', zone: 'dock', at: at(1500) },
    ]);
    expect(s.get('E1')).toEqual({
      epc: 'E1',
      zone: 'dock',
      firstSeenAt: at(0),
      lastSeenAt: at(1500),
      reads: 2,
    });
    advance(100);
    expect(s.observe('E1', 'dock', -61)).toEqual([]);
    expect(s.get('E1')?.reads).toBe(3);
  });

  it('two reads further apart than the window do not make an arrival', () => {
    const { s, advance } = setup();
    s.observe('E1', 'dock');
    advance(2500);
    expect(s.observe('E1', 'dock')).toEqual([]);
    advance(2500);
    expect(s.observe('E1', 'dock')).toEqual([]);
    expect(s.presentCount).toBe(0);
  });

  it('reads split across two zones do not count together', () => {
    const { s, advance } = setup();
    s.observe('E1', 'dock');
    advance(100);
    expect(s.observe('E1', 'backroom')).toEqual([]);
    advance(100);
    expect(s.observe('E1', 'backroom')).toMatchObject([{ type: 'arrival', zone: 'backroom' }]);
  });

  it('honours custom N and W', () => {
    const { s, advance } = setup({ arriveReads: 3, arriveWindowMs: 500 });
    s.observe('E1', 'z');
    advance(200);
    s.observe('E1', 'z');
    advance(400); // first read is now outside the 500 ms window
    expect(s.observe('E1', 'z')).toEqual([]);
    advance(100);
    expect(s.observe('E1', 'z')).toMatchObject([{ type: 'arrival' }]);
  });
});

describe('PresenceSmoother departures (T without reads)', () => {
  it('departs after 30 s of silence, not before, and forgets the tag', () => {
    const { s, advance, at } = setup();
    s.observe('E1', 'dock');
    s.observe('E1', 'dock');
    advance(29_999);
    expect(s.tick()).toEqual([]);
    expect(s.get('E1')).toBeDefined();
    advance(1);
    expect(s.tick()).toEqual([{ type: 'departure', epc: 'E1', zone: 'dock', at: at(30_000) }]);
    expect(s.get('E1')).toBeUndefined();
    expect(s.trackedCount).toBe(0);
    expect(s.tick()).toEqual([]);
  });

  it('a read before T keeps the tag present', () => {
    const { s, advance } = setup();
    s.observe('E1', 'dock');
    s.observe('E1', 'dock');
    advance(20_000);
    s.observe('E1', 'dock');
    advance(20_000);
    expect(s.tick()).toEqual([]);
    advance(10_000);
    expect(s.tick()).toMatchObject([{ type: 'departure', epc: 'E1' }]);
  });

  it('a read after T reports the missed departure first, then counts a fresh arrival', () => {
    const { s, advance, at } = setup();
    s.observe('E1', 'dock');
    s.observe('E1', 'dock');
    advance(40_000); // no tick in between
    expect(s.observe('E1', 'backroom')).toEqual([
      { type: 'departure', epc: 'E1', zone: 'dock', at: at(40_000) },
    ]);
    expect(s.get('E1')).toBeUndefined();
    expect(s.presentCount).toBe(0);
    advance(100);
    expect(s.observe('E1', 'backroom')).toEqual([
      { type: 'arrival', epc: 'E1', zone: 'backroom', at: at(40_100) },
    ]);
    expect(s.get('E1')).toMatchObject({ firstSeenAt: at(40_000), reads: 2 });
  });

  it('firstSeenAt and reads start at the run of reads that made the tag arrive', () => {
    const { s, advance, at } = setup();
    s.observe('E1', 'dock');
    advance(5000); // the first read has left the window; no tick called
    s.observe('E1', 'dock');
    advance(500);
    s.observe('E1', 'dock');
    expect(s.get('E1')).toMatchObject({ firstSeenAt: at(5000), lastSeenAt: at(5500), reads: 2 });
  });

  it('tick(now) takes an explicit time', () => {
    const { s } = setup({ departAfterMs: 5000 });
    s.observe('E1', 'dock');
    s.observe('E1', 'dock');
    expect(s.tick(T0 + 4999)).toEqual([]);
    expect(s.tick(T0 + 5000)).toMatchObject([{ type: 'departure' }]);
  });

  it('memory stays bounded: tags that never arrive are forgotten after the window', () => {
    const { s, advance } = setup();
    for (let i = 0; i < 10_000; i++) s.observe(`T${i}`, 'salesfloor');
    expect(s.trackedCount).toBe(10_000);
    advance(2000);
    expect(s.tick()).toEqual([]);
    expect(s.trackedCount).toBe(0);
  });

  it('departs many tags in one tick, oldest first, and keeps the recently read ones', () => {
    const { s, advance } = setup();
    for (let i = 0; i < 100; i++) {
      s.observe(`T${i}`, 'z');
      s.observe(`T${i}`, 'z');
    }
    advance(20_000);
    s.observe('T5', 'z');
    advance(10_000);
    const events = s.tick();
    expect(events).toHaveLength(99);
    expect(events.map((e) => e.epc)).not.toContain('T5');
    expect(s.present().map((p) => p.epc)).toEqual(['T5']);
  });
});

describe('PresenceSmoother moves (strongest zone, hysteresis)', () => {
  function arriveIn(s: PresenceSmoother, zone: string, rssi: number) {
    s.observe('E1', zone, rssi);
    s.observe('E1', zone, rssi);
  }

  it('moves to a zone read more than 3 dB stronger on average', () => {
    const { s, advance, at } = setup();
    arriveIn(s, 'backroom', -65);
    advance(100);
    expect(s.observe('E1', 'salesfloor', -60)).toEqual([]); // one read is not enough
    advance(100);
    expect(s.observe('E1', 'salesfloor', -60)).toEqual([
      { type: 'move', epc: 'E1', zone: 'salesfloor', fromZone: 'backroom', at: at(200) },
    ]);
    expect(s.get('E1')).toMatchObject({ zone: 'salesfloor', firstSeenAt: at(0), reads: 4 });
    expect(s.present('backroom')).toEqual([]);
    expect(s.present('salesfloor')).toHaveLength(1);
  });

  it('does not flap between zones read within the hysteresis', () => {
    const { s, advance } = setup();
    arriveIn(s, 'backroom', -62);
    const events = [];
    for (let i = 0; i < 200; i++) {
      advance(50);
      // The other zone is 1–2 dB stronger: within 3 dB, so the tag stays.
      events.push(...s.observe('E1', i % 2 === 0 ? 'salesfloor' : 'backroom', i % 2 === 0 ? -60 : -62));
    }
    expect(events).toEqual([]);
    expect(s.get('E1')?.zone).toBe('backroom');
  });

  it('moves back only when the first zone becomes clearly stronger again', () => {
    const { s, advance } = setup();
    arriveIn(s, 'a', -70);
    advance(10);
    s.observe('E1', 'b', -60);
    expect(s.observe('E1', 'b', -60)).toMatchObject([{ type: 'move', zone: 'b', fromZone: 'a' }]);
    advance(10);
    // Within the window 'a' averages (-70, -70, -55, -55) = -62.5 dB, weaker than b's -60: stays.
    s.observe('E1', 'a', -55);
    expect(s.observe('E1', 'a', -55)).toEqual([]);
    advance(3000); // old reads leave the window: now 'a' at -55 beats 'b' at -60 by more than 3 dB
    s.observe('E1', 'b', -60);
    s.observe('E1', 'a', -55);
    expect(s.observe('E1', 'a', -55)).toMatchObject([{ type: 'move', zone: 'a', fromZone: 'b' }]);
  });

  it('moves without RSSI once the old zone has not read the tag for a window', () => {
    const { s, advance } = setup();
    s.observe('E1', 'dock');
    s.observe('E1', 'dock');
    advance(100);
    s.observe('E1', 'backroom');
    expect(s.observe('E1', 'backroom')).toEqual([]); // still read at the dock within 2 s, no RSSI to compare
    advance(2500);
    s.observe('E1', 'backroom');
    expect(s.observe('E1', 'backroom')).toMatchObject([{ type: 'move', zone: 'backroom', fromZone: 'dock' }]);
  });
});

describe('PresenceSmoother settings', () => {
  it('refuses settings that cannot work, naming each problem', () => {
    expect(() => new PresenceSmoother({ arriveReads: 0, departAfterMs: -1 })).toThrow(
      /arriveReads must be an integer ≥ 1.*departAfterMs must be > 0/,
    );
  });

  it('exposes the defaults', () => {
    expect(new PresenceSmoother().settings).toEqual({
      arriveReads: 2,
      arriveWindowMs: 2000,
      departAfterMs: 30_000,
      moveHysteresisDb: 3,
      maxSamplesPerZone: 32,
    });
  });
});
