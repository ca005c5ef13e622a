import { describe, expect, it } from 'vitest';
import { loadSettings, SettingsError } from '../config/settings.js';
import { isTimeZone, resolveEffectiveAt } from './zone.js';

const at = (text: string, zone: string) => resolveEffectiveAt(text, zone)?.toISOString();

describe('effective times in a store zone', () => {
  it('reads a local time in the store zone and an offset time as that instant', () => {
    expect(at('2027-06-01T06:00', 'Europe/Berlin')).toBe('2027-06-01T04:00:00.000Z');
    expect(at('2027-06-01T06:00', 'America/New_York')).toBe('2027-06-01T10:00:00.000Z');
    expect(at('2027-06-01T06:00:00+02:00', 'America/New_York')).toBe('2027-06-01T04:00:00.000Z');
    expect(at('2027-01-15T06:00:00', 'Europe/Berlin')).toBe('2027-01-15T05:00:00.000Z');
  });

  it('on the spring change day 06:00 is summer time, and a time in the gap moves to the change', () => {
    expect(at('2027-03-28T06:00', 'Europe/Berlin')).toBe('2027-03-28T04:00:00.000Z');
    expect(at('2027-03-28T01:59', 'Europe/Berlin')).toBe('2027-03-28T00:59:00.000Z');
    // 02:30 does not exist in Berlin that night: 03:00 CEST, the first valid instant.
    expect(at('2027-03-28T02:30', 'Europe/Berlin')).toBe('2027-03-28T01:00:00.000Z');
    expect(at('2027-03-14T02:30', 'America/New_York')).toBe('2027-03-14T07:00:00.000Z');
  });

  it('on the autumn change day 06:00 is winter time, and a time that occurs twice is the first', () => {
    expect(at('2027-10-31T06:00', 'Europe/Berlin')).toBe('2027-10-31T05:00:00.000Z');
    // 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET): the first.
    expect(at('2027-10-31T02:30', 'Europe/Berlin')).toBe('2027-10-31T00:30:00.000Z');
    expect(at('2027-11-07T01:30', 'America/New_York')).toBe('2027-11-07T05:30:00.000Z');
  });

  it('refuses what is no date-time and zones Intl does not know', () => {
    expect(at('2027-02-30T06:00', 'Europe/Berlin')).toBeUndefined();
    expect(at('tomorrow', 'Europe/Berlin')).toBeUndefined();
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Europe/Berlinn')).toBe(false);
  });

  it('STORE_EDGE_TIMEZONE is checked at start, with the other settings problems', () => {
    expect(loadSettings({ STORE_EDGE_TIMEZONE: 'America/New_York' }).timezone).toBe('America/New_York');
    let err: unknown;
    try {
      loadSettings({ STORE_EDGE_TIMEZONE: 'Mars/Olympus_Mons', STORE_EDGE_HTTP_PORT: '99999' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SettingsError);
    expect((err as SettingsError).problems.map((p) => p.path)).toEqual(['STORE_EDGE_HTTP_PORT', 'timezone']);
  });
});
