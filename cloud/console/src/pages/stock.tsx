import { useState } from 'preact/hooks';
import { type FleetStore, getFleet, getStock, type StockRow } from '../api.js';
import { fleetCache } from '../fleet-cache.js';
import { num, t } from '../i18n.js';
import { navigate } from '../router.js';
import {
  Ago,
  type Column,
  ErrorText,
  Field,
  Link,
  type SortState,
  StatusBadge,
  sortRows,
  Table,
  useLoad,
} from '../ui.js';

interface Row extends StockRow {
  store: FleetStore | null;
}

const ms = (iso: string | null | undefined): number => (iso ? new Date(iso).getTime() : 0);

const columns = (): Column<Row>[] => [
  {
    id: 'store',
    head: t('fleet.store'),
    rowHeader: true,
    sort: (r) => r.store?.name ?? r.storeId,
    cell: (r) => <Link href={`/stores/${encodeURIComponent(r.storeId)}`}>{r.store?.name || r.storeId}</Link>,
  },
  { id: 'location', head: t('store.location'), sort: (r) => r.location, cell: (r) => r.location },
  { id: 'onHand', head: t('stock.onHand'), num: true, sort: (r) => r.onHand, cell: (r) => num(r.onHand) },
  {
    id: 'reserved',
    head: t('stock.reserved'),
    num: true,
    sort: (r) => r.reserved,
    cell: (r) => num(r.reserved),
  },
  {
    id: 'available',
    head: t('stock.available'),
    num: true,
    sort: (r) => r.available,
    cell: (r) => num(r.available),
  },
  {
    id: 'age',
    head: t('stock.dataAge'),
    // The figure is as old as the store's last contact: an offline store's stock may have moved since.
    sort: (r) => ms(r.store?.lastSeenAt),
    cell: (r) => (
      <>
        <Ago at={r.store?.lastSeenAt} />{' '}
        {r.store && r.store.status !== 'online' && <StatusBadge status={r.store.status} />}
      </>
    ),
  },
];

/** One sku in every store of the tenant, each row with how old the store's data is. */
export function StockPage({ sku }: { sku: string }) {
  const [text, setText] = useState(sku);
  const [sort, setSort] = useState<SortState>({ by: 'available', dir: 'desc' });
  const stock = useLoad(async () => {
    if (!sku) return null;
    const [rows, fleet] = await Promise.all([
      getStock(sku),
      fleetCache.get(getFleet).catch(() => [] as FleetStore[]),
    ]);
    const byId = new Map(fleet.map((s) => [s.id, s]));
    return rows.map((r): Row => ({ ...r, store: byId.get(r.storeId) ?? null }));
  }, [sku]);
  const cols = columns();
  const total = (stock.data ?? []).reduce((a, r) => a + r.available, 0);
  return (
    <section>
      <h1 tabIndex={-1}>{t('nav.stock')}</h1>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(`/stock?sku=${encodeURIComponent(text.trim())}`);
        }}
      >
        <Field label={t('stock.sku')} hint={t('stock.hint')}>
          {(id, d) => (
            <input
              id={id}
              name="sku"
              aria-describedby={d}
              value={text}
              onInput={(e) => setText(e.currentTarget.value)}
            />
          )}
        </Field>
        <button type="submit">{t('common.show')}</button>
      </form>
      <ErrorText error={stock.error} />
      {stock.data && (
        <>
          <h2>{t('stock.across', { sku, n: total })}</h2>
          <div class="scroll">
            <Table
              columns={cols}
              rows={sortRows(stock.data, cols, sort)}
              rowKey={(r) => `${r.storeId}/${r.location}`}
              rowProps={(r) => ({ 'data-store': r.storeId })}
              empty={t('stock.none', { sku })}
              sort={sort}
              onSort={setSort}
            />
          </div>
        </>
      )}
    </section>
  );
}
