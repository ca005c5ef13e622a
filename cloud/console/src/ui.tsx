import { useEffect } from 'preact/hooks';
import { bindConsole } from '../../../consoles/shared/ui.js';
import { ApiError } from './api.js';
import { type Key, t } from './i18n.js';

// The components both consoles share (Link, Field, Table, Ago…) are in consoles/shared/ui.tsx;
// here the head-office console's own, and those that depend on its API client and catalogues.
export * from '../../../consoles/shared/ui.js';

export const { useLoad, fieldErrors, LangSwitch } = bindConsole({
  ApiError,
  languageLabel: () => t('common.language'),
});

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

/** Calls reload every `ms` while the tab is visible (a hidden tab costs the cloud nothing). */
export function useEvery(ms: number, reload: () => void): void {
  useEffect(() => {
    const h = setInterval(() => {
      if (document.visibilityState === 'visible') reload();
    }, ms);
    return () => clearInterval(h);
  }, [ms, reload]);
}
