/**
 * Movement times (`at`) as both ends read them. One function decides what a time means, so a
 * time the edge accepts is one the cloud can store:
 *
 * - RFC 3339 §5.6 date-time with `Z` or a numeric offset (`T`, `t` or a space between date and
 *   time, §5.6 NOTE); the calendar is checked (no 30 February, 29 February only in leap years).
 * - Fractional seconds beyond the millisecond are truncated (never rounded: .9999 stays in its
 *   second). The cloud keeps DATETIME(3), the edge keeps the same normalised text.
 * - A leap second (`:60`, RFC 3339 §5.7) is refused: neither JavaScript's Date nor MySQL's
 *   DATETIME can represent it, and a clock that shows one is a clock to fix (NTP-synced hosts
 *   repeat :59 instead). Refusing it at the edge keeps it out of the outbox, where the cloud
 *   would refuse it forever.
 * - The instant, in UTC, must lie in MySQL's DATETIME range, 1000-01-01 to 9999-12-31.
 *
 * The normalised form is `YYYY-MM-DDTHH:MM:SS.sssZ` (what Date#toISOString writes), so text
 * order is time order.
 */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

const MIN_MS = Date.UTC(1000, 0, 1);
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

export type InstantResult = { ok: true; at: string; ms: number } | { ok: false; message: string };

/** Parses a movement time; answers its normalised UTC form or why it is refused. */
export function parseInstant(text: string): InstantResult {
  const m = RFC3339.exec(text);
  if (!m)
    return {
      ok: false,
      message: 'must be an RFC 3339 date-time with Z or an offset, e.g. 2026-03-01T09:30:00Z',
    };
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12) return { ok: false, message: `month ${m[2]} does not exist` };
  if (day < 1 || day > daysInMonth(year, month))
    return { ok: false, message: `day ${m[3]} does not exist in ${m[1]}-${m[2]}` };
  if (hour > 23 || minute > 59) return { ok: false, message: `${m[4]}:${m[5]} is not a time of day` };
  if (second === 60)
    return {
      ok: false,
      message: 'a leap second (:60) cannot be stored; send 23:59:59.999 of that minute instead',
    };
  if (second > 59) return { ok: false, message: `second ${m[6]} does not exist` };
  let offsetMin = 0;
  if (m[8] === undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return { ok: false, message: `offset ${m[9]}${m[10]}:${m[11]} is not an offset` };
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const millis = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 to 1900-1999.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, millis);
  const ms = d.getTime() - offsetMin * 60_000;
  if (!(ms >= MIN_MS && ms <= MAX_MS))
    return { ok: false, message: 'must lie between 1000-01-01 and 9999-12-31 (UTC)' };
  // Already in the normalised form (what every edge sends): the text itself, no second Date.
  const normalised = text.length === 24 && text[10] === 'T' && m[8] === 'Z' && m[7]?.length === 3;
  return { ok: true, at: normalised ? text : new Date(ms).toISOString(), ms };
}

/** Why a movement time is refused, or null. */
export function instantProblem(text: string): string | null {
  const r = parseInstant(text);
  return r.ok ? null : r.message;
}

/** The normalised form of a movement time; throws on a time `instantProblem` refuses. */
export function normaliseInstant(text: string): string {
  const r = parseInstant(text);
  if (!r.ok) throw new RangeError(`invalid movement time '${text}': ${r.message}`);
  return r.at;
}
