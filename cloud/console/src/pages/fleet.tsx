import { useMemo } from 'preact/hooks';
import { type FleetStore, getFleet, type StoreStatus } from '../api.js';
import { fleetCache } from '../fleet-cache.js';
import { num, t } from '../i18n.js';
import { navigate } from '../router.js';
import {
  Ago,
  type Column,
  ErrorText,
  Field,
  Link,
  NotAvailable,
  type SortState,
  StatusBadge,
  sortRows,
  Table,
  TextField,
  useEvery,
  useLoad,
} from '../ui.js';

const STATUSES: StoreStatus[] = ['online', 'offline', 'unknown'];
type Filter = StoreStatus | 'all' | 'errors' | 'backlog';
const FILTERS: Filter[] = ['all', ...STATUSES, 'errors', 'backlog'];

const ms = (iso: string | null): number => (iso ? new Date(iso).getTime() : 0);

/** Built at each render: the heads follow the language picker. */
const columns = (): Column<FleetStore>[] => [
  {
    id: 'name',
    head: t('fleet.store'),
    rowHeader: true,
    sort: (s) => s.name || s.id,
    cell: (s) => (
      <>
        <Link href={`/stores/${encodeURIComponent(s.id)}`}>{s.name || s.id}</Link>
        <span class="muted small"> {s.id}</span>
      </>
    ),
  },
  {
    id: 'status',
    head: t('fleet.status'),
    // offline first when ascending: the rows that need someone
    sort: (s) => (s.status === 'offline' ? 0 : s.status === 'unknown' ? 1 : 2),
    cell: (s) => <StatusBadge status={s.status} />,
  },
  {
    id: 'lastSeen',
    head: t('fleet.lastSeen'),
    sort: (s) => ms(s.lastSeenAt),
    cell: (s) => <Ago at={s.lastSeenAt} />,
  },
  {
    id: 'pending',
    head: t('fleet.pending'),
    num: true,
    sort: (s) => s.pending ?? -1,
    cell: (s) => (s.pending === null ? '—' : num(s.pending)),
  },
  {
    id: 'oldest',
    head: t('fleet.oldest'),
    // the oldest waiting first when ascending; none waiting last
    sort: (s) => (s.oldestPendingAt ? ms(s.oldestPendingAt) : Number.MAX_SAFE_INTEGER),
    cell: (s) => <Ago at={s.oldestPendingAt} />,
  },
  {
    id: 'devices',
    head: t('fleet.devicesInError'),
    num: true,
    sort: (s) => s.devicesInError ?? -1,
    cell: (s) =>
      s.devicesInError === null ? (
        '—'
      ) : s.devicesInError > 0 ? (
        <strong class="bad-text">{num(s.devicesInError)}</strong>
      ) : (
        '0'
      ),
  },
  {
    id: 'version',
    head: t('fleet.agentVersion'),
    sort: (s) => s.agentVersion ?? '',
    cell: (s) => s.agentVersion ?? '—',
  },
];

function matches(s: FleetStore, text: string, filter: Filter): boolean {
  if (filter === 'errors' && !s.devicesInError) return false;
  if (filter === 'backlog' && !s.pending) return false;
  if ((filter === 'online' || filter === 'offline' || filter === 'unknown') && s.status !== filter)
    return false;
  if (!text) return true;
  return s.id.toLowerCase().includes(text) || s.name.toLowerCase().includes(text);
}

/** The fleet's state at a glance: counts per status as a bar and as words. */
function Summary({ stores, onPick }: { stores: FleetStore[]; onPick: (f: Filter) => void }) {
  const counts = { online: 0, offline: 0, unknown: 0 };
  let pending = 0;
  let errors = 0;
  for (const s of stores) {
    counts[s.status]++;
    pending += s.pending ?? 0;
    if (s.devicesInError) errors++;
  }
  const total = stores.length || 1;
  return (
    <section aria-labelledby="fleet-summary" class="summary">
      <h2 id="fleet-summary">{t('fleet.summary', { n: stores.length })}</h2>
      <div class="statusbar" aria-hidden="true">
        {STATUSES.map((st) =>
          counts[st] > 0 ? (
            <span key={st} class={`seg seg-${st}`} style={{ width: `${(counts[st] / total) * 100}%` }} />
          ) : null,
        )}
      </div>
      <ul class="tiles counts">
        {STATUSES.map((st) => (
          <li key={st} class={`tile tile-${st}`} data-count={st}>
            <button type="button" class="tile-button" onClick={() => onPick(st)}>
              <span class="count">{num(counts[st])}</span>{' '}
              <span>{t(`fleet.count.${st}`, { n: counts[st] })}</span>
            </button>
          </li>
        ))}
        <li class="tile" data-count="errors">
          <button type="button" class="tile-button" onClick={() => onPick('errors')}>
            <span class="count">{num(errors)}</span> <span>{t('fleet.count.errors', { n: errors })}</span>
          </button>
        </li>
        <li class="tile" data-count="pending">
          <button type="button" class="tile-button" onClick={() => onPick('backlog')}>
            <span class="count">{num(pending)}</span> <span>{t('fleet.count.pending', { n: pending })}</span>
          </button>
        </li>
      </ul>
    </section>
  );
}

/**
 * Every store of the tenant from one `GET /v1/fleet` (no request per row), filtered and sorted
 * here; the filter and the order live in the URL, so a view can be shared and Back restores it.
 */
export function FleetPage({ query }: { query: URLSearchParams }) {
  const fleet = useLoad(() => fleetCache.refresh(getFleet), []);
  useEvery(30_000, fleet.reload);
  const text = (query.get('q') ?? '').trim().toLowerCase();
  const filter = (FILTERS.find((f) => f === query.get('status')) ?? 'all') as Filter;
  const sort: SortState = {
    by: query.get('sort') ?? 'status',
    dir: query.get('dir') === 'desc' ? 'desc' : 'asc',
  };
  const set = (changes: Record<string, string>) => {
    const next = new URLSearchParams(query);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    const s = next.toString();
    navigate(`/${s ? `?${s}` : ''}`, true);
  };
  const stores = fleet.data ?? [];
  const cols = columns();
  const rows = useMemo(
    () =>
      sortRows(
        stores.filter((s) => matches(s, text, filter)),
        cols,
        sort,
      ),
    [stores, text, filter, sort.by, sort.dir],
  );
  return (
    <section>
      <h1 tabIndex={-1}>{t('nav.fleet')}</h1>
      {fleet.missing && <NotAvailable what={t('nav.fleet')} />}
      <ErrorText error={fleet.error} />
      {fleet.data && <Summary stores={stores} onPick={(f) => set({ status: f === 'all' ? '' : f })} />}
      <div class="filters">
        <TextField
          label={t('fleet.search')}
          value={query.get('q') ?? ''}
          onValue={(v) => set({ q: v })}
          type="search"
        />
        <Field label={t('fleet.filter')}>
          {(id) => (
            <select
              id={id}
              value={filter}
              onChange={(e) => set({ status: e.currentTarget.value === 'all' ? '' : e.currentTarget.value })}
            >
              {FILTERS.map((f) => (
                <option key={f} value={f}>
                  {t(`fleet.filter.${f}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      {fleet.data && (
        <p class="muted" role="status" aria-live="polite">
          {t('fleet.showing', { n: rows.length, total: stores.length })}
        </p>
      )}
      {fleet.data && (
        <div class="scroll">
          <Table
            caption={t('nav.fleet')}
            columns={cols}
            rows={rows}
            rowKey={(s) => s.id}
            rowProps={(s) => ({ 'data-store': s.id, 'data-status': s.status })}
            empty={t('fleet.none')}
            sort={sort}
            onSort={(s) => set({ sort: s.by, dir: s.dir })}
          />
        </div>
      )}
    </section>
  );
}
