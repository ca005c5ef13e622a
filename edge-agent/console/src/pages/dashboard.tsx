import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, type Device, getSession, isManager, type Replication } from '../api.js';
import { useEvents, useLive } from '../events.js';
import { bytes, duration, type Key, num, t, time } from '../i18n.js';
import { lagSeconds, recordSample } from '../lag.js';
import { Ago, ErrorText, Link, NotAvailable, StatusBadge, Table, useLoad, useThrottle } from '../ui.js';

/** A decoded scan as the agent logs it (GET /scans, `scan` events). */
export interface Scan {
  id?: string;
  deviceId?: string;
  code?: string;
  mode?: string;
  location?: string;
  at?: string;
  item?: { sku: string; name: string | null; packQty?: number } | null;
  qty?: number | null;
  outcome?: 'movement' | 'lookup' | 'counted' | 'quarantined' | string;
  reason?: string | null;
  sku?: string | null;
  name?: string | null;
}

/** The store's connection to the cloud, in words and colour that nobody can miss. */
export function OnlineBanner({ r, error }: { r: Replication | null; error: unknown }) {
  const live = useLive();
  if (error instanceof ApiError && error.status === 0 && !live) {
    return (
      <div class="banner banner-down" role="alert">
        <strong>{t('banner.agentDown')}</strong> <span>{t('banner.agentDownHint')}</span>
      </div>
    );
  }
  if (!r) return null;
  if (r.online) {
    return (
      <div class="banner banner-online" role="status">
        <strong>
          <span aria-hidden="true">✓ </span>
          {t('banner.online')}
        </strong>{' '}
        <span>{r.pending > 0 ? t('banner.sending', { n: r.pending }) : t('banner.upToDate')}</span>
      </div>
    );
  }
  return (
    <div class="banner banner-offline" role="status">
      <strong>
        <span aria-hidden="true">⚠ </span>
        {t('banner.offline')}
      </strong>{' '}
      <span>
        {r.cloudConfigured ? t('banner.offlineHint') : t('banner.noCloud')}{' '}
        {t('banner.buffered', { n: r.pending })}
      </span>
    </div>
  );
}

/**
 * The cloud lost data: it acknowledged movements it no longer has (restored from an older backup)
 * or refuses this store's sequence. The shipper reports it as `alarm`/`cloudDataLoss`, or in its
 * last error with the protocol's problem codes.
 */
export function replicationAlarm(r: Replication): string | null {
  if (typeof r.alarm === 'string' && r.alarm) return r.alarm;
  if (r.alarm && typeof r.alarm === 'object') {
    const a = r.alarm as Record<string, unknown>;
    return String(a.message ?? a.detail ?? a.kind ?? t('replication.alarm'));
  }
  if (r.cloudDataLoss === true || r.dataLoss === true) return t('replication.alarm');
  if (r.lastError && /sequence-reuse|lost|behind/i.test(r.lastError)) return r.lastError;
  return null;
}

/** The record the cloud refuses for good (shipper status `refused`), if any. */
export function refusedRecord(r: Replication): { seq: number; id: string; reason: string } | null {
  const x = r.refused as { seq?: unknown; id?: unknown; reason?: unknown } | null | undefined;
  if (!x || typeof x.seq !== 'number') return null;
  return { seq: x.seq, id: String(x.id ?? '?'), reason: String(x.reason ?? '') };
}

/** Replication stopped before one record: which, why, and (managers) the documented repair. */
function RefusedBanner({
  r,
  refused,
}: {
  r: Replication;
  refused: { seq: number; id: string; reason: string };
}) {
  const [error, setError] = useState<string | null>(null);
  const manager = isManager(getSession());
  const withdraw = async () => {
    if (!window.confirm(t('replication.voidConfirm', { seq: refused.seq }))) return;
    try {
      await api(`/replication/records/${refused.seq}/void`, { method: 'POST', body: {} });
      setError(null);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <div class="banner banner-alarm" role="alert" data-refused-seq={refused.seq}>
      <strong>
        <span aria-hidden="true">⚠ </span>
        {t('replication.refusedTitle')}
      </strong>{' '}
      <span>{t('replication.refused', { seq: refused.seq, id: refused.id, reason: refused.reason })}</span>{' '}
      {manager && (
        <button type="button" class="secondary small" onClick={withdraw}>
          {t('replication.void', { seq: refused.seq })}
        </button>
      )}
      {error && <span class="error"> {error}</span>}
      <span class="sr-only">{r.storeId}</span>
    </div>
  );
}

/** The cloud lost data, or replication stopped for good: red, on every page that shows status. */
export function AlarmBanner({ r }: { r: Replication | null }) {
  const refused = r ? refusedRecord(r) : null;
  if (r && refused) return <RefusedBanner r={r} refused={refused} />;
  const alarm = r ? replicationAlarm(r) : null;
  if (!alarm) return null;
  return (
    <div class="banner banner-alarm" role="alert">
      <strong>
        <span aria-hidden="true">⚠ </span>
        {t('replication.alarmTitle')}
      </strong>{' '}
      <span>{alarm}</span>
    </div>
  );
}

/** A store catching up after a long outage: how far, how fast, how long still. */
export function CatchUp({ r }: { r: Replication | null }) {
  const c = r?.catchUp as { done?: number; total?: number; etaSeconds?: number | null } | null | undefined;
  if (!c || typeof c.total !== 'number' || c.total <= 0) return null;
  const done = c.done ?? 0;
  return (
    <div class="catchup">
      <label for="catchup-progress">
        {t('replication.catchUp', { done, total: c.total })}
        {typeof c.etaSeconds === 'number'
          ? ` · ${t('replication.eta', { eta: duration(c.etaSeconds) })}`
          : ''}
      </label>
      <progress id="catchup-progress" max={c.total} value={done} />
    </div>
  );
}

export function useReplication() {
  const rep = useLoad(() => api<Replication>('/replication'));
  const [live, setLive] = useState<Replication | null>(null);
  useEffect(() => {
    const h = setInterval(rep.reload, 10_000);
    return () => clearInterval(h);
  }, [rep.reload]);
  useEvents(['replication'], (_n, data) => {
    if (data && typeof data === 'object')
      setLive({ ...(rep.data ?? {}), ...(data as object) } as Replication);
  });
  const movementsSeen = useThrottle(rep.reload, 500);
  useEvents(['movements'], movementsSeen);
  // The live connection dropped or came back: ask at once rather than at the next poll.
  const connected = useLive();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) first.current = false;
    else if (connected !== null) rep.reload();
  }, [connected, rep.reload]);
  useEffect(() => setLive(null), [rep.data]);
  const data = live ?? rep.data;
  useEffect(() => {
    if (data) recordSample(data);
  }, [data]);
  return { ...rep, data };
}

export function DeviceTable({ devices, onEdit }: { devices: Device[]; onEdit?: (d: Device) => void }) {
  return (
    <Table
      rows={devices}
      rowKey={(d) => d.id}
      rowProps={(d) => ({ 'data-device': d.id })}
      empty={t('devices.none')}
      columns={[
        { head: t('devices.id'), rowHeader: true, class: 'nowrap', cell: (d) => d.id },
        { head: t('devices.kind'), cell: (d) => t(`kind.${d.kind}` as 'kind.serial-scanner') },
        { head: t('devices.status'), cell: (d) => <StatusBadge status={d.status} /> },
        { head: t('devices.lastSeen'), cell: (d) => <Ago at={d.lastSeenAt} /> },
        { head: t('devices.lastError'), class: 'wrap', cell: (d) => d.lastError ?? '—' },
        {
          head: t('common.actions'),
          show: onEdit !== undefined,
          cell: (d) => (
            <button type="button" class="secondary small" onClick={() => onEdit?.(d)}>
              {t('common.edit')} <span class="sr-only">{d.id}</span>
            </button>
          ),
        },
      ]}
    />
  );
}

/** Devices with their status kept current by `device` events. */
export function useDevices() {
  const list = useLoad(() => api<{ devices: Device[] }>('/devices').then((r) => r.devices));
  const [patch, setPatch] = useState<Record<string, Partial<Device>>>({});
  const refresh = useThrottle(list.reload, 1000);
  useEvents(['device'], (_n, data) => {
    const e = data as { id?: string; status?: Device['status']; lastError?: string | null; at?: string };
    if (!e?.id) return;
    const id = e.id;
    setPatch((p) => ({
      ...p,
      [id]: {
        status: e.status ?? 'offline',
        ...(e.lastError !== undefined ? { lastError: e.lastError } : {}),
        ...(e.status === 'online' && e.at ? { lastSeenAt: e.at } : {}),
      },
    }));
    refresh();
  });
  useEffect(() => setPatch({}), [list.data]);
  const devices = (list.data ?? []).map((d) => ({ ...d, ...(patch[d.id] ?? {}) }));
  return { ...list, devices };
}

export function ScanFeed() {
  const recent = useLoad(() => api<{ scans: Scan[] }>('/scans?limit=20').then((r) => r.scans));
  const [live, setLive] = useState<Scan[]>([]);
  useEvents(['scan'], (_n, data) => {
    if (data && typeof data === 'object') setLive((l) => [data as Scan, ...l].slice(0, 50));
  });
  const scans = [...live, ...(recent.data ?? [])].slice(0, 20);
  return (
    <section aria-labelledby="scan-feed">
      <h2 id="scan-feed">{t('dash.scans')}</h2>
      {recent.missing && live.length === 0 && <NotAvailable what={t('dash.scanHistory')} />}
      {scans.length === 0 && !recent.missing && <p class="muted">{t('dash.noScans')}</p>}
      <ol class="feed" aria-live="polite">
        {scans.map((s, i) => (
          <li key={s.id ?? `${s.at}-${s.code}-${i}`} class={s.outcome === 'quarantined' ? 'bad' : undefined}>
            <span class="feed-time">{s.at ? time(s.at) : ''}</span>
            <code>{s.code ?? '?'}</code>
            <span>
              {s.item?.name ?? s.item?.sku ?? s.name ?? s.sku ?? t('dash.unknownItem')}
              {typeof s.qty === 'number' && s.qty !== 1 ? ` × ${num(s.qty)}` : ''}
            </span>
            <span class="muted">
              {[s.deviceId, s.outcome ? t(`outcome.${s.outcome}` as Key) || s.outcome : s.mode, s.reason]
                .filter(Boolean)
                .join(' · ')}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}

export function Dashboard() {
  const rep = useReplication();
  const devs = useDevices();
  const r = rep.data;
  const [, tick] = useState(0);
  useEffect(() => {
    const h = setInterval(() => tick((n) => n + 1), 5000);
    return () => clearInterval(h);
  }, []);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        {t('nav.dashboard')}
      </h1>
      <AlarmBanner r={r} />
      <OnlineBanner r={r} error={rep.error} />
      <CatchUp r={r} />
      {r && (
        <dl class="tiles">
          <div class="tile">
            <dt>{t('dash.pending')}</dt>
            <dd>{num(r.pending)}</dd>
          </div>
          <div class="tile">
            <dt>{t('dash.oldest')}</dt>
            <dd>
              <Ago at={r.oldestPendingAt} />
            </dd>
          </div>
          <div class="tile">
            <dt>{t('dash.lag')}</dt>
            <dd>{duration(Math.round(lagSeconds(r)))}</dd>
          </div>
          <div class="tile">
            <dt>{t('dash.disk')}</dt>
            <dd>{bytes(r.diskFreeBytes)}</dd>
          </div>
        </dl>
      )}
      {rep.error && !(rep.error instanceof ApiError && rep.error.status === 0) ? (
        <ErrorText error={rep.error} />
      ) : null}
      <div class="columns dash">
        <section aria-labelledby="dash-devices">
          <h2 id="dash-devices">
            {t('nav.devices')} <Link href="/devices">{t('dash.manage')}</Link>
          </h2>
          <ErrorText error={devs.error} />
          {devs.data && (
            <div class="scroll">
              <DeviceTable devices={devs.devices} />
            </div>
          )}
        </section>
        <ScanFeed />
      </div>
    </section>
  );
}
