import { useMemo, useRef, useState } from 'preact/hooks';
import { api, type Item, type Movement, type StockRow } from '../api.js';
import { LineChart, type Point } from '../chart.js';
import { useEvents } from '../events.js';
import { dateTime, type Key, money, num, t } from '../i18n.js';
import { navigate, useLocation } from '../router.js';
import { ErrorText, Link, Table, useLoad, useThrottle } from '../ui.js';
import { useGlobalScan, WedgeDetector } from '../wedge.js';

/** Resolves a scanned or typed code to an item: any barcode, GS1 string, EPC, or a SKU. */
export async function resolveCode(code: string): Promise<Item | null> {
  const r = await api<{ item: Item | null }>(`/items/lookup?code=${encodeURIComponent(code)}`);
  if (r.item) return r.item;
  try {
    return await api<Item>(`/items/${encodeURIComponent(code)}`);
  } catch {
    return null;
  }
}

/** All movements of one sku in ledger order (pages of 1000, bounded). */
export async function movementsOf(sku: string): Promise<Movement[]> {
  const out: Movement[] = [];
  let after = 0;
  for (let page = 0; page < 20; page++) {
    const r = await api<{ movements: Movement[]; nextAfterSeq: number }>(
      `/movements?sku=${encodeURIComponent(sku)}&afterSeq=${after}&limit=1000`,
    );
    out.push(...r.movements);
    if (r.movements.length < 1000) break;
    after = r.nextAfterSeq;
  }
  return out;
}

/** Stock over time: the running sum of on-hand changes, for one location or all. */
export function stockSeries(movements: Movement[], location: string | null): Point[] {
  let v = 0;
  const pts: Point[] = [];
  for (const m of movements) {
    if (location !== null && m.location !== location) continue;
    // The line starts at zero: before its first movement the item had no stock here.
    const at = new Date(m.at).getTime();
    if (pts.length === 0) pts.push({ t: at - 1, v: 0 });
    v += m.deltaOnHand;
    // Movements at the same instant (a transfer's two legs) make one step, not a spike.
    const last = pts[pts.length - 1];
    if (last && last.t === at) last.v = v;
    else pts.push({ t: at, v });
  }
  return pts;
}

export function movementLabel(type: string): string {
  return t(`type.${type}` as Key) || type;
}

function SearchBox({ initial }: { initial: string }) {
  const [q, setQ] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const detector = useRef(new WedgeDetector());
  const input = useRef<HTMLInputElement>(null);
  const go = async (text: string, scanned: boolean) => {
    setError(null);
    const code = text.trim();
    if (!code) return navigate('/stock');
    // A scan, or anything that looks like a barcode, is looked up as a code first.
    if (scanned || /^[\d\s]{8,}$|^\(?\d{2}\)?|^urn:epc|^https?:\/\//i.test(code)) {
      const item = await resolveCode(code).catch(() => null);
      if (item) {
        setQ('');
        return navigate(`/stock?sku=${encodeURIComponent(item.sku)}`);
      }
      if (scanned) {
        setError(t('stock.unknownCode', { code }));
        return;
      }
    }
    navigate(`/stock?q=${encodeURIComponent(code)}`);
  };
  useGlobalScan((code) => {
    setQ(code);
    void go(code, true);
  });
  return (
    <form
      class="search"
      onSubmit={(e) => {
        e.preventDefault();
        void go(q, false);
      }}
    >
      <label for="stock-search">{t('stock.search')}</label>
      <div class="row">
        <input
          id="stock-search"
          ref={input}
          type="search"
          value={q}
          autocomplete="off"
          aria-describedby="stock-search-hint"
          onInput={(e) => setQ(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (detector.current.key(e) !== null) {
              e.preventDefault();
              void go(e.currentTarget.value, true);
            }
          }}
        />
        <button type="submit">{t('common.search')}</button>
      </div>
      <div class="hint" id="stock-search-hint">
        {t('stock.searchHint')}
      </div>
      {error && (
        <p class="alert" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function Results({ q }: { q: string }) {
  const items = useLoad(
    () =>
      Promise.all([
        api<{ items: Item[] }>(`/items?limit=100${q ? `&q=${encodeURIComponent(q)}` : ''}`),
        api<{ items: StockRow[] }>('/stock'),
      ]),
    [q],
  );
  const reload = useThrottle(items.reload, 500);
  useEvents(['movements', 'item'], reload);
  const totals = useMemo(() => {
    const m = new Map<string, number>();
    for (const s of items.data?.[1].items ?? []) m.set(s.sku, (m.get(s.sku) ?? 0) + s.onHand);
    return m;
  }, [items.data]);
  const list = items.data?.[0].items ?? [];
  return (
    <section aria-labelledby="results-title">
      <h2 id="results-title">{q ? t('stock.resultsFor', { q }) : t('stock.allItems')}</h2>
      <ErrorText error={items.error} />
      {items.data && list.length === 0 && <p class="muted">{t('stock.noResults')}</p>}
      {list.length > 0 && (
        <Table
          rows={list}
          rowKey={(i) => i.sku}
          columns={[
            {
              head: t('stock.sku'),
              rowHeader: true,
              cell: (i) => <Link href={`/stock?sku=${encodeURIComponent(i.sku)}`}>{i.sku}</Link>,
            },
            { head: t('stock.name'), cell: (i) => i.name },
            { head: t('stock.barcodes'), class: 'wrap', cell: (i) => <code>{i.gtins.join(', ')}</code> },
            { head: t('stock.onHand'), num: true, cell: (i) => num(totals.get(i.sku) ?? 0) },
          ]}
        />
      )}
    </section>
  );
}

function ItemDetail({ sku }: { sku: string }) {
  const item = useLoad(() => api<Item>(`/items/${encodeURIComponent(sku)}`), [sku]);
  const stock = useLoad(
    () => api<{ items: StockRow[] }>(`/stock?sku=${encodeURIComponent(sku)}`).then((r) => r.items),
    [sku],
  );
  const moves = useLoad(() => movementsOf(sku), [sku]);
  const [loc, setLoc] = useState<string>('');
  const refresh = useThrottle(() => {
    stock.reload();
    moves.reload();
  }, 300);
  useEvents(['movements'], (_n, data) => {
    if (Array.isArray(data) && data.some((m: { sku?: string }) => m?.sku === sku)) refresh();
  });
  useEvents(['item'], (_n, data) => {
    if ((data as { sku?: string })?.sku === sku) item.reload();
  });
  const rows = stock.data ?? [];
  const total = rows.reduce((a, r) => a + r.onHand, 0);
  const locations = [
    ...new Set([...rows.map((r) => r.location), ...(moves.data ?? []).map((m) => m.location)]),
  ];
  const series = stockSeries(moves.data ?? [], loc || null);
  const history = [...(moves.data ?? [])].reverse().slice(0, 100);
  const i = item.data;
  return (
    <article aria-labelledby="item-title">
      <h2 id="item-title">
        {i ? i.name : sku} <span class="muted">{sku}</span>
      </h2>
      <ErrorText error={item.error} />
      {i && (
        <dl class="facts">
          <div>
            <dt>{t('stock.barcodes')}</dt>
            <dd>
              <code>{i.gtins.join(', ') || '—'}</code>
              {(i.packs ?? []).map((p) => (
                <span key={p.gtin} class="muted">
                  {' '}
                  · <code>{p.gtin}</code> = {t('stock.packOf', { n: p.qty })}
                </span>
              ))}
            </dd>
          </div>
          <div>
            <dt>{t('stock.price')}</dt>
            <dd>{i.price ? money(i.price.amount, i.price.currency) : '—'}</dd>
          </div>
          <div>
            <dt>{t('stock.total')}</dt>
            <dd data-testid="total-on-hand">{num(total)}</dd>
          </div>
        </dl>
      )}
      <p class="actions">
        <Link class="button" href={`/book/receive?sku=${encodeURIComponent(sku)}`}>
          {t('nav.receive')}
        </Link>
        <Link class="button secondary" href={`/book/count?sku=${encodeURIComponent(sku)}`}>
          {t('nav.count')}
        </Link>
        <Link class="button secondary" href={`/book/transfer?sku=${encodeURIComponent(sku)}`}>
          {t('nav.transfer')}
        </Link>
        <Link class="button secondary" href={`/labels?sku=${encodeURIComponent(sku)}`}>
          {t('labels.print')}
        </Link>
      </p>
      <div class="columns">
        <section aria-labelledby="per-location">
          <h3 id="per-location">{t('stock.perLocation')}</h3>
          <ErrorText error={stock.error} />
          {rows.length === 0 ? (
            <p class="muted">{t('stock.noStock')}</p>
          ) : (
            <Table
              rows={rows}
              rowKey={(r) => r.location}
              rowProps={(r) => ({ 'data-location': r.location })}
              columns={[
                { head: t('stock.location'), rowHeader: true, cell: (r) => r.location },
                { head: t('stock.onHand'), num: true, cell: (r) => num(r.onHand) },
                { head: t('stock.reserved'), num: true, cell: (r) => num(r.reserved) },
                { head: t('stock.available'), num: true, cell: (r) => num(r.available) },
              ]}
            />
          )}
        </section>
        <section aria-labelledby="over-time">
          <h3 id="over-time">{t('stock.overTime')}</h3>
          <div class="field inline">
            <label for="chart-location">{t('stock.location')}</label>
            <select id="chart-location" value={loc} onChange={(e) => setLoc(e.currentTarget.value)}>
              <option value="">{t('stock.allLocations')}</option>
              {locations.map((l) => (
                <option key={l} value={l}>
                  {l}
                </option>
              ))}
            </select>
          </div>
          {series.length > 0 ? (
            <LineChart
              points={series}
              step
              until={Date.now()}
              label={t('stock.chartLabel', { sku, n: series[series.length - 1]?.v ?? 0 })}
            />
          ) : (
            <p class="muted">{t('stock.noMovements')}</p>
          )}
        </section>
      </div>
      <section aria-labelledby="history">
        <h3 id="history">{t('stock.history')}</h3>
        {history.length === 0 ? (
          <p class="muted">{t('stock.noMovements')}</p>
        ) : (
          <div class="scroll">
            <Table
              rows={history}
              rowKey={(m) => m.id}
              columns={[
                { head: t('stock.when'), cell: (m) => dateTime(m.at) },
                { head: t('stock.type'), cell: (m) => movementLabel(m.type) },
                { head: t('stock.location'), cell: (m) => m.location },
                { head: t('stock.qty'), num: true, cell: (m) => num(m.qty) },
                {
                  head: t('stock.change'),
                  num: true,
                  cell: (m) => (m.deltaOnHand > 0 ? `+${num(m.deltaOnHand)}` : num(m.deltaOnHand)),
                },
                {
                  head: t('stock.refReason'),
                  class: 'wrap',
                  cell: (m) => [m.ref, m.reason].filter(Boolean).join(' · ') || '—',
                },
                { head: t('stock.by'), cell: (m) => m.actor },
              ]}
            />
          </div>
        )}
      </section>
    </article>
  );
}

export function StockPage() {
  const { query } = useLocation();
  const sku = query.get('sku');
  const q = query.get('q') ?? '';
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        {t('nav.stock')}
      </h1>
      <SearchBox initial={q} />
      {sku ? <ItemDetail key={sku} sku={sku} /> : <Results q={q} />}
    </section>
  );
}
