import { useState } from 'preact/hooks';
import { createReservation, getFleet, getReservation, type Reservation } from '../api.js';
import { fleetCache } from '../fleet-cache.js';
import { type Key, num, t } from '../i18n.js';
import { ErrorText, Field, fieldErrors, Table, useLoad } from '../ui.js';

const STATUS_KEYS = new Set(['requested', 'accepted', 'rejected', 'fulfilled', 'released']);
const statusText = (s: string) => (STATUS_KEYS.has(s) ? t(`reservation.${s}` as Key) : s);
const SEEN_KEY = 'hq-console.reservations';

/** Reservations asked for from this tab, kept for this tab so their status can be followed. */
function seen(): string[] {
  try {
    const v: unknown = JSON.parse(sessionStorage.getItem(SEEN_KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Asks a store to hold stock for an order (`POST /v1/reservations`); the store accepts or
 * rejects it through its replicated movements, so the status is read back, not assumed.
 */
export function ReservationsPage() {
  const stores = useLoad(() => fleetCache.get(getFleet));
  const [form, setForm] = useState({ storeId: '', sku: '', qty: '1', ref: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [ids, setIds] = useState<string[]>(seen());
  const [lookup, setLookup] = useState('');
  const list = useLoad(() => Promise.all(ids.map((id) => getReservation(id))), [ids.join(',')]);
  const errs = fieldErrors(error);
  const field = (k: keyof typeof form) => (e: { currentTarget: HTMLInputElement | HTMLSelectElement }) =>
    setForm({ ...form, [k]: e.currentTarget.value });
  const remember = (id: string) => {
    const next = [id, ...ids.filter((x) => x !== id)].slice(0, 50);
    sessionStorage.setItem(SEEN_KEY, JSON.stringify(next));
    setIds(next);
  };
  return (
    <section>
      <h1 tabIndex={-1}>{t('nav.reservations')}</h1>
      <form
        class="card"
        aria-labelledby="new-res"
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          createReservation({
            storeId: form.storeId,
            sku: form.sku.trim(),
            qty: Number(form.qty),
            ref: form.ref.trim(),
          }).then(
            (r) => {
              setBusy(false);
              setForm({ ...form, sku: '', ref: '' });
              remember(r.id);
            },
            (err: unknown) => {
              setBusy(false);
              setError(err);
            },
          );
        }}
      >
        <h2 id="new-res">{t('reservation.new')}</h2>
        <Field label={t('fleet.store')} error={errs.storeId}>
          {(id, d) => (
            <select id={id} aria-describedby={d} required value={form.storeId} onChange={field('storeId')}>
              <option value="">{t('reservation.pickStore')}</option>
              {(stores.data ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name ? `${s.name} (${s.id})` : s.id}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('stock.sku')} error={errs.sku}>
          {(id, d) => <input id={id} aria-describedby={d} required value={form.sku} onInput={field('sku')} />}
        </Field>
        <Field label={t('store.qty')} error={errs.qty}>
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              type="number"
              min={1}
              step={1}
              required
              value={form.qty}
              onInput={field('qty')}
            />
          )}
        </Field>
        <Field label={t('reservation.ref')} hint={t('reservation.refHint')} error={errs.ref}>
          {(id, d) => <input id={id} aria-describedby={d} required value={form.ref} onInput={field('ref')} />}
        </Field>
        <ErrorText error={error} />
        <div class="actions">
          <button type="submit" disabled={busy}>
            {t('reservation.submit')}
          </button>
        </div>
      </form>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (lookup.trim()) remember(lookup.trim());
          setLookup('');
        }}
      >
        <Field label={t('reservation.lookup')}>
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              value={lookup}
              onInput={(e) => setLookup(e.currentTarget.value)}
            />
          )}
        </Field>
        <button type="submit" class="secondary">
          {t('common.show')}
        </button>
      </form>
      <h2>{t('reservation.recent')}</h2>
      <ErrorText error={list.error} />
      <div class="actions">
        <button type="button" class="secondary" onClick={list.reload}>
          {t('common.refresh')}
        </button>
      </div>
      <Table<Reservation>
        columns={[
          { head: t('reservation.ref'), rowHeader: true, cell: (r) => r.ref },
          { head: t('fleet.store'), cell: (r) => r.storeId },
          { head: t('stock.sku'), cell: (r) => r.sku },
          { head: t('store.qty'), num: true, cell: (r) => num(r.qty) },
          { head: t('fleet.status'), cell: (r) => <strong>{statusText(r.status)}</strong> },
          { head: t('reservation.id'), class: 'small', cell: (r) => <code>{r.id}</code> },
        ]}
        rows={list.data ?? []}
        rowKey={(r) => r.id}
        empty={t('reservation.none')}
      />
    </section>
  );
}
