import { hasOffset, parseLocalDateTime } from '@store-edge/protocol';

/**
 * Local date-times in an IANA time zone, with Intl only (no tz library: Node ships full ICU).
 *
 * DST rules (docs/prices.md "Time zones and DST"):
 * - a local time in the spring gap (02:30 on 2027-03-28 in Europe/Berlin does not exist) moves
 *   forward to the first valid instant, the moment of the change (03:00 CEST = 01:00Z);
 * - a local time that occurs twice in the autumn (02:30 on 2027-10-31 in Europe/Berlin) is its
 *   first occurrence (02:30 CEST = 00:30Z), so a price never takes effect an hour late.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** True for a zone name Intl knows (`Europe/Berlin`, `UTC`); a typo is refused at start. */
export function isTimeZone(zone: string): boolean {
  if (!zone || zone.length > 64) return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The host's zone (the default of STORE_EDGE_TIMEZONE). */
export function hostTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The wall-clock time in `zone` at `ms`, as if it were UTC (ms since 1970, whole seconds). */
function wallClock(zone: string, ms: number): number {
  const p: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  return Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
}

/** The zone's offset from UTC at the instant `ms`, in ms (east positive). */
export function offsetAt(zone: string, ms: number): number {
  const whole = Math.floor(ms / 1000) * 1000;
  return wallClock(zone, whole) - whole;
}

const HOUR = 3_600_000;

/**
 * The instant a local date-time names in `zone` (the rules above). Offsets only change at
 * transitions; taking the offsets a day either side finds every instant the wall time can be.
 */
export function localToInstant(
  local: { y: number; mo: number; d: number; h: number; mi: number; s: number; ms: number },
  zone: string,
): Date {
  const wall = Date.UTC(local.y, local.mo - 1, local.d, local.h, local.mi, local.s, local.ms);
  const before = offsetAt(zone, wall - 24 * HOUR);
  const after = offsetAt(zone, wall + 24 * HOUR);
  const candidates = [...new Set([before, after])]
    .map((off) => wall - off)
    .filter((t) => offsetAt(zone, t) === wall - t)
    .sort((a, b) => a - b);
  const first = candidates[0];
  if (first !== undefined) return new Date(first);
  // In the gap: the first instant whose wall time is at or past the asked one is the transition.
  let lo = wall - Math.max(before, after);
  let hi = wall - Math.min(before, after);
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2 / 1000) * 1000;
    if (mid + offsetAt(zone, mid) >= wall) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

/**
 * An effectiveAt (CONTRACT.md "Prices over time") as an instant at this store: with an offset it
 * is that instant; without, the local time in the store's zone. Null when it is neither.
 */
export function resolveEffectiveAt(text: string, zone: string): Date | null {
  if (hasOffset(text)) {
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? null : new Date(ms);
  }
  const local = parseLocalDateTime(text);
  return local ? localToInstant(local, zone) : null;
}
