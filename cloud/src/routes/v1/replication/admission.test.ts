// The ingest admission's promises to the stores: a batch that waits gets the next free slot in
// arrival order, the line and the wait are bounded, and one tenant cannot crowd out another.
import { describe, expect, it } from 'vitest';
import { type AdmissionRefused, type AdmissionTimers, IngestAdmission, type Release } from './admission.js';

/** Timers the test fires by hand. */
function manualTimers() {
  const pending = new Map<number, { fn: () => void; at: number }>();
  let now = 0;
  let next = 1;
  const timers: AdmissionTimers = {
    now: () => now,
    setTimeout(fn, ms) {
      pending.set(next, { fn, at: now + ms });
      return next++;
    },
    clearTimeout(h) {
      pending.delete(h as number);
    },
  };
  return {
    timers,
    pending: () => pending.size,
    advance(ms: number) {
      now += ms;
      for (const [h, t] of [...pending]) {
        if (t.at <= now) {
          pending.delete(h);
          t.fn();
        }
      }
    },
  };
}

/** What became of a request to enter: admitted (with its release), refused, or still waiting. */
function track(p: Promise<Release>) {
  const state: { release?: Release; refused?: AdmissionRefused } = {};
  p.then(
    (r) => {
      state.release = r;
    },
    (e: AdmissionRefused) => {
      state.refused = e;
    },
  );
  return state;
}
const tick = () => new Promise((r) => setImmediate(r));

describe('ingest admission', () => {
  it('hands a freed slot to the longest-waiting batch, refuses beyond the line, and times out waiters', async () => {
    const clock = manualTimers();
    const a = new IngestAdmission({ maxInFlight: 2, maxWaiting: 2, maxWaitMs: 5000, timers: clock.timers });
    const running = [track(a.enter('t')), track(a.enter('t'))];
    const first = track(a.enter('t'));
    const second = track(a.enter('t'));
    const third = track(a.enter('t'));
    await tick();
    expect(running.every((r) => r.release)).toBe(true);
    expect(third.refused?.reason).toBe('full');
    expect(first.release ?? first.refused).toBeUndefined();
    expect(a.waiting).toBe(2);

    running[0]?.release?.();
    running[0]?.release?.(); // a second release of the same slot gives nothing back
    await tick();
    expect(first.release).toBeDefined();
    expect(second.release ?? second.refused).toBeUndefined();
    expect(a.inFlight).toBe(2);

    clock.advance(5000);
    await tick();
    expect(second.refused?.reason).toBe('waited-too-long');
    expect(a.waiting).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it('lets a batch whose store hung up leave the line', async () => {
    const clock = manualTimers();
    const a = new IngestAdmission({ maxInFlight: 1, maxWaiting: 4, maxWaitMs: 5000, timers: clock.timers });
    const running = track(a.enter('t'));
    const gone = new AbortController();
    const left = track(a.enter('t', gone.signal));
    const after = track(a.enter('t'));
    gone.abort();
    await tick();
    expect(left.refused).toBeDefined();
    running.release?.();
    await tick();
    expect(after.release).toBeDefined();
    expect(a.waiting).toBe(0);
  });

  it('gives the next slot to a waiting tenant below its share, ahead of a tenant holding more', async () => {
    const clock = manualTimers();
    const a = new IngestAdmission({ maxInFlight: 4, maxWaiting: 8, maxWaitMs: 5000, timers: clock.timers });
    const big = [1, 2, 3, 4].map(() => track(a.enter('big')));
    const bigWaiting = [1, 2].map(() => track(a.enter('big')));
    const small = track(a.enter('small'));
    await tick();
    expect(big.every((r) => r.release)).toBe(true);
    big[0]?.release?.();
    await tick();
    // 'big' holds 3 of 4 slots, over its half while 'small' waits: the slot goes to 'small'.
    expect(small.release).toBeDefined();
    expect(bigWaiting.every((r) => !r.release && !r.refused)).toBe(true);
    // Once 'small' is done and nobody else waits, 'big' may fill every slot again.
    small.release?.();
    await tick();
    expect(bigWaiting[0]?.release).toBeDefined();
  });

  it('keeps half of a full line for another tenant', async () => {
    const clock = manualTimers();
    const a = new IngestAdmission({ maxInFlight: 1, maxWaiting: 4, maxWaitMs: 5000, timers: clock.timers });
    track(a.enter('big'));
    const waiting = [1, 2, 3, 4].map(() => track(a.enter('big')));
    await tick();
    expect(a.waiting).toBe(4);
    // The line is full of 'big': 'small' takes the place of big's newest waiter.
    const small = track(a.enter('small'));
    await tick();
    expect(waiting[3]?.refused?.reason).toBe('full');
    expect(small.refused).toBeUndefined();
    // 'big' now holds half of the line while 'small' waits: another batch of 'big' is refused.
    const more = track(a.enter('big'));
    await tick();
    expect(more.refused?.reason).toBe('full');
    // Two more of 'small' fill the line; only then is 'small' refused too.
    const s2 = track(a.enter('small'));
    const s3 = track(a.enter('small'));
    await tick();
    expect(s2.refused).toBeUndefined();
    expect(s3.refused?.reason).toBe('full');
  });

  it('asks refused stores to come back about when the line has drained', async () => {
    const clock = manualTimers();
    const a = new IngestAdmission({
      maxInFlight: 4,
      maxWaiting: 20,
      maxWaitMs: 60_000,
      timers: clock.timers,
    });
    const inFlight = [1, 2, 3, 4].map(() => track(a.enter('t')));
    const line = Array.from({ length: 20 }, () => track(a.enter('t')));
    await tick();
    // Nothing finished yet: no pace known, the shortest wait.
    const early = track(a.enter('t'));
    await tick();
    expect(early.refused?.retryAfterSeconds).toBe(1);
    // Slots come back 4 per second (one every 250 ms); the line fills up again behind them.
    const running = [...inFlight, ...line];
    for (let i = 0; i < 4; i++) {
      clock.advance(250);
      running[i]?.release?.();
      await tick();
    }
    for (let i = 0; i < 4; i++) track(a.enter('t'));
    expect(a.waiting).toBe(20);
    // 20 waiting at 4 per second: back in 5 s.
    const refused = track(a.enter('t'));
    await tick();
    expect(refused.refused?.reason).toBe('full');
    expect(refused.refused?.retryAfterSeconds).toBe(5);
    // The database stalls: nothing comes back for 2 s; the pace drops and the wait asked for
    // reaches its cap.
    clock.advance(2000);
    const later = track(a.enter('t'));
    await tick();
    expect(later.refused?.retryAfterSeconds).toBe(10);
    // What came back more than 3 s ago no longer counts: no pace known, the shortest wait.
    clock.advance(2000);
    const stale = track(a.enter('t'));
    await tick();
    expect(stale.refused?.retryAfterSeconds).toBe(1);
  });
});
