import { useCallback, useEffect, useRef } from 'preact/hooks';
import { bindConsole } from '../../../consoles/shared/ui.js';
import { ApiError } from './api.js';
import { t } from './i18n.js';

// The components both consoles share (Link, Field, Table, Ago…) are in consoles/shared/ui.tsx;
// here the store console's own, and those that depend on its API client and catalogues.
export * from '../../../consoles/shared/ui.js';

export const { useLoad, fieldErrors, LangSwitch } = bindConsole({
  ApiError,
  languageLabel: () => t('common.language'),
});

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
