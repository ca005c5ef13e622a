import { useState } from 'preact/hooks';
import { api, isManager, type Session, uuid } from '../api.js';
import { useEvents } from '../events.js';
import { dateTime, type Key, num, t } from '../i18n.js';
import { ErrorText, Field, fieldErrors, Link, Table, useLoad, useThrottle } from '../ui.js';

export interface DeliveryLine {
  sku: string;
  expected: number;
  received: number;
  damaged: number;
  short: number;
  over: number;
}

export interface Delivery {
  id: string;
  kind: 'purchase' | 'transfer';
  status: 'open' | 'receiving' | 'closed';
  fromStoreId: string | null;
  supplier: string | null;
  expectedAt: string | null;
  lines: DeliveryLine[];
  damages: Array<{ sku: string; qty: number; reason: string }>;
  receipt: { closedAt: string; closedBy: string; reported?: boolean } | null;
  receivingInto?: string[];
}

const REASONS = ['damaged', 'crushed', 'wet', 'expired', 'wrong-item'] as const;
const path = (id: string) => `/deliveries/${encodeURIComponent(id)}`;

function origin(d: Delivery): string {
  return d.kind === 'transfer' ? t('deliv.fromStore', { store: d.fromStoreId ?? '?' }) : (d.supplier ?? '—');
}

/** Open deliveries (expected at this store, not closed), oldest expected first. */
export function DeliveriesPage() {
  const list = useLoad(() => api<{ deliveries: Delivery[] }>('/deliveries?status=open&limit=200'));
  const receiving = useLoad(() => api<{ deliveries: Delivery[] }>('/deliveries?status=receiving&limit=200'));
  const reload = useThrottle(() => {
    list.reload();
    receiving.reload();
  }, 1000);
  useEvents(['movements'], (_n, data) => {
    if (Array.isArray(data) && data.some((m: { ref?: string | null }) => m?.ref)) reload();
  });
  const rows = [...(receiving.data?.deliveries ?? []), ...(list.data?.deliveries ?? [])];
  return (
    <section>
      <h1 tabIndex={-1}>{t('deliv.title')}</h1>
      <p class="muted">{t('deliv.intro')}</p>
      <ErrorText error={list.error ?? receiving.error} />
      <Table
        rows={rows}
        rowKey={(d) => d.id}
        rowProps={(d) => ({ 'data-delivery': d.id })}
        empty={t('deliv.none')}
        columns={[
          { head: t('deliv.id'), rowHeader: true, cell: (d) => <Link href={path(d.id)}>{d.id}</Link> },
          { head: t('deliv.from'), cell: origin },
          { head: t('deliv.expectedAt'), cell: (d) => (d.expectedAt ? dateTime(d.expectedAt) : '—') },
          { head: t('deliv.status'), cell: (d) => t(`deliv.status.${d.status}` as Key) },
          {
            head: t('deliv.expected'),
            num: true,
            cell: (d) => num(d.lines.reduce((s, l) => s + l.expected, 0)),
          },
          {
            head: t('deliv.received'),
            num: true,
            cell: (d) => num(d.lines.reduce((s, l) => s + l.received, 0)),
          },
        ]}
      />
    </section>
  );
}

/**
 * One delivery while it is being received: expected vs received per line, updated live from the
 * agent's movement events (scans anywhere in the store land here when they carry its id),
 * damaged units with their reason, and the close for managers.
 */
export function DeliveryPage({ id, session }: { id: string; session: Session }) {
  const d = useLoad(() => api<Delivery>(path(id)), [id]);
  const reload = useThrottle(d.reload, 250);
  useEvents(['movements'], (_n, data) => {
    if (Array.isArray(data) && data.some((m: { ref?: string | null }) => m?.ref === id)) reload();
  });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [sku, setSku] = useState('');
  const [qty, setQty] = useState('1');
  const [reason, setReason] = useState<string>(REASONS[0]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [said, setSaid] = useState('');

  const act = async (fn: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      setSaid(done);
      d.reload();
    } catch (err) {
      setError(err);
      setErrors(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  };

  const v = d.data;
  if (!v) {
    return (
      <section>
        <h1 tabIndex={-1}>{t('deliv.one', { id })}</h1>
        <ErrorText error={d.error} />
      </section>
    );
  }
  const closed = v.status === 'closed';
  const chosen = (v.receivingInto ?? []).length > 0;
  const damageSku = sku || v.lines[0]?.sku || '';
  return (
    <section>
      <p>
        <Link href="/deliveries">{t('deliv.back')}</Link>
      </p>
      <h1 tabIndex={-1}>{t('deliv.one', { id })}</h1>
      <p>
        {origin(v)} · <strong data-testid="delivery-status">{t(`deliv.status.${v.status}` as Key)}</strong>
        {v.receipt
          ? ` · ${t('deliv.closedBy', { who: v.receipt.closedBy, at: dateTime(v.receipt.closedAt) })}`
          : null}
        {v.receipt ? (
          <span data-testid="receipt-sent">
            {' '}
            · {v.receipt.reported ? t('deliv.reported') : t('deliv.notReported')}
          </span>
        ) : null}
      </p>
      <p class="muted" role="status" aria-live="polite">
        {said}
      </p>
      <ErrorText error={error} />
      {!closed && (
        <p>
          {chosen ? t('deliv.chosen') : t('deliv.notChosen')}{' '}
          <button
            type="button"
            class="secondary"
            disabled={busy}
            onClick={() =>
              void act(
                () => api(`${path(id)}/select`, chosen ? { method: 'DELETE' } : { method: 'POST', body: {} }),
                chosen ? t('deliv.unchooseDone') : t('deliv.chooseDone'),
              )
            }
          >
            {chosen ? t('deliv.unchoose') : t('deliv.choose')}
          </button>
        </p>
      )}
      <div aria-live="polite">
        <Table
          rows={v.lines}
          rowKey={(l) => l.sku}
          rowProps={(l) => ({ 'data-sku': l.sku })}
          empty={t('deliv.noLines')}
          columns={[
            { head: t('stock.sku'), rowHeader: true, cell: (l) => l.sku },
            { head: t('deliv.expected'), num: true, cell: (l) => num(l.expected) },
            {
              head: t('deliv.received'),
              num: true,
              cell: (l) => <strong data-testid={`received-${l.sku}`}>{num(l.received)}</strong>,
            },
            { head: t('deliv.damaged'), num: true, cell: (l) => num(l.damaged) },
            { head: t('deliv.short'), num: true, cell: (l) => (l.short > 0 ? num(l.short) : '—') },
            { head: t('deliv.over'), num: true, cell: (l) => (l.over > 0 ? `+${num(l.over)}` : '—') },
          ]}
        />
      </div>
      {v.damages.length > 0 && (
        <>
          <h2>{t('deliv.damages')}</h2>
          <ul>
            {v.damages.map((x) => (
              <li key={`${x.sku}-${x.reason}`}>
                {t('deliv.damageLine', { n: x.qty, sku: x.sku, reason: x.reason })}
              </li>
            ))}
          </ul>
        </>
      )}
      {!closed && (
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            void act(
              () =>
                api('/movements', {
                  method: 'POST',
                  body: {
                    movements: [
                      {
                        id: uuid(),
                        type: 'damage',
                        sku: damageSku,
                        qty: Number(qty),
                        ref: id,
                        reason,
                        location: 'dock',
                      },
                    ],
                  },
                }),
              t('deliv.damageDone'),
            );
          }}
        >
          <h2>{t('deliv.recordDamage')}</h2>
          <Field label={t('stock.sku')} error={errors.sku}>
            {(fid, desc) => (
              <select
                id={fid}
                aria-describedby={desc}
                value={damageSku}
                onChange={(e) => setSku(e.currentTarget.value)}
              >
                {v.lines.map((l) => (
                  <option key={l.sku} value={l.sku}>
                    {l.sku}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('deliv.qty')} error={errors.qty}>
            {(fid, desc) => (
              <input
                id={fid}
                aria-describedby={desc}
                type="number"
                min="1"
                value={qty}
                onInput={(e) => setQty(e.currentTarget.value)}
              />
            )}
          </Field>
          <Field label={t('deliv.reason')} error={errors.reason}>
            {(fid, desc) => (
              <select
                id={fid}
                aria-describedby={desc}
                value={reason}
                onChange={(e) => setReason(e.currentTarget.value)}
              >
                {REASONS.map((r) => (
                  <option key={r} value={r}>
                    {t(`deliv.reason.${r}` as Key)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <button type="submit" disabled={busy || !damageSku}>
            {t('deliv.recordDamage')}
          </button>
        </form>
      )}
      {!closed && isManager(session) && (
        <p>
          <button
            type="button"
            disabled={busy}
            onClick={() => void act(() => api(`${path(id)}/close`, { method: 'POST' }), t('deliv.closeDone'))}
          >
            {t('deliv.close')}
          </button>
        </p>
      )}
    </section>
  );
}
