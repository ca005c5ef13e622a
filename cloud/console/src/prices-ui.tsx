// Parts shared by the price pages (issue 19): the effective-moment input, the store picker, the
// readiness bar, and who may edit.
import { ApiError, type FleetStore, getFleet } from './api.js';
import { getSession } from './auth.js';
import { getLang, t } from './i18n.js';
import { useId, useLoad } from './ui.js';

/** Merchandisers and head-office admins change prices (CONTRACT.md v2); others read. */
export function canEditPrices(): boolean {
  const roles = getSession()?.roles ?? [];
  return roles.includes('merchandiser') || roles.includes('hq-admin');
}

/** problem+json `errors[]` by their full JSON pointer (`/changes/2/amount`), for per-row fields. */
export function errorsByPath(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (err instanceof ApiError)
    for (const e of err.errors) out[e.path] = out[e.path] ? `${out[e.path]}; ${e.message}` : e.message;
  return out;
}

/** Errors at or under a pointer prefix (`/storeIds` covers `/storeIds/3`), joined. */
export function errorUnder(errs: Record<string, string>, prefix: string): string | undefined {
  const found = Object.entries(errs)
    .filter(([p]) => p === prefix || p.startsWith(`${prefix}/`))
    .map(([, m]) => m);
  return found.length > 0 ? found.join('; ') : undefined;
}

const OFFSET_RE = /([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * An effective moment as people read it. Without an offset it is each store's own wall-clock
 * time, so it is shown as written (formatted, never converted to the viewer's zone); with one it
 * is an instant, shown in the viewer's zone.
 */
export function effectiveText(at: string): string {
  if (!at) return '—';
  const local = !OFFSET_RE.test(at);
  const d = new Date(local ? `${at}Z` : at);
  if (Number.isNaN(d.getTime())) return at;
  const f = new Intl.DateTimeFormat(getLang(), {
    dateStyle: 'medium',
    timeStyle: 'short',
    ...(local ? { timeZone: 'UTC' } : {}),
  });
  return local ? t('prices.atStoreTime', { at: f.format(d) }) : f.format(d);
}

/** The value of the moment inputs below, and its wire form. */
export interface MomentValue {
  local: string;
  zone: 'store' | 'offset';
  offset: string;
}

export function momentText(v: MomentValue): string {
  if (v.zone === 'store') return v.local;
  const o = v.offset.trim();
  return `${v.local}${o === '' || o.toUpperCase() === 'Z' ? 'Z' : o}`;
}

/** Splits a stored effectiveAt back into the inputs (editing a promotion). */
export function momentOf(at: string): MomentValue {
  const m = OFFSET_RE.exec(at);
  if (!m) return { local: at.slice(0, 16), zone: 'store', offset: '' };
  return { local: at.slice(0, m.index).slice(0, 16), zone: 'offset', offset: m[1] ?? '' };
}

/**
 * A date-time and whose clock it is on: each store's own time zone (a local date-time, the
 * usual case: 06:00 in every store) or a fixed UTC offset (one instant everywhere).
 */
export function MomentInput(props: {
  label: string;
  value: MomentValue;
  onChange: (v: MomentValue) => void;
  error?: string | undefined;
  name: string;
}) {
  const id = useId('moment');
  const errId = props.error ? `${id}-err` : undefined;
  const v = props.value;
  return (
    <fieldset class={`moment${props.error ? ' has-error' : ''}`} aria-describedby={errId}>
      <legend>{props.label}</legend>
      <div class="row">
        <div class="field">
          <label for={`${id}-at`}>{t('prices.dateTime')}</label>
          <input
            id={`${id}-at`}
            name={`${props.name}-at`}
            type="datetime-local"
            required
            value={v.local}
            aria-invalid={props.error ? 'true' : undefined}
            onInput={(e) => props.onChange({ ...v, local: e.currentTarget.value })}
          />
        </div>
        <div class="field">
          <label for={`${id}-zone`}>{t('prices.zone')}</label>
          <select
            id={`${id}-zone`}
            name={`${props.name}-zone`}
            value={v.zone}
            onChange={(e) =>
              props.onChange({ ...v, zone: e.currentTarget.value === 'offset' ? 'offset' : 'store' })
            }
          >
            <option value="store">{t('prices.zoneStore')}</option>
            <option value="offset">{t('prices.zoneOffset')}</option>
          </select>
        </div>
        {v.zone === 'offset' && (
          <div class="field">
            <label for={`${id}-offset`}>{t('prices.offset')}</label>
            <input
              id={`${id}-offset`}
              name={`${props.name}-offset`}
              required
              pattern="[Zz]|[+\-][0-9]{2}:[0-9]{2}"
              placeholder="+01:00"
              value={v.offset}
              onInput={(e) => props.onChange({ ...v, offset: e.currentTarget.value })}
            />
          </div>
        )}
      </div>
      {props.error && (
        <div class="error" id={errId}>
          {props.error}
        </div>
      )}
    </fieldset>
  );
}

/** All stores, or a list of them (checkboxes from the fleet list, one request). */
export function StoresInput(props: {
  value: string[] | null;
  onChange: (v: string[] | null) => void;
  error?: string | undefined;
}) {
  const id = useId('stores');
  const fleet = useLoad(getFleet);
  const errId = props.error ? `${id}-err` : undefined;
  const chosen = new Set(props.value ?? []);
  return (
    <fieldset class={props.error ? 'has-error' : undefined} aria-describedby={errId}>
      <legend>{t('prices.stores')}</legend>
      <label class="check">
        <input
          type="radio"
          name={`${id}-which`}
          checked={props.value === null}
          onChange={() => props.onChange(null)}
        />{' '}
        {t('prices.allStores')}
      </label>
      <label class="check">
        <input
          type="radio"
          name={`${id}-which`}
          checked={props.value !== null}
          onChange={() => props.onChange([])}
        />{' '}
        {t('prices.someStores')}
      </label>
      {props.value !== null && (
        <ul class="checks">
          {(fleet.data ?? []).map((s: FleetStore) => (
            <li key={s.id}>
              <label class="check">
                <input
                  type="checkbox"
                  value={s.id}
                  checked={chosen.has(s.id)}
                  onChange={(e) => {
                    const next = new Set(chosen);
                    if (e.currentTarget.checked) next.add(s.id);
                    else next.delete(s.id);
                    props.onChange([...next]);
                  }}
                />{' '}
                {s.name} <span class="muted">({s.id})</span>
              </label>
            </li>
          ))}
        </ul>
      )}
      {props.error && (
        <div class="error" id={errId}>
          {props.error}
        </div>
      )}
    </fieldset>
  );
}

/**
 * Received and printed as one bar: printed, received but not printed, and not received yet,
 * each a share of the stores. The numbers are in the text beside it (and in the bar's label),
 * never in the colours alone (WCAG 1.4.1); the segments also differ in pattern.
 */
export function ReadinessBar(props: { stores: number; received: number; printed: number; label?: string }) {
  const printed = Math.min(props.printed, props.stores);
  const receivedOnly = Math.max(0, Math.min(props.received, props.stores) - printed);
  const waiting = Math.max(0, props.stores - printed - receivedOnly);
  const text = t('prices.barText', { printed, received: receivedOnly, waiting });
  const pct = (n: number) => (props.stores === 0 ? 0 : (n / props.stores) * 100);
  return (
    <div class="readiness" data-printed={printed} data-received={receivedOnly} data-waiting={waiting}>
      <div class="bar" role="img" aria-label={props.label ? `${props.label}: ${text}` : text}>
        <span class="seg seg-printed" style={{ width: `${pct(printed)}%` }} />
        <span class="seg seg-received" style={{ width: `${pct(receivedOnly)}%` }} />
        <span class="seg seg-waiting" style={{ width: `${pct(waiting)}%` }} />
      </div>
      <span class="bar-text" aria-hidden="true">
        {text}
      </span>
    </div>
  );
}

/** The legend of the readiness bars, once per page. */
export function ReadinessLegend() {
  return (
    <ul class="legend" aria-label={t('prices.legend')}>
      <li>
        <span class="swatch seg-printed" aria-hidden="true" /> {t('prices.printed')}
      </li>
      <li>
        <span class="swatch seg-received" aria-hidden="true" /> {t('prices.receivedNotPrinted')}
      </li>
      <li>
        <span class="swatch seg-waiting" aria-hidden="true" /> {t('prices.notReceived')}
      </li>
    </ul>
  );
}

/**
 * Money from its decimal string: Intl formats a numeric string exactly (ECMA-402 NumberFormat v3),
 * so "1.2345" is never rounded through a float on the way to the screen.
 */
export function exactMoney(amount: string, currency: string): string {
  try {
    return new Intl.NumberFormat(getLang(), {
      style: 'currency',
      currency,
      minimumFractionDigits: 2,
      maximumFractionDigits: 4,
    }).format(amount as Intl.StringNumericLiteral);
  } catch {
    return `${amount} ${currency}`;
  }
}

/** A percentage from its decimal text ("12.5" → "12,5 %" in German). */
export function exactPercent(value: string): string {
  return new Intl.NumberFormat(getLang(), { style: 'percent', maximumFractionDigits: 2 }).format(
    Number(value) / 100,
  );
}
