import { formatMessage } from './format.js';

// The i18n core of both consoles: the language (negotiated from the browser, switchable,
// remembered) and the formatting of messages, numbers, dates and durations in it. Each console
// keeps its own message catalogues and calls `initLang` and `translator` from its i18n.ts.

/** Console languages: English, German, Spanish; the browser's Accept-Language order picks one, the picker switches, the choice is remembered. */
export const LANGS = { en: 'English', de: 'Deutsch', es: 'Español' } as const;
export type Lang = keyof typeof LANGS;

/** Where the choice is remembered (localStorage), one key per console; set by `initLang`. */
let storageKey = '';

function detect(): Lang {
  const saved = localStorage.getItem(storageKey);
  if (saved && saved in LANGS) return saved as Lang;
  for (const l of navigator.languages ?? [navigator.language]) {
    const base = l.slice(0, 2).toLowerCase();
    if (base in LANGS) return base as Lang;
  }
  return 'en';
}

let lang: Lang = 'en';
const listeners = new Set<(l: Lang) => void>();

/** Picks the language (remembered under `key`, else the browser's); a console's i18n.ts calls it once, on load. */
export function initLang(key: string): void {
  storageKey = key;
  lang = detect();
}

export function getLang(): Lang {
  return lang;
}

export function setLang(l: Lang): void {
  lang = l;
  localStorage.setItem(storageKey, l);
  document.documentElement.lang = l;
  for (const fn of listeners) fn(l);
}

export function onLang(fn: (l: Lang) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/**
 * The `t` of a console's catalogues: a message in the current language; `{name}` placeholders
 * are filled from vars, and `{n, plural, one {# item} other {# items}}` picks the form for the
 * number (format.ts). A message missing in a language falls back to English, then to its key.
 */
export function translator<K extends string>(
  dicts: Record<Lang, Record<K, string>>,
): (key: K, vars?: Record<string, string | number>) => string {
  const en = dicts.en;
  return (key, vars = {}) => formatMessage(dicts[lang][key] ?? en[key] ?? key, vars, lang, (n) => num(n));
}

/**
 * Formatters are costly to build and a fleet page formats thousands of cells: one per language
 * and options, built on first use.
 */
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>();
function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>(
  key: string,
  make: () => T,
): T {
  const k = `${lang}|${key}`;
  let f = formatters.get(k);
  if (!f) {
    f = make();
    formatters.set(k, f);
  }
  return f as T;
}

export function num(n: number, digits = 0): string {
  return cached(`num${digits}`, () => new Intl.NumberFormat(lang, { maximumFractionDigits: digits })).format(
    n,
  );
}

export function money(amount: string | number, currency: string): string {
  try {
    return new Intl.NumberFormat(lang, { style: 'currency', currency }).format(Number(amount));
  } catch {
    return `${amount} ${currency}`;
  }
}

export function dateTime(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return cached(
    'dateTime',
    () => new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeStyle: 'medium' }),
  ).format(d);
}

export function time(iso: string | number): string {
  return new Intl.DateTimeFormat(lang, { timeStyle: 'medium' }).format(new Date(iso));
}

export function shortDate(ms: number): string {
  return new Intl.DateTimeFormat(lang, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(ms));
}

/** "3 minutes ago" through Intl.RelativeTimeFormat. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const s = Math.round((new Date(iso).getTime() - now) / 1000);
  const rtf = cached('rtf', () => new Intl.RelativeTimeFormat(lang, { numeric: 'auto' }));
  const abs = Math.abs(s);
  if (abs < 60) return rtf.format(s, 'second');
  if (abs < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(s / 3600), 'hour');
  return rtf.format(Math.round(s / 86400), 'day');
}

/** A duration in the largest sensible unit ("4 min", "2 h"). */
export function duration(seconds: number): string {
  const [value, unit] =
    seconds < 60
      ? [seconds, 'second']
      : seconds < 3600
        ? [seconds / 60, 'minute']
        : seconds < 86400
          ? [seconds / 3600, 'hour']
          : [seconds / 86400, 'day'];
  return new Intl.NumberFormat(lang, {
    style: 'unit',
    unit,
    unitDisplay: 'short',
    maximumFractionDigits: value < 10 && unit !== 'second' ? 1 : 0,
  }).format(value);
}

export function bytes(n: number): string {
  if (n < 0) return '—';
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return new Intl.NumberFormat(lang, {
    style: 'unit',
    unit: units[i],
    unitDisplay: 'short',
    maximumFractionDigits: 1,
  }).format(v);
}
