import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, isManager, type Session } from '../api.js';
import { useEvents } from '../events.js';
import { num, t } from '../i18n.js';
import { Ago, ErrorText, Field, NotAvailable, useLoad, useThrottle } from '../ui.js';
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
  if (lines.length === 0) return <p class="muted">{t('rfid.noLines')}</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{t('stock.sku')}</th>
          <th scope="col" class="num">
            {t('rfid.expected')}
          </th>
          <th scope="col" class="num">
            {t('rfid.counted')}
          </th>
          <th scope="col" class="num">
            {t('rfid.variance')}
          </th>
          <th scope="col" class="num">
            {t('rfid.booked')}
          </th>
        </tr>
      </thead>
      <tbody>
        {lines.map((l) => {
          const v = l.difference ?? l.variance ?? l.counted - l.expected;
          return (
            <tr key={l.sku} data-sku={l.sku}>
              <th scope="row">
                {l.sku}
                {l.name ? <span class="muted"> {l.name}</span> : null}
              </th>
              <td class="num">{num(l.expected)}</td>
              <td class="num">{num(l.counted)}</td>
              <td class="num">
                <strong>{v > 0 ? `+${num(v)}` : num(v)}</strong>
              </td>
              <td class="num">{l.booked === null || l.booked === undefined ? '—' : num(l.booked)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
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
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('stock.sku')}</th>
                  <th scope="col" class="num">
                    {t('rfid.tagCount')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {[...perSku].map(([sku, n]) => (
                  <tr key={sku}>
                    <th scope="row">{sku === '?' ? t('dash.unknownItem') : sku}</th>
                    <td class="num">{num(n)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div class="scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">EPC</th>
                    <th scope="col">{t('stock.sku')}</th>
                    <th scope="col">{t('rfid.lastSeen')}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.slice(0, 200).map((tag) => (
                    <tr key={tag.epc}>
                      <td>
                        <code>{tag.epc}</code>
                      </td>
                      <td>{tag.sku ?? '—'}</td>
                      <td>
                        <Ago at={tag.lastSeenAt} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        )}
      </section>
    </section>
  );
}
