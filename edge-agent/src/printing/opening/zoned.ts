/**
 * Store-local wall-clock times in an IANA zone, with Intl only (no tz database of our own: the
 * runtime's ICU is the one the rest of the agent reads dates with).
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function parts(at: Date, timeZone: string): Record<string, number> {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  const out: Record<string, number> = {};
  for (const p of f.formatToParts(at)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

/** The store-local calendar date of an instant: `2026-03-29`. */
export function localDate(at: Date, timeZone: string): string {
  const p = parts(at, timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** `2026-03-29` + n days (calendar arithmetic, no zone involved). */
export function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Offset of the zone from UTC at an instant, in ms (+1 h for Berlin in winter). */
function offsetMs(at: Date, timeZone: string): number {
  const p = parts(at, timeZone);
  const asUtc = Date.UTC(p.year as number, (p.month as number) - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/**
 * The instant a store-local date and `HH:MM` happens in the zone. On the day clocks go
 * forward a time in the gap (02:30 in Berlin on the last Sunday of March) does not exist and
 * is read as the same number of minutes after the gap starts, i.e. 03:30 (what a wall clock
 * shows an hour after 01:30); in the autumn overlap the first of the two is taken.
 */
export function zonedInstant(date: string, hhmm: string, timeZone: string): Date {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi] = hhmm.split(':').map(Number) as [number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  // Two passes: the offset at the first guess, then at the instant that guess points to.
  const first = wall - offsetMs(new Date(wall), timeZone);
  const second = wall - offsetMs(new Date(first), timeZone);
  if (second === first) {
    // In an overlap, the earlier instant (the summer-time reading) comes first.
    const earlier = wall - offsetMs(new Date(first - 3_600_000), timeZone);
    if (earlier < first && localHhmm(new Date(earlier), timeZone) === hhmm) return new Date(earlier);
    return new Date(first);
  }
  // The guesses disagree: the wall time is in a gap; take the later offset's reading.
  return new Date(Math.max(first, second));
}

function localHhmm(at: Date, timeZone: string): string {
  const p = parts(at, timeZone);
  return `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
}
