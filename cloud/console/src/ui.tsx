import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.js';
import { ago, dateTime, getLang, type Key, LANGS, type Lang, setLang, t } from './i18n.js';

/** A link inside the console; router.ts turns its clicks into in-app navigation. */
export function Link(props: JSX.IntrinsicElements['a'] & { href: string }) {
  return <a {...props} />;
}

let fieldSeq = 0;
export function useId(prefix = 'f'): string {
  const ref = useRef<string | null>(null);
  if (!ref.current) ref.current = `${prefix}-${++fieldSeq}`;
  return ref.current;
}

/** A labelled control with its hint and its error (from problem+json `errors[].path`). */
export function Field(props: {
  label: string;
  error?: string | undefined;
  hint?: ComponentChildren;
  children: (id: string, describedBy: string | undefined) => ComponentChildren;
}) {
  const id = useId();
  const hintId = props.hint ? `${id}-hint` : undefined;
  const errId = props.error ? `${id}-err` : undefined;
  const described = [hintId, errId].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${props.error ? ' has-error' : ''}`}>
      <label for={id}>{props.label}</label>
      {props.children(id, described)}
      {props.hint && (
        <div class="hint" id={hintId}>
          {props.hint}
        </div>
      )}
      {props.error && (
        <div class="error" id={errId}>
          {props.error}
        </div>
      )}
    </div>
  );
}

const STATUS_KEYS: Record<string, Key> = {
  online: 'status.online',
  offline: 'status.offline',
  unknown: 'status.unknown',
  error: 'status.error',
  ok: 'status.ok',
};

/** A status in words and a shape, never colour alone (WCAG 1.4.1). */
export function StatusBadge({ status }: { status: string }) {
  const key = STATUS_KEYS[status];
  const cls = status === 'ok' ? 'online' : status;
  return (
    <span class={`badge badge-${cls}`}>
      <span aria-hidden="true">
        {status === 'online' || status === 'ok'
          ? '●'
          : status === 'error'
            ? '▲'
            : status === 'offline'
              ? '■'
              : '○'}{' '}
      </span>
      {key ? t(key) : status}
    </span>
  );
}

export function Ago({ at }: { at: string | null | undefined }) {
  const [, tick] = useState(0);
  useEffect(() => {
    // Nothing to age without a time (a store never heard from): no timer for it.
    if (!at) return;
    const h = setInterval(() => tick((n) => n + 1), 15_000);
    return () => clearInterval(h);
  }, [at]);
  if (!at) return <span>—</span>;
  return (
    <time dateTime={at} title={dateTime(at)}>
      {ago(at)}
    </time>
  );
}

/** A page area whose route this cloud does not have yet (answers 404 `no-route`). */
export function NotAvailable({ what }: { what: string }) {
  return (
    <p class="notice" role="note">
      {t('common.notAvailable', { what })}
    </p>
  );
}

/**
 * A problem (RFC 9457) in the user's language: the sentence comes from the status and the
 * problem's `code`; the cloud's own English `detail` follows as the specifics.
 */
export function problemText(error: unknown): { text: string; detail: string | null } {
  if (error instanceof ApiError) {
    const key: Key =
      error.status === 0
        ? 'problem.unreachable'
        : error.status === 400
          ? 'problem.validation'
          : error.status === 401
            ? 'problem.unauthorized'
            : error.status === 403
              ? 'problem.forbidden'
              : error.status === 404
                ? 'problem.notFound'
                : error.status === 409
                  ? 'problem.conflict'
                  : error.status === 429
                    ? 'problem.rateLimited'
                    : error.status >= 500
                      ? 'problem.server'
                      : 'problem.other';
    return {
      text: t(key, { seconds: error.retryAfter ?? 1, status: error.status }),
      detail: error.status === 0 ? null : error.detail,
    };
  }
  return { text: error instanceof Error ? error.message : String(error), detail: null };
}

export function ErrorText({ error }: { error: unknown }) {
  if (!error) return null;
  const { text, detail } = problemText(error);
  return (
    <div class="alert" role="alert">
      <p>{text}</p>
      {detail && (
        <p class="problem-detail" lang="en">
          {detail}
        </p>
      )}
    </div>
  );
}

export interface Loaded<T> {
  data: T | null;
  error: unknown;
  missing: boolean;
  loading: boolean;
  reload: () => void;
}

/** Loads once, on reload() and when deps change; a 404 `no-route` becomes `missing`, not an error. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[] = []): Loaded<T> {
  const [state, set] = useState<{ data: T | null; error: unknown; missing: boolean; loading: boolean }>({
    data: null,
    error: null,
    missing: false,
    loading: true,
  });
  const [n, setN] = useState(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  useEffect(() => {
    let live = true;
    set((s) => ({ ...s, loading: true }));
    fnRef.current().then(
      (data) => live && set({ data, error: null, missing: false, loading: false }),
      (error: unknown) =>
        live &&
        set((s) => ({
          data: s.data,
          error: error instanceof ApiError && error.missing ? null : error,
          missing: error instanceof ApiError && error.missing,
          loading: false,
        })),
    );
    return () => {
      live = false;
    };
  }, [n, ...deps]);
  const reload = useCallback(() => setN((x) => x + 1), []);
  return { ...state, reload };
}

/** Calls reload every `ms` while the tab is visible (a hidden tab costs the cloud nothing). */
export function useEvery(ms: number, reload: () => void): void {
  useEffect(() => {
    const h = setInterval(() => {
      if (document.visibilityState === 'visible') reload();
    }, ms);
    return () => clearInterval(h);
  }, [ms, reload]);
}

/** Maps problem+json `errors[].path` (JSON pointers) to a field's message by the pointer's last part. */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (err instanceof ApiError) {
    for (const e of err.errors) {
      const key = e.path.split('/').filter(Boolean).pop() ?? '';
      out[key] = out[key] ? `${out[key]}; ${e.message}` : e.message;
    }
  }
  return out;
}

export function LangSwitch() {
  const id = 'lang-switch';
  return (
    <div class="lang">
      <label for={id}>{t('common.language')}</label>
      <select id={id} value={getLang()} onChange={(e) => setLang(e.currentTarget.value as Lang)}>
        {Object.entries(LANGS).map(([code, name]) => (
          <option key={code} value={code} lang={code}>
            {name}
          </option>
        ))}
      </select>
    </div>
  );
}

/** One column of a {@link Table}. */
export interface Column<R> {
  head: ComponentChildren;
  cell: (row: R) => ComponentChildren;
  num?: boolean;
  rowHeader?: boolean;
  class?: string;
  show?: boolean;
  /** Sortable: the value rows are ordered by (strings by the language's collation). */
  sort?: (row: R) => string | number;
  /** A stable name for the sort state (the URL and tests use it). */
  id?: string;
}

export interface SortState {
  by: string;
  dir: 'asc' | 'desc';
}

/**
 * The console's data table: a header row of `<th scope="col">`, one row per item, number
 * columns right-aligned, and the `empty` text instead of a table without rows. A sortable
 * column's head is a button; `aria-sort` tells screen readers the order (WAI-ARIA 1.2).
 */
export function Table<R>(props: {
  columns: Column<R>[];
  rows: readonly R[];
  rowKey: (row: R) => string | number;
  rowProps?: (row: R) => Record<string, string>;
  empty?: ComponentChildren;
  caption?: string;
  sort?: SortState;
  onSort?: (s: SortState) => void;
}) {
  const columns = props.columns.filter((c) => c.show !== false);
  if (props.rows.length === 0 && props.empty !== undefined) return <p class="muted">{props.empty}</p>;
  const cls = (c: Column<R>) => [c.num ? 'num' : '', c.class ?? ''].filter(Boolean).join(' ') || undefined;
  return (
    <table>
      {props.caption && <caption class="sr-only">{props.caption}</caption>}
      <thead>
        <tr>
          {columns.map((c, i) => {
            const sorted = props.sort && c.id === props.sort.by ? props.sort.dir : null;
            return (
              <th
                key={i}
                scope="col"
                class={c.num ? 'num' : undefined}
                aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}
              >
                {c.sort && c.id && props.onSort ? (
                  <button
                    type="button"
                    class="sort"
                    data-sort={c.id}
                    onClick={() =>
                      props.onSort?.({
                        by: c.id as string,
                        dir: sorted === 'asc' ? 'desc' : sorted === 'desc' ? 'asc' : c.num ? 'desc' : 'asc',
                      })
                    }
                  >
                    {c.head}
                    <span aria-hidden="true" class="sort-mark">
                      {sorted === 'asc' ? ' ▲' : sorted === 'desc' ? ' ▼' : ' ↕'}
                    </span>
                  </button>
                ) : (
                  c.head
                )}
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row) => (
          <tr key={props.rowKey(row)} {...(props.rowProps?.(row) ?? {})}>
            {columns.map((c, i) =>
              c.rowHeader ? (
                <th key={i} scope="row" class={cls(c)}>
                  {c.cell(row)}
                </th>
              ) : (
                <td key={i} class={cls(c)}>
                  {c.cell(row)}
                </td>
              ),
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Orders rows by a column's sort value; strings by the UI language's collation. */
export function sortRows<R>(rows: readonly R[], columns: Column<R>[], s: SortState): R[] {
  const col = columns.find((c) => c.id === s.by);
  if (!col?.sort) return [...rows];
  const key = col.sort;
  const collator = new Intl.Collator(getLang(), { numeric: true, sensitivity: 'base' });
  const sign = s.dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : collator.compare(String(x), String(y));
    return c * sign;
  });
}
