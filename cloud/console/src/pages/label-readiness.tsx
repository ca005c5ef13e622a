import { getLabelReadiness, type PriceChangeFilter, type StoreReadiness } from '../api.js';
import { t } from '../i18n.js';
import { effectiveText, ReadinessBar, ReadinessLegend } from '../prices-ui.js';
import { navigate } from '../router.js';
import { ErrorText, Link, NotAvailable, Table, useEvery, useLoad } from '../ui.js';

const FILTERS: PriceChangeFilter[] = ['scheduled', 'all'];

/**
 * Every store's shelf labels for the price changes still ahead: received, printed, and the first
 * moment whose labels it has not printed yet. The stores furthest behind come first.
 */
export function LabelReadinessPage({ query }: { query: URLSearchParams }) {
  const status: PriceChangeFilter = FILTERS.find((f) => f === query.get('status')) ?? 'scheduled';
  const data = useLoad(() => getLabelReadiness(status), [status]);
  useEvery(30_000, data.reload);
  const rows = [...(data.data?.stores ?? [])].sort(
    (a, b) =>
      a.printed / Math.max(1, a.priceChanges) - b.printed / Math.max(1, b.priceChanges) ||
      a.storeId.localeCompare(b.storeId),
  );
  return (
    <section>
      <h1 tabIndex={-1}>{t('nav.labels')}</h1>
      {data.missing && <NotAvailable what={t('nav.labels')} />}
      <div class="field inline">
        <label for="lr-filter">{t('prices.show')}</label>
        <select
          id="lr-filter"
          value={status}
          onChange={(e) => navigate(`/labels?status=${e.currentTarget.value}`, true)}
        >
          {FILTERS.map((f) => (
            <option key={f} value={f}>
              {t(`prices.filter.${f}`)}
            </option>
          ))}
        </select>
      </div>
      <ErrorText error={data.error} />
      {data.data && (
        <>
          <p data-fact="priceChanges">{t('labels.counted', { n: data.data.priceChanges })}</p>
          {rows.length > 0 && <ReadinessLegend />}
          <div class="scroll">
            <Table<StoreReadiness>
              caption={t('nav.labels')}
              columns={[
                {
                  head: t('prices.store'),
                  rowHeader: true,
                  cell: (s) => (
                    <Link href={`/stores/${encodeURIComponent(s.storeId)}`}>{s.name || s.storeId}</Link>
                  ),
                },
                { head: t('labels.priceChanges'), num: true, cell: (s) => String(s.priceChanges) },
                { head: t('labels.received'), num: true, cell: (s) => String(s.received) },
                { head: t('labels.printed'), num: true, cell: (s) => String(s.printed) },
                {
                  head: t('prices.readiness'),
                  class: 'wide',
                  cell: (s) => (
                    <ReadinessBar
                      stores={s.priceChanges}
                      received={s.received}
                      printed={s.printed}
                      label={s.name}
                    />
                  ),
                },
                {
                  head: t('labels.nextUnprinted'),
                  cell: (s) =>
                    s.nextUnprintedAt ? effectiveText(s.nextUnprintedAt) : t('labels.allPrinted'),
                },
              ]}
              rows={rows}
              rowKey={(s) => s.storeId}
              rowProps={(s) => ({ 'data-store': s.storeId })}
              empty={t('labels.none')}
            />
          </div>
        </>
      )}
    </section>
  );
}
