import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, isManager, type Session } from '../api.js';
import { useEvents } from '../events.js';
import { num, t } from '../i18n.js';
import { Ago, ErrorText, Field, NotAvailable, Table, useLoad, useThrottle } from '../ui.js';
import { useDevices } from './dashboard.js';

interface Tag {
  epc: string;
  gtin?: string | null;
  serial?: string | null;
  sku?: string | null;
  zone?: string;
  firstSeenAt?: string;
  lastSeenAt?: string;
}

export interface CountLine {
  sku: string;
  name?: string;
  /** On hand when the count started. */
  expected: number;
  /** Unique tags read, in units. */
  counted: number;
  /** counted − expected. */
  difference?: number;
  variance?: number;
  /** The `count` quantity booked (counted + what moved since the start), null when nothing was booked. */
  booked?: number | null;
}

export interface CountResult {
  id: string;
  zone?: string;
  status?: string;
  tagsSeen?: number;
  result?: { lines?: CountLine[]; unresolvedCount?: number; movedIn?: number } | null;
  lines?: CountLine[];
  items?: CountLine[];
  skus?: CountLine[];
  variances?: CountLine[];
  [k: string]: unknown;
}

function linesOf(r: CountResult | null): CountLine[] {
  if (!r) return [];
  return r.result?.lines ?? r.lines ?? r.variances ?? r.items ?? r.skus ?? [];
}

const COUNT_KEY = 'store-console.rfid-count';

function VarianceTable({ lines }: { lines: CountLine[] }) {
  const variance = (l: CountLine) => l.difference ?? l.variance ?? l.counted - l.expected;
  return (
    <Table
      rows={lines}
      rowKey={(l) => l.sku}
      rowProps={(l) => ({ 'data-sku': l.sku })}
      empty={t('rfid.noLines')}
      columns={[
        {
          head: t('stock.sku'),
          rowHeader: true,
          cell: (l) => (
            <>
              {l.sku}
              {l.name ? <span class="muted"> {l.name}</span> : null}
            </>
          ),
        },
        { head: t('rfid.expected'), num: true, cell: (l) => num(l.expected) },
        { head: t('rfid.counted'), num: true, cell: (l) => num(l.counted) },
        {
          head: t('rfid.variance'),
          num: true,
          cell: (l) => <strong>{variance(l) > 0 ? `+${num(variance(l))}` : num(variance(l))}</strong>,
        },
        {
          head: t('rfid.booked'),
          num: true,
          cell: (l) => (l.booked === null || l.booked === undefined ? '—' : num(l.booked)),
        },
      ]}
    />
  );
}

export function RfidPage({ session }: { session: Session }) {
  const devs = useDevices();
  const zones = [
    ...new Set(
      devs.devices
        .filter((d) => d.kind === 'rfid-reader' && typeof d.config.zone === 'string')
        .map((d) => d.config.zone as string),
    ),
  ];
  const [zone, setZone] = useState('');
  useEffect(() => {
    if (!zone && zones[0]) setZone(zones[0]);
  }, [zone, zones]);
  const tags = useLoad(
    () =>
      api<{ tags: Tag[] }>(`/rfid/tags${zone ? `?zone=${encodeURIComponent(zone)}` : ''}`).then(
        (r) => r.tags,
      ),
    [zone],
  );
  const reload = useThrottle(tags.reload, 1000);
  useEvents(['tags'], reload);
  const [countId, setCountId] = useState<string | null>(() => localStorage.getItem(COUNT_KEY));
  const running = useLoad(
    () =>
      countId
        ? api<CountResult>(`/rfid/counts/${encodeURIComponent(countId)}`).catch((err: unknown) => {
            // A count the agent no longer knows (data reset): forget it.
            if (err instanceof ApiError && err.status === 404 && !err.missing) {
              localStorage.removeItem(COUNT_KEY);
              setCountId(null);
            }
            throw err;
          })
        : Promise.resolve(null),
    [countId],
  );
  const refreshRunning = useThrottle(running.reload, 1000);
  useEvents(['tags'], () => {
    if (countId) refreshRunning();
  });
  const [result, setResult] = useState<CountResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const start = async () => {
    setError(null);
    setResult(null);
    setBusy(true);
    try {
      const r = await api<CountResult>('/rfid/counts', { body: { zone } });
      localStorage.setItem(COUNT_KEY, r.id);
      setCountId(r.id);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const finish = async () => {
    if (!countId) return;
    setError(null);
    setBusy(true);
    try {
      const r = await api<CountResult>(`/rfid/counts/${encodeURIComponent(countId)}/finish`, {
        method: 'POST',
        body: {},
      });
      const full = linesOf(r).length
        ? r
        : await api<CountResult>(`/rfid/counts/${encodeURIComponent(countId)}`).catch(() => r);
      setResult(full);
      localStorage.removeItem(COUNT_KEY);
      setCountId(null);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const list = tags.data ?? [];
  const perSku = new Map<string, number>();
  for (const tag of list) perSku.set(tag.sku ?? '?', (perSku.get(tag.sku ?? '?') ?? 0) + 1);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        {t('nav.rfid')}
      </h1>
      <div class="card">
        <Field label={t('rfid.zone')} hint={t('rfid.zoneHint')}>
          {(id, d) => (
            <input
              id={id}
              list="zones"
              value={zone}
              autocomplete="off"
              aria-describedby={d}
              onChange={(e) => setZone(e.currentTarget.value.trim())}
            />
          )}
        </Field>
        <datalist id="zones">
          {zones.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
        {isManager(session) && (
          <div class="actions">
            {countId ? (
              <>
                <p role="status">
                  {t('rfid.running', { zone: running.data?.zone ?? zone })}{' '}
                  {typeof running.data?.tagsSeen === 'number' &&
                    t('rfid.tagsSeen', { n: running.data.tagsSeen })}
                </p>
                <button type="button" onClick={finish} disabled={busy}>
                  {t('rfid.finish')}
                </button>
              </>
            ) : (
              <button type="button" onClick={start} disabled={busy || !zone}>
                {t('rfid.start')}
              </button>
            )}
          </div>
        )}
        {error instanceof ApiError && error.missing ? (
          <NotAvailable what={t('rfid.counts')} />
        ) : (
          <ErrorText error={error} />
        )}
      </div>
      {result && (
        <section aria-labelledby="variance-title">
          <h2 id="variance-title">{t('rfid.varianceTitle')}</h2>
          <VarianceTable lines={linesOf(result)} />
          {(result.result?.unresolvedCount ?? 0) > 0 && (
            <p class="hint">{t('rfid.unresolved', { n: result.result?.unresolvedCount ?? 0 })}</p>
          )}
        </section>
      )}
      <section aria-labelledby="tags-title">
        <h2 id="tags-title">{t('rfid.present', { n: list.length })}</h2>
        {tags.missing && <NotAvailable what={t('rfid.tags')} />}
        <ErrorText error={tags.error} />
        {perSku.size > 0 && (
          <div class="columns">
            <Table
              rows={[...perSku]}
              rowKey={([sku]) => sku}
              columns={[
                {
                  head: t('stock.sku'),
                  rowHeader: true,
                  cell: ([sku]) => (sku === '?' ? t('dash.unknownItem') : sku),
                },
                { head: t('rfid.tagCount'), num: true, cell: ([, n]) => num(n) },
              ]}
            />
            <div class="scroll">
              <Table
                rows={list.slice(0, 200)}
                rowKey={(tag) => tag.epc}
                columns={[
                  { head: 'EPC', cell: (tag) => <code>{tag.epc}</code> },
                  { head: t('stock.sku'), cell: (tag) => tag.sku ?? '—' },
                  { head: t('rfid.lastSeen'), cell: (tag) => <Ago at={tag.lastSeenAt} /> },
                ]}
              />
            </div>
          </div>
        )}
      </section>
    </section>
  );
}
