import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PresenceSmoother, type SmootherSettings } from './smoother.js';
import { ReferenceSmoother } from './smoother.reference.js';

// The ring-buffer smoother must say exactly what the first, straightforward one said: same
// events in the same order, same presence table, for any reads, clock steps and ticks.

type Op =
  | { op: 'read'; epc: number; zone: number; rssi: number | null }
  | { op: 'batch'; zone: number; reads: Array<{ epc: number; rssi: number | null }> }
  /** `to`: step onto a boundary of the settings (window or departure time, or just short of it). */
  | { op: 'advance'; ms: number; to: 'window' | 'depart' | null; less: number }
  | { op: 'tick' };

const rssi = fc.oneof(
  fc.constant(null),
  fc.integer({ min: -80, max: -40 }),
  fc.double({ min: -80, max: -40, noNaN: true }),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constant('read' as const), epc: fc.nat(5), zone: fc.nat(2), rssi }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('batch' as const),
      zone: fc.nat(2),
      reads: fc.array(fc.record({ epc: fc.nat(5), rssi }), { maxLength: 6 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('advance' as const),
      // Now and then backwards, as a wall clock stepped by NTP goes.
      ms: fc.oneof(
        fc.nat(300),
        fc.nat(3000),
        fc.integer({ min: 20_000, max: 40_000 }),
        fc.integer({ min: -3000, max: -1 }),
      ),
      to: fc.constantFrom(null, null, 'window' as const, 'depart' as const),
      less: fc.constantFrom(0, 0, 1),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'tick' as const }) },
);

const settings: fc.Arbitrary<Partial<SmootherSettings>> = fc
  .record({
    arriveReads: fc.integer({ min: 1, max: 4 }),
    arriveWindowMs: fc.integer({ min: 50, max: 3000 }),
    departAfterMs: fc.integer({ min: 100, max: 35_000 }),
    moveHysteresisDb: fc.oneof(fc.constant(0), fc.constant(3), fc.double({ min: 0, max: 6, noNaN: true })),
    extraSamples: fc.nat(6),
  })
  .map(({ extraSamples, ...s }) => ({ ...s, maxSamplesPerZone: s.arriveReads + extraSamples }));

const ZONES = ['dock', 'backroom', 'salesfloor'];
const epcOf = (n: number) => `E${n}`;

describe('PresenceSmoother matches the reference smoother', () => {
  it('on random reads, batches, clock steps and ticks', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constant({}), settings), fc.array(op, { maxLength: 120 }), (config, ops) => {
        const clock = { t: Date.parse('2030-01-01T10:00:00Z'), now: () => clock.t };
        const fast = new PresenceSmoother(config, clock);
        const ref = new ReferenceSmoother(config, clock);
        const { arriveWindowMs, departAfterMs } = fast.settings;
        for (const o of ops) {
          if (o.op === 'advance') {
            if (o.to === null) clock.t += o.ms;
            else clock.t += (o.to === 'window' ? arriveWindowMs : departAfterMs) - o.less;
          } else if (o.op === 'tick') expect(fast.tick()).toEqual(ref.tick());
          else if (o.op === 'read') {
            const zone = ZONES[o.zone] as string;
            const r = o.rssi ?? undefined;
            expect(fast.observe(epcOf(o.epc), zone, r)).toEqual(ref.observe(epcOf(o.epc), zone, r));
          } else {
            const zone = ZONES[o.zone] as string;
            const reads = o.reads.map((x) => ({ epc: epcOf(x.epc), rssi: x.rssi ?? undefined }));
            const expected = reads.flatMap((x) => ref.observe(x.epc, zone, x.rssi));
            expect(fast.observeMany(reads, zone)).toEqual(expected);
          }
          expect(fast.present()).toEqual(ref.present());
          expect(fast.present('dock')).toEqual(ref.present('dock'));
          expect(fast.presentCount).toBe(ref.presentCount);
          expect(fast.trackedCount).toBe(ref.trackedCount);
          for (let e = 0; e <= 5; e++) expect(fast.get(epcOf(e))).toEqual(ref.get(epcOf(e)));
        }
      }),
      { numRuns: 3000 },
    );
  });
});
