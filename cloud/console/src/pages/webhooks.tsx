import { useState } from 'preact/hooks';
import { createWebhook } from '../api.js';
import { type Key, t } from '../i18n.js';
import { ErrorText, fieldErrors, TextField } from '../ui.js';

/** The events a subscription can name (cloud/src/outbox.ts WEBHOOK_EVENTS, and the fleet's). */
const EVENTS = ['movements.applied', 'reservation.changed', 'store.stale', 'store.offline'] as const;

/**
 * Subscribes a URL to events (`POST /v1/webhooks`); deliveries are signed with the secret
 * (HMAC-SHA256). The secret is shown once here and never read back.
 */
export function WebhooksPage() {
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState('');
  const [events, setEvents] = useState<string[]>(['movements.applied']);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<{ id: string; url: string } | null>(null);
  const errs = fieldErrors(error);
  return (
    <section>
      <h1 tabIndex={-1}>{t('nav.webhooks')}</h1>
      <p>{t('webhooks.intro')}</p>
      {created && (
        <p class="success" role="status">
          {t('webhooks.created', { url: created.url, id: created.id })}
        </p>
      )}
      <form
        class="card"
        aria-labelledby="new-hook"
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          createWebhook({ url: url.trim(), secret, events }).then(
            (id) => {
              setBusy(false);
              setCreated({ id, url: url.trim() });
              setUrl('');
              setSecret('');
            },
            (err: unknown) => {
              setBusy(false);
              setError(err);
            },
          );
        }}
      >
        <h2 id="new-hook">{t('webhooks.new')}</h2>
        <TextField
          label={t('webhooks.url')}
          error={errs.url}
          value={url}
          onValue={setUrl}
          type="url"
          required
        />
        <TextField
          label={t('webhooks.secret')}
          hint={t('webhooks.secretHint')}
          error={errs.secret}
          value={secret}
          onValue={setSecret}
          type="password"
          autoComplete="new-password"
          minLength={16}
          required
        />
        <fieldset class={errs.events ? 'has-error' : undefined}>
          <legend>{t('webhooks.events')}</legend>
          {EVENTS.map((ev) => (
            <label key={ev} class="check">
              <input
                type="checkbox"
                checked={events.includes(ev)}
                onChange={(e) =>
                  setEvents(e.currentTarget.checked ? [...events, ev] : events.filter((x) => x !== ev))
                }
              />{' '}
              {t(`webhooks.event.${ev}` as Key)} <code>{ev}</code>
            </label>
          ))}
          {errs.events && <div class="error">{errs.events}</div>}
        </fieldset>
        <ErrorText error={error} />
        <div class="actions">
          <button type="submit" disabled={busy || events.length === 0}>
            {t('webhooks.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}
