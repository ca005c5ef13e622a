import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.js';
import { ago, dateTime, getLang, LANGS, type Lang, setLang, t } from './i18n.js';

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

export function StatusBadge({ status }: { status: string }) {
  const label =
    status === 'online'
      ? t('status.online')
      : status === 'offline'
        ? t('status.offline')
        : status === 'error'
          ? t('status.error')
          : status;
  return (
    <span class={`badge badge-${status}`}>
      <span aria-hidden="true">{status === 'online' ? '●' : status === 'error' ? '▲' : '○'} </span>
      {label}
    </span>
  );
}

export function Ago({ at }: { at: string | null | undefined }) {
  const [, tick] = useState(0);
  useEffect(() => {
    const h = setInterval(() => tick((n) => n + 1), 15_000);
    return () => clearInterval(h);
  }, []);
  if (!at) return <span>—</span>;
  return (
    <time dateTime={at} title={dateTime(at)}>
      {ago(at)}
    </time>
  );
}

/** A page area whose route the agent does not have yet (answers 404 "no route"). */
export function NotAvailable({ what }: { what: string }) {
  return (
    <p class="notice" role="note">
      {t('common.notAvailable', { what })}
    </p>
  );
}

export function ErrorText({ error }: { error: unknown }) {
  if (!error) return null;
  const text =
    error instanceof ApiError
      ? error.status === 0
        ? t('common.unreachable')
        : error.detail
      : error instanceof Error
        ? error.message
        : String(error);
  return (
    <p class="alert" role="alert">
      {text}
    </p>
  );
}

export interface Loaded<T> {
  data: T | null;
  error: unknown;
  missing: boolean;
  loading: boolean;
  reload: () => void;
}

/** Loads once and on reload(); a 404 "no route" becomes `missing`, not an error. */
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

/** Calls fn at most once per `ms` however often it is asked (bursts of live events). */
export function useThrottle(fn: () => void, ms: number): () => void {
  const ref = useRef(fn);
  ref.current = fn;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  return useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      ref.current();
    }, ms);
  }, [ms]);
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
  /** A number: right-aligned, head and cells. */
  num?: boolean;
  /** The cell that names the row (`<th scope="row">`), read out by screen readers with each cell. */
  rowHeader?: boolean;
  /** Extra class of the cells ('wrap', 'nowrap'). */
  class?: string;
  /** Left out when false (a column only some users see). */
  show?: boolean;
}

/**
 * The console's data table: a header row of `<th scope="col">`, one row per item, number
 * columns right-aligned, and the `empty` text instead of a table without rows.
 */
export function Table<R>(props: {
  columns: Column<R>[];
  rows: readonly R[];
  rowKey: (row: R) => string | number;
  /** Attributes of a row's `<tr>` (`data-*` the tests and styles find rows by). */
  rowProps?: (row: R) => Record<string, string>;
  empty?: ComponentChildren;
}) {
  const columns = props.columns.filter((c) => c.show !== false);
  if (props.rows.length === 0 && props.empty !== undefined) return <p class="muted">{props.empty}</p>;
  const cls = (c: Column<R>) => [c.num ? 'num' : '', c.class ?? ''].filter(Boolean).join(' ') || undefined;
  return (
    <table>
      <thead>
        <tr>
          {columns.map((c, i) => (
            <th key={i} scope="col" class={c.num ? 'num' : undefined}>
              {c.head}
            </th>
          ))}
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
