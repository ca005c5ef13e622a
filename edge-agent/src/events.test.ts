import { describe, expect, it } from 'vitest';
import { type EdgeEvents, EventBus } from './events.js';
import { defineFeature, startOrder } from './feature.js';

describe('event bus', () => {
  it('hands each listener the payload of its event', () => {
    const bus = new EventBus<EdgeEvents>();
    const owner = {};
    const seen: string[][] = [];
    const seqs: number[] = [];
    bus.on('price.changed', (p) => seen.push(p.skus), owner);
    bus.on('committed', (seq) => seqs.push(seq), owner);
    bus.emit('price.changed', { skus: ['A', 'B'], source: 'cloud' });
    bus.emit('committed', 42);
    expect(seen).toEqual([['A', 'B']]);
    expect(seqs).toEqual([42]);
    // The payload's type comes from the event's name (checked by `tsc`, not at run time).
    // @ts-expect-error a price change carries skus, not a number
    bus.emit('price.changed', 7);
    // @ts-expect-error an event the map does not know
    bus.on('price.changd', () => {}, owner);
  });

  it('removes all of an owner’s subscriptions, and only those, when it stops', () => {
    const bus = new EventBus<EdgeEvents>();
    const printing = {};
    const stream = {};
    const calls: string[] = [];
    bus.on('price.changed', () => calls.push('printing: price'), printing);
    bus.on('device.changed', () => calls.push('printing: device'), printing);
    bus.on('price.changed', () => calls.push('stream: price'), stream);
    expect(bus.owners).toBe(2);

    bus.removeListeners(printing);
    bus.emit('price.changed', { skus: ['A'], source: 'local' });
    bus.emit('device.changed', { id: 'p1', config: null });
    expect(calls).toEqual(['stream: price']);
    expect(bus.listenerCount('device.changed')).toBe(0);

    bus.removeListeners(stream);
    bus.removeListeners(stream); // a second stop is harmless
    expect(bus.listenerCount('price.changed')).toBe(0);
    expect(bus.owners).toBe(0);
  });

  it('lets every subscriber see every event (no slot the last one overwrites)', () => {
    const bus = new EventBus<EdgeEvents>();
    const labels: string[] = [];
    const audit: string[] = [];
    bus.on('price.changed', (p) => labels.push(...p.skus), { name: 'labels' });
    bus.on('price.changed', (p) => audit.push(...p.skus), { name: 'audit' });
    bus.emit('price.changed', { skus: ['D'], source: 'cloud' });
    expect(labels).toEqual(['D']);
    expect(audit).toEqual(['D']);
  });

  it('finishes an emit with the listeners it started with', () => {
    const bus = new EventBus<EdgeEvents>();
    const a = {};
    const b = {};
    const calls: string[] = [];
    // a stream dropped by its own listener mid-emit (a slow reader) must not skip the others
    bus.on(
      'scan',
      () => {
        calls.push('a');
        bus.removeListeners(a);
        bus.on('scan', () => calls.push('late'), {});
      },
      a,
    );
    bus.on('scan', () => calls.push('b'), b);
    bus.emit('scan', {});
    expect(calls).toEqual(['a', 'b']);
    bus.emit('scan', {});
    expect(calls).toEqual(['a', 'b', 'b', 'late']);
  });
});

describe('feature start order', () => {
  const feature = (name: 'scanning' | 'rfid' | 'printing', needs: Array<'scanning' | 'rfid' | 'printing'>) =>
    defineFeature({ name, needs, create: () => null });

  it('starts a feature after the features it needs, otherwise as listed', () => {
    const order = startOrder([
      feature('printing', ['rfid']),
      feature('scanning', []),
      feature('rfid', ['scanning']),
    ]).map((d) => d.name);
    expect(order).toEqual(['scanning', 'rfid', 'printing']);
  });

  it('refuses needs that cannot be met', () => {
    expect(() => startOrder([feature('printing', ['rfid'])])).toThrow(
      /needs 'rfid', which is not registered/,
    );
    expect(() => startOrder([feature('printing', ['rfid']), feature('rfid', ['printing'])])).toThrow(
      /need each other: printing → rfid → printing/,
    );
    expect(() => startOrder([feature('rfid', []), feature('rfid', [])])).toThrow(/listed twice/);
  });
});
