import { describe, expect, it } from 'vitest';
import { OpeningLabels, type OpeningLabelsDeps } from './batch.js';
import { addDays, localDate, zonedInstant } from './zoned.js';

describe('store-local times', () => {
  it.each([
    ['a winter evening in Berlin', '2026-12-05', '20:00', 'Europe/Berlin', '2026-12-05T19:00:00.000Z'],
    ['a summer morning in Berlin', '2026-07-01', '08:00', 'Europe/Berlin', '2026-07-01T06:00:00.000Z'],
    [
      '02:30 on the spring-forward day does not exist: 03:30 CEST',
      '2026-03-29',
      '02:30',
      'Europe/Berlin',
      '2026-03-29T01:30:00.000Z',
    ],
    [
      '02:30 on the fall-back day happens twice: the first (CEST)',
      '2026-10-25',
      '02:30',
      'Europe/Berlin',
      '2026-10-25T00:30:00.000Z',
    ],
    ['New York at 08:00 in winter', '2026-12-06', '08:00', 'America/New_York', '2026-12-06T13:00:00.000Z'],
  ])('%s', (_, date, hhmm, zone, iso) => {
    expect(zonedInstant(date, hhmm, zone).toISOString()).toBe(iso);
  });

  it('reads dates in the zone and counts days on the calendar', () => {
    expect(localDate(new Date('2026-12-05T23:30:00Z'), 'Europe/Berlin')).toBe('2026-12-06');
    expect(localDate(new Date('2026-12-05T23:30:00Z'), 'America/New_York')).toBe('2026-12-05');
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
});

describe('the before-opening schedule', () => {
  const schedule = (prepareAt: string, openingTime: string, timeZone: string) =>
    new OpeningLabels({
      settings: { prepareAt, openingTime, locale: 'en-IE', currency: 'EUR' },
      timeZone,
    } as OpeningLabelsDeps);

  it('prepares at 20:00 the evening before, in the store zone, DST night included', () => {
    const s = schedule('20:00', '08:00', 'Europe/Berlin').schedule(new Date('2026-03-28T12:00:00Z'));
    // The clocks go forward in the night: 20:00 CET before, 08:00 CEST after.
    expect(s).toEqual({
      openingDate: '2026-03-29',
      openingAt: new Date('2026-03-29T06:00:00Z'),
      prepareAt: new Date('2026-03-28T19:00:00Z'),
    });
  });

  it('after the opening, looks at the next day; a prepare time before the opening is the same day', () => {
    const berlin = schedule('20:00', '08:00', 'Europe/Berlin').schedule(new Date('2026-12-06T07:30:00Z'));
    expect(berlin.openingDate).toBe('2026-12-07');
    const early = schedule('05:00', '08:00', 'America/New_York').schedule(new Date('2026-12-06T15:00:00Z'));
    expect(early).toEqual({
      openingDate: '2026-12-07',
      openingAt: new Date('2026-12-07T13:00:00Z'),
      prepareAt: new Date('2026-12-07T10:00:00Z'),
    });
  });
});
