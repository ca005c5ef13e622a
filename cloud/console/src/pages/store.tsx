import { useState } from 'preact/hooks';
import { getBacklog, getHealth, getMovements, getStock, type Movement, type StockRow } from '../api.js';
import { LineChart } from '../chart.js';
import { bytes, dateTime, duration, type Key, num, t } from '../i18n.js';
import {
  Ago,
  ErrorText,
  Link,
  NotAvailable,
  StatusBadge,
  Table,
  TextField,
  useEvery,
  useLoad,
} from '../ui.js';

const PAGE = 25;
const DAY_MS = 24 * 3600 * 1000;

const KIND_KEYS: Record<string, Key> = {
  'serial-scanner': 'kind.serial-scanner',
  'hid-scanner': 'kind.hid-scanner',
  'rfid-reader': 'kind.rfid-reader',
  'zpl-printer': 'kind.zpl-printer',
};

const TYPE_KEYS = new Set([
  'receive',
  'sale',
  'return',
  'adjust',
  'transfer_out',
  'transfer_in',
  'count',
  'reserve',
  'release',
  'ship',
  'damage',
]);

function movementType(type: string): string {
  return TYPE_KEYS.has(type) ? t(`type.${type}` as Key) : type;
}

/** The store's last movements, newest first, a page at a time (the API pages by seq, oldest first). */
function Movements({ storeId }: { storeId: string }) {
  const [before, setBefore] = useState<number | null>(null);
  const page = useLoad(async () => {
    // The first call learns the store's applied seq; the second reads the page that ends there.
    const head = before ?? (await getMovements(storeId, 0, 1)).appliedSeq + 1;
    const from = Math.max(0, head - 1 - PAGE);
    const r = await getMovements(storeId, from, head - 1 - from || 1);
    return { rows: r.movements.filter((m) => m.seq < head).reverse(), from };
  }, [storeId, before]);
  return (
    <section aria-labelledby="movements-h">
      <h2 id="movements-h">{t('store.movements')}</h2>
      {page.missing && <NotAvailable what={t('store.movements')} />}
      <ErrorText error={page.error} />
      {page.data && (
        <>
          <div class="scroll">
            <Table<Movement>
              columns={[
                { head: t('store.seq'), num: true, cell: (m) => num(m.seq) },
                { head: t('store.when'), cell: (m) => dateTime(m.at), class: 'nowrap' },
                { head: t('store.type'), cell: (m) => movementType(m.type) },
                {
                  head: t('store.sku'),
                  rowHeader: true,
                  cell: (m) => <Link href={`/stock?sku=${encodeURIComponent(m.sku)}`}>{m.sku}</Link>,
                },
                { head: t('store.location'), cell: (m) => m.location },
                { head: t('store.qty'), num: true, cell: (m) => num(m.qty) },
                { head: t('store.ref'), cell: (m) => m.ref ?? '' },
              ]}
              rows={page.data.rows}
              rowKey={(m) => m.seq}
              empty={t('store.noMovements')}
            />
          </div>
          <div class="actions">
            {page.data.from > 0 && (
              <button
                type="button"
                class="secondary"
                onClick={() => setBefore(page.data?.from ? page.data.from + 1 : 1)}
              >
                {t('store.older')}
              </button>
            )}
            {before !== null && (
              <button type="button" class="secondary" onClick={() => setBefore(null)}>
                {t('store.newest')}
              </button>
            )}
          </div>
        </>
      )}
    </section>
  );
}

/** Stock of one sku in this store (GET /v1/stock?sku=, this store's rows). */
function StoreStock({ storeId }: { storeId: string }) {
  const [sku, setSku] = useState('');
  const [asked, setAsked] = useState('');
  const stock = useLoad(
    async () => (asked ? (await getStock(asked)).filter((r) => r.storeId === storeId) : null),
    [asked],
  );
  return (
    <section aria-labelledby="stock-h">
      <h2 id="stock-h">{t('store.stock')}</h2>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          setAsked(sku.trim());
        }}
      >
        <TextField label={t('stock.sku')} value={sku} onValue={setSku} name="sku" />
        <button type="submit">{t('common.show')}</button>
      </form>
      <ErrorText error={stock.error} />
      {stock.data && (
        <Table<StockRow>
          columns={[
            { head: t('store.location'), rowHeader: true, cell: (r) => r.location },
            { head: t('stock.onHand'), num: true, cell: (r) => num(r.onHand) },
            { head: t('stock.reserved'), num: true, cell: (r) => num(r.reserved) },
            { head: t('stock.available'), num: true, cell: (r) => num(r.available) },
          ]}
          rows={stock.data}
          rowKey={(r) => r.location}
          empty={t('stock.none', { sku: asked })}
        />
      )}
    </section>
  );
}

/**
 * One store: what its agent last reported (devices with their status and detail — a printer's
 * paper out —, backlog, disk, clock), the backlog over the last day, its latest movements, stock.
 */
export function StorePage({ storeId }: { storeId: string }) {
  const health = useLoad(() => getHealth(storeId), [storeId]);
  const backlog = useLoad(() => getBacklog(storeId, new Date(Date.now() - DAY_MS).toISOString()), [storeId]);
  useEvery(30_000, health.reload);
  useEvery(60_000, backlog.reload);
  const h = health.data;
  const title = h?.name || storeId;
  return (
    <section>
      <p class="crumbs">
        <Link href="/">{t('nav.fleet')}</Link> <span aria-hidden="true">›</span>
      </p>
      <h1 tabIndex={-1}>{title}</h1>
      {health.missing && <NotAvailable what={t('store.devices')} />}
      <ErrorText error={health.error} />
      <dl class="facts">
        <dt>{t('fleet.status')}</dt>
        <dd data-fact="status">
          {h ? <StatusBadge status={h.status} /> : '—'}
          {h?.statusSince && <span class="muted"> {t('store.since', { at: dateTime(h.statusSince) })}</span>}
        </dd>
        <dt>{t('fleet.lastSeen')}</dt>
        <dd>
          <Ago at={h?.lastSeenAt} />
        </dd>
        <dt>{t('fleet.pending')}</dt>
        <dd data-fact="pending">{h?.pending == null ? '—' : num(h.pending)}</dd>
        <dt>{t('fleet.oldest')}</dt>
        <dd>
          <Ago at={h?.oldestPendingAt} />
        </dd>
        <dt>{t('store.disk')}</dt>
        <dd>{h?.diskFreeBytes != null ? bytes(h.diskFreeBytes) : '—'}</dd>
        <dt>{t('store.clock')}</dt>
        <dd>
          {h?.clockOffsetMs != null
            ? t('store.clockOffset', {
                offset: duration(Math.abs(h.clockOffsetMs) / 1000),
                sign: h.clockOffsetMs < 0 ? '−' : '+',
              })
            : '—'}
        </dd>
        <dt>{t('fleet.agentVersion')}</dt>
        <dd>{h?.agentVersion ?? '—'}</dd>
      </dl>

      <section aria-labelledby="devices-h">
        <h2 id="devices-h">{t('store.devices')}</h2>
        {h && (
          <div class="scroll">
            <Table
              columns={[
                { head: t('store.device'), rowHeader: true, cell: (d) => d.id },
                {
                  head: t('store.kind'),
                  cell: (d) => (KIND_KEYS[d.kind] ? t(KIND_KEYS[d.kind] as Key) : d.kind),
                },
                { head: t('fleet.status'), cell: (d) => <StatusBadge status={d.status} /> },
                { head: t('store.detail'), class: 'wrap', cell: (d) => d.detail ?? '' },
              ]}
              rows={h.devices}
              rowKey={(d) => d.id}
              rowProps={(d) => ({ 'data-device': d.id, 'data-status': d.status })}
              empty={t('store.noDevices')}
            />
          </div>
        )}
        {h && h.devicesLeftOut > 0 && (
          <p class="muted">{t('store.devicesLeftOut', { n: h.devicesLeftOut })}</p>
        )}
      </section>

      <section aria-labelledby="backlog-h">
        <h2 id="backlog-h">{t('store.backlog')}</h2>
        {backlog.missing && <NotAvailable what={t('store.backlog')} />}
        <ErrorText error={backlog.error} />
        {backlog.data &&
          (backlog.data.length === 0 ? (
            <p class="muted">{t('store.noBacklog')}</p>
          ) : (
            <LineChart
              label={t('store.backlogChart', { n: backlog.data[backlog.data.length - 1]?.pending ?? 0 })}
              points={backlog.data.map((p) => ({ t: new Date(p.at).getTime(), v: p.pending }))}
              step
              integer
              until={Date.now()}
            />
          ))}
      </section>

      {h && h.transitions.length > 0 && (
        <section aria-labelledby="transitions-h">
          <h2 id="transitions-h">{t('store.transitions')}</h2>
          <ul class="feed">
            {h.transitions.map((tr) => (
              <li key={`${tr.at}-${tr.status}`}>
                <StatusBadge status={tr.status} /> <span class="feed-time">{dateTime(tr.at)}</span>
              </li>
            ))}
          </ul>
        </section>
      )}

      <Movements storeId={storeId} />
      <StoreStock storeId={storeId} />
    </section>
  );
}
