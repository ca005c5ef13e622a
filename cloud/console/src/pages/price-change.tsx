import { getFleet, getPriceChange, getPriceChangeLines, type PriceLine, type StoreReceipt } from '../api.js';
import { dateTime, t } from '../i18n.js';
import { effectiveText, exactMoney, ReadinessBar, ReadinessLegend } from '../prices-ui.js';
import { ErrorText, Link, NotAvailable, Table, useEvery, useLoad } from '../ui.js';

/** A received or printed moment, or the words for its absence (never a bare dash). */
function When({ at, none }: { at: string | null; none: string }) {
  if (!at) return <span class="muted">{none}</span>;
  return <time dateTime={at}>{dateTime(at)}</time>;
}

const amountCell = (l: PriceLine): string => exactMoney(l.amount, l.currency);

/** One price change: when, what, and per store whether it arrived and its labels are printed. */
export function PriceChangePage({ id }: { id: string }) {
  const status = useLoad(() => getPriceChange(id), [id]);
  const lines = useLoad(() => getPriceChangeLines(id), [id]);
  // Store names from the fleet list (one request), the ids where a store is not in it.
  const fleet = useLoad(getFleet);
  // Stores receive and print while someone watches: refresh as the fleet page does.
  useEvery(15_000, status.reload);
  const names = new Map((fleet.data ?? []).map((s) => [s.id, s.name]));
  const stores = status.data?.stores ?? [];
  const received = stores.filter((s) => s.receivedAt).length;
  const printed = stores.filter((s) => s.labelsPrintedAt).length;
  return (
    <section>
      <h1 tabIndex={-1}>{t('prices.changeTitle', { id })}</h1>
      <p>
        <Link href="/prices">{t('prices.back')}</Link>
      </p>
      {status.missing && <NotAvailable what={t('nav.prices')} />}
      <ErrorText error={status.error} />
      {status.data && (
        <>
          <dl class="facts">
            <div>
              <dt>{t('prices.effectiveAt')}</dt>
              <dd data-fact="effectiveAt">{effectiveText(status.data.effectiveAt)}</dd>
            </div>
            <div>
              <dt>{t('prices.storeCount')}</dt>
              <dd data-fact="stores">{stores.length}</dd>
            </div>
          </dl>
          <h2 id="readiness-h">{t('prices.readiness')}</h2>
          <ReadinessBar stores={stores.length} received={received} printed={printed} />
          <ReadinessLegend />
          <section aria-labelledby="stores-h">
            <h2 id="stores-h">{t('prices.perStore')}</h2>
            <div class="scroll">
              <Table<StoreReceipt>
                columns={[
                  {
                    head: t('prices.store'),
                    rowHeader: true,
                    cell: (s) => (
                      <Link href={`/stores/${encodeURIComponent(s.storeId)}`}>
                        {names.get(s.storeId) ?? s.storeId}
                      </Link>
                    ),
                  },
                  {
                    head: t('prices.receivedAt'),
                    cell: (s) => <When at={s.receivedAt} none={t('prices.notReceivedYet')} />,
                  },
                  {
                    head: t('prices.printedAt'),
                    cell: (s) => <When at={s.labelsPrintedAt} none={t('prices.notPrintedYet')} />,
                  },
                ]}
                rows={stores}
                rowKey={(s) => s.storeId}
                rowProps={(s) => ({
                  'data-store': s.storeId,
                  'data-state': s.labelsPrintedAt ? 'printed' : s.receivedAt ? 'received' : 'waiting',
                })}
                empty={t('prices.noStores')}
              />
            </div>
          </section>
        </>
      )}
      <section aria-labelledby="lines-h">
        <h2 id="lines-h">{t('prices.lines')}</h2>
        <ErrorText error={lines.error} />
        {lines.data && (
          <>
            {lines.data.lineCount > lines.data.lines.length && (
              <p class="muted">
                {t('prices.linesShown', { shown: lines.data.lines.length, total: lines.data.lineCount })}
              </p>
            )}
            <div class="scroll">
              <Table<PriceLine>
                columns={[
                  { head: t('catalog.sku'), rowHeader: true, cell: (l) => l.sku },
                  { head: t('prices.newPrice'), num: true, cell: amountCell },
                ]}
                rows={lines.data.lines}
                rowKey={(l) => l.sku}
                rowProps={(l) => ({ 'data-sku': l.sku })}
              />
            </div>
          </>
        )}
      </section>
    </section>
  );
}
