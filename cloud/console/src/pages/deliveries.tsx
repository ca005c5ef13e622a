import {
  type Delivery,
  type DeliveryLine,
  type DeliveryStatus,
  getDelivery,
  getFleet,
  listDeliveries,
} from '../api.js';
import { fleetCache } from '../fleet-cache.js';
import { dateTime, type Key, num, t } from '../i18n.js';
import { navigate } from '../router.js';
import { ErrorText, Field, Link, NotAvailable, Table, useEvery, useLoad } from '../ui.js';

const STATUSES: DeliveryStatus[] = ['open', 'receiving', 'closed'];
const KINDS = ['purchase', 'transfer'] as const;

export const deliveryHref = (id: string) => `/deliveries/${encodeURIComponent(id)}`;

function StatusText({ status }: { status: DeliveryStatus }) {
  // Words and a shape, never colour alone (as the fleet's badges).
  const cls = status === 'closed' ? 'done' : status === 'receiving' ? 'uncertain' : 'offline';
  return <span class={`badge badge-${cls}`}>{t(`delivery.${status}` as Key)}</span>;
}

const sum = (lines: DeliveryLine[], k: keyof Omit<DeliveryLine, 'sku'>) =>
  lines.reduce((n, l) => n + l[k], 0);

/**
 * Deliveries of the tenant (`GET /v1/deliveries`), filtered by status, store and kind; the
 * filter lives in the URL so Back restores it and a view can be shared.
 */
export function DeliveriesPage({ query }: { query: URLSearchParams }) {
  const status = STATUSES.find((s) => s === query.get('status')) ?? '';
  const kind = KINDS.find((k) => k === query.get('kind')) ?? '';
  const storeId = query.get('storeId') ?? '';
  const stores = useLoad(() => fleetCache.get(getFleet));
  const list = useLoad(() => listDeliveries({ status, kind, storeId, limit: 500 }), [status, kind, storeId]);
  // Receiving happens at the store while someone may watch here: follow it.
  useEvery(10_000, list.reload);
  const set = (k: string, v: string) => {
    const next = new URLSearchParams(query);
    if (v) next.set(k, v);
    else next.delete(k);
    const s = next.toString();
    navigate(`/deliveries${s ? `?${s}` : ''}`, true);
  };
  return (
    <section>
      <h1 tabIndex={-1}>{t('nav.deliveries')}</h1>
      <form class="filters" aria-label={t('delivery.filter')} onSubmit={(e) => e.preventDefault()}>
        <Field label={t('delivery.status')}>
          {(id, d) => (
            <select
              id={id}
              aria-describedby={d}
              value={status}
              onChange={(e) => set('status', e.currentTarget.value)}
            >
              <option value="">{t('delivery.any')}</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`delivery.${s}` as Key)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('delivery.store')}>
          {(id, d) => (
            <select
              id={id}
              aria-describedby={d}
              value={storeId}
              onChange={(e) => set('storeId', e.currentTarget.value)}
            >
              <option value="">{t('delivery.allStores')}</option>
              {(stores.data ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name ? `${s.name} (${s.id})` : s.id}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('delivery.kind')}>
          {(id, d) => (
            <select
              id={id}
              aria-describedby={d}
              value={kind}
              onChange={(e) => set('kind', e.currentTarget.value)}
            >
              <option value="">{t('delivery.any')}</option>
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`delivery.${k}` as Key)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </form>
      {list.missing && <NotAvailable what={t('nav.deliveries')} />}
      <ErrorText error={list.error} />
      {list.data && (
        <div class="scroll">
          <Table<Delivery>
            caption={t('nav.deliveries')}
            columns={[
              {
                head: t('delivery.id'),
                rowHeader: true,
                cell: (d) => <Link href={deliveryHref(d.id)}>{d.id}</Link>,
              },
              {
                head: t('delivery.store'),
                cell: (d) => <Link href={`/stores/${encodeURIComponent(d.storeId)}`}>{d.storeId}</Link>,
              },
              { head: t('delivery.kind'), cell: (d) => t(`delivery.${d.kind}` as Key) },
              { head: t('delivery.status'), cell: (d) => <StatusText status={d.status} /> },
              { head: t('delivery.supplier'), cell: (d) => d.supplier ?? d.fromStoreId ?? '—' },
              {
                head: t('delivery.expectedAt'),
                class: 'nowrap',
                cell: (d) => (d.expectedAt ? dateTime(d.expectedAt) : '—'),
              },
              { head: t('delivery.expected'), num: true, cell: (d) => num(sum(d.lines, 'expected')) },
              { head: t('delivery.received'), num: true, cell: (d) => num(sum(d.lines, 'received')) },
              { head: t('delivery.short'), num: true, cell: (d) => num(sum(d.lines, 'short')) },
            ]}
            rows={list.data}
            rowKey={(d) => d.id}
            rowProps={(d) => ({ 'data-delivery': d.id })}
            empty={t('delivery.none')}
          />
        </div>
      )}
    </section>
  );
}

/** One delivery: expected, received, damaged, short and over per line, live until closed. */
export function DeliveryPage({ id }: { id: string }) {
  const d = useLoad(() => getDelivery(id), [id]);
  useEvery(5_000, d.reload);
  const delivery = d.data;
  const cols: Array<keyof Omit<DeliveryLine, 'sku'>> = ['expected', 'received', 'damaged', 'short', 'over'];
  return (
    <section>
      <p class="crumbs">
        <Link href="/deliveries">{t('nav.deliveries')}</Link>
      </p>
      <h1 tabIndex={-1}>
        {t('nav.delivery')} {id}
      </h1>
      <ErrorText error={d.error} />
      {delivery && (
        <>
          <dl class="facts">
            <dt>{t('delivery.store')}</dt>
            <dd>
              <Link href={`/stores/${encodeURIComponent(delivery.storeId)}`}>{delivery.storeId}</Link>
            </dd>
            <dt>{t('delivery.kind')}</dt>
            <dd>{t(`delivery.${delivery.kind}` as Key)}</dd>
            <dt>{t('delivery.status')}</dt>
            <dd>
              <StatusText status={delivery.status} />
            </dd>
            {delivery.supplier && (
              <>
                <dt>{t('delivery.supplier')}</dt>
                <dd>{delivery.supplier}</dd>
              </>
            )}
            {delivery.fromStoreId && (
              <>
                <dt>{t('delivery.from')}</dt>
                <dd>
                  <Link href={`/transfers#${encodeURIComponent(delivery.id)}`}>{delivery.fromStoreId}</Link>
                </dd>
              </>
            )}
            <dt>{t('delivery.expectedAt')}</dt>
            <dd>{delivery.expectedAt ? dateTime(delivery.expectedAt) : '—'}</dd>
            <dt>{t('delivery.createdAt')}</dt>
            <dd>{dateTime(delivery.createdAt)}</dd>
            {delivery.closedAt && (
              <>
                <dt>{t('delivery.closedAt')}</dt>
                <dd>{dateTime(delivery.closedAt)}</dd>
              </>
            )}
          </dl>
          <p class="muted">{delivery.status === 'closed' ? t('delivery.receipt') : t('delivery.live')}</p>
          <div class="scroll">
            <table>
              <caption class="sr-only">{t('delivery.linesCaption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('delivery.sku')}</th>
                  {cols.map((c) => (
                    <th key={c} scope="col" class="num">
                      {t(`delivery.${c}` as Key)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {delivery.lines.map((l) => (
                  <tr key={l.sku} data-sku={l.sku}>
                    <th scope="row">{l.sku}</th>
                    {cols.map((c) => (
                      <td key={c} class="num" data-col={c}>
                        {num(l[c])}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">{t('delivery.totals')}</th>
                  {cols.map((c) => (
                    <td key={c} class="num">
                      {num(sum(delivery.lines, c))}
                    </td>
                  ))}
                </tr>
              </tfoot>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
