import { listTransfers, type Transfer } from '../api.js';
import { dateTime, duration, num, t } from '../i18n.js';
import { ErrorText, Link, NotAvailable, Table, useEvery, useLoad } from '../ui.js';
import { deliveryHref } from './deliveries.js';

/** One transfer's lines: shipped, received, short and still in transit per sku. */
function Lines({ tr }: { tr: Transfer }) {
  return (
    <Table<Transfer['lines'][number]>
      caption={t('transfer.lines', { id: tr.id })}
      columns={[
        { head: t('delivery.sku'), rowHeader: true, cell: (l) => l.sku },
        { head: t('transfer.shipped'), num: true, cell: (l) => num(l.shipped) },
        { head: t('transfer.received'), num: true, cell: (l) => num(l.received) },
        { head: t('transfer.short'), num: true, cell: (l) => num(l.short) },
        { head: t('transfer.inTransitQty'), num: true, cell: (l) => num(l.inTransit) },
      ]}
      rows={tr.lines}
      rowKey={(l) => l.sku}
      rowProps={(l) => ({ 'data-sku': l.sku })}
    />
  );
}

function TransferCard({ tr }: { tr: Transfer }) {
  const h = `tr-${tr.id}`;
  return (
    <article class="card" id={tr.id} data-transfer={tr.id} aria-labelledby={h}>
      <h3 id={h}>
        {t('transfer.id')} {tr.id}: {t('transfer.route', { from: tr.fromStoreId, to: tr.toStoreId })}
      </h3>
      <dl class="facts">
        <dt>{t('transfer.shippedAt')}</dt>
        <dd>{dateTime(tr.shippedAt)}</dd>
        {tr.status === 'in-transit' ? (
          <>
            <dt>{t('transfer.age')}</dt>
            <dd data-age>{duration(tr.ageSeconds)}</dd>
          </>
        ) : (
          <>
            <dt>{t('transfer.receivedAt')}</dt>
            <dd>{tr.receivedAt ? dateTime(tr.receivedAt) : '—'}</dd>
          </>
        )}
        <dt>{t('transfer.receivingDelivery')}</dt>
        <dd>
          {/* The destination receives it as a delivery of kind transfer with the same id. */}
          <Link href={deliveryHref(tr.id)}>{tr.id}</Link>
        </dd>
      </dl>
      <Lines tr={tr} />
    </article>
  );
}

/**
 * Transfers between stores: what is in transit, oldest shipment first with its age (the aged
 * in-transit list, `GET /v1/transfers?status=in-transit`), then the latest received ones.
 */
export function TransfersPage() {
  const transit = useLoad(() => listTransfers({ status: 'in-transit', limit: 500 }));
  const received = useLoad(() => listTransfers({ status: 'received', limit: 50 }));
  useEvery(15_000, transit.reload);
  return (
    <section>
      <h1 tabIndex={-1}>{t('nav.transfers')}</h1>
      {transit.missing && <NotAvailable what={t('nav.transfers')} />}
      <section aria-labelledby="in-transit-h">
        <h2 id="in-transit-h">{t('transfer.inTransit')}</h2>
        <ErrorText error={transit.error} />
        {transit.data && (
          <div class="scroll">
            <Table<Transfer>
              caption={t('transfer.inTransit')}
              columns={[
                { head: t('transfer.id'), rowHeader: true, cell: (tr) => <a href={`#${tr.id}`}>{tr.id}</a> },
                { head: t('delivery.from'), cell: (tr) => tr.fromStoreId },
                { head: t('delivery.to'), cell: (tr) => tr.toStoreId },
                { head: t('transfer.shippedAt'), class: 'nowrap', cell: (tr) => dateTime(tr.shippedAt) },
                { head: t('transfer.age'), num: true, cell: (tr) => duration(tr.ageSeconds) },
                {
                  head: t('transfer.inTransitQty'),
                  num: true,
                  cell: (tr) => num(tr.lines.reduce((n, l) => n + l.inTransit, 0)),
                },
              ]}
              rows={transit.data}
              rowKey={(tr) => tr.id}
              rowProps={(tr) => ({ 'data-in-transit': tr.id })}
              empty={t('transfer.inTransitNone')}
            />
          </div>
        )}
        {(transit.data ?? []).map((tr) => (
          <TransferCard key={tr.id} tr={tr} />
        ))}
      </section>
      <section aria-labelledby="received-h">
        <h2 id="received-h">{t('transfer.recent')}</h2>
        <ErrorText error={received.error} />
        {received.data && received.data.length === 0 && <p class="muted">{t('transfer.recentNone')}</p>}
        {(received.data ?? []).map((tr) => (
          <TransferCard key={tr.id} tr={tr} />
        ))}
      </section>
    </section>
  );
}
