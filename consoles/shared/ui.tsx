import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ago, dateTime, getLang, LANGS, type Lang, setLang } from './i18n.js';

// Components and hooks both consoles use alike. Each console's ui.tsx re-exports them, binds
// those that need its API client and catalogues (`bindConsole`: useLoad, fieldErrors,
// LangSwitch) and adds its own (error text, status badges).

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

/** The input attributes a `TextField` passes through. */
interface TextInputAttributes {
  type?: 'text' | 'search' | 'url' | 'email' | 'password' | 'number';
  required?: boolean;
  readOnly?: boolean;
  inputMode?: 'text' | 'decimal' | 'numeric';
  pattern?: string;
  min?: number;
  step?: number;
  minLength?: number;
  maxLength?: number;
  size?: number;
  autoComplete?: string;
  placeholder?: string;
  name?: string;
}

/**
 * A labelled single-line input bound to a text value: `Field` with its `<input>`. Other input
 * attributes (required, inputMode, pattern, type, readOnly…) pass through.
 */
export function TextField({
  label,
  error,
  hint,
  value,
  onValue,
  ...input
}: {
  label: string;
  error?: string | undefined;
  hint?: ComponentChildren;
  value: string;
  onValue: (value: string) => void;
} & TextInputAttributes) {
  return (
    <Field label={label} error={error} hint={hint}>
      {(id, d) => (
        <input
          // Preact types <input> as a union keyed on `type`; every TextInputAttributes suits each text type.
          {...({
            ...input,
            id,
            'aria-describedby': d,
            value,
            onInput: (e: { currentTarget: HTMLInputElement }) => onValue(e.currentTarget.value),
          } as JSX.IntrinsicElements['input'])}
        />
      )}
    </Field>
  );
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

/** A time as "3 minutes ago", kept current, with the exact time as its title. */
export function Ago({ at }: { at: string | null | undefined }) {
  const [, tick] = useState(0);
  useEffect(() => {
    // Nothing to age without a time (never heard from): no timer for it.
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

export interface Loaded<T> {
  data: T | null;
  error: unknown;
  missing: boolean;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads once, on reload() and when deps change; an error `isMissing` tells apart (a 404 "no
 * route": the server does not have that part yet) becomes `missing`, not an error.
 */
export function useLoadWith<T>(
  fn: () => Promise<T>,
  deps: unknown[],
  isMissing: (error: unknown) => boolean,
): Loaded<T> {
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
          error: isMissing(error) ? null : error,
          missing: isMissing(error),
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

/** Maps problem+json `errors[].path` (JSON pointers) to a field's message by the pointer's last part. */
export function fieldErrorsOf(errors: readonly { path: string; message: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of errors) {
    const key = e.path.split('/').filter(Boolean).pop() ?? '';
    out[key] = out[key] ? `${out[key]}; ${e.message}` : e.message;
  }
  return out;
}

/** The language picker; `label` is the console's "Language" in the current language. */
export function LangPicker({ label }: { label: string }) {
  const id = 'lang-switch';
  return (
    <div class="lang">
      <label for={id}>{label}</label>
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

/** What a console's API client throws: a problem+json answer. */
interface ProblemError {
  /** A 404 for a route the server does not have (yet): pages say "not available" instead. */
  readonly missing: boolean;
  readonly errors: readonly { path: string; message: string }[];
}

/**
 * The parts bound to a console's API client (its `ApiError` class) and catalogues (the word
 * "Language"): each console's ui.tsx exports what this returns.
 */
export function bindConsole<E extends ProblemError>(opts: {
  ApiError: abstract new (...args: never[]) => E;
  languageLabel: () => string;
}) {
  const isProblem = (error: unknown): error is E => error instanceof opts.ApiError;
  const missing = (error: unknown) => isProblem(error) && error.missing;
  return {
    /** Loads once, on reload() and when deps change; a 404 "no route" becomes `missing`, not an error. */
    useLoad<T>(fn: () => Promise<T>, deps: unknown[] = []): Loaded<T> {
      return useLoadWith(fn, deps, missing);
    },
    /** Maps problem+json `errors[].path` (JSON pointers) to a field's message by the pointer's last part. */
    fieldErrors(err: unknown): Record<string, string> {
      return isProblem(err) ? fieldErrorsOf(err.errors) : {};
    },
    LangSwitch() {
      return <LangPicker label={opts.languageLabel()} />;
    },
  };
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
  /** Attributes of a row's `<tr>` (`data-*` the tests and styles find rows by). */
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
