import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { LineChart, type Point } from '../chart.js';
import { bytes, dateTime, duration, num, t } from '../i18n.js';
import { HOURS, type LagSample, lagSeconds, localSamples } from '../lag.js';
import { Ago, ErrorText, useLoad } from '../ui.js';
import { AlarmBanner, CatchUp, OnlineBanner, useReplication } from './dashboard.js';

export function ReplicationPage() {
  const rep = useReplication();
  const history = useLoad(() =>
    api<{ samples: LagSample[] }>(`/replication/history?hours=${HOURS}`).then((r) => r.samples),
  );
  const [local, setLocal] = useState<LagSample[]>(() => localSamples());
  const r = rep.data;
  useEffect(() => {
    if (r) setLocal(localSamples());
  }, [r]);
  const samples = history.data ?? local;
  const lagPoints: Point[] = samples.map((s) => ({ t: new Date(s.at).getTime(), v: s.lagSeconds / 60 }));
  const pendingPoints: Point[] = samples.map((s) => ({ t: new Date(s.at).getTime(), v: s.pending }));
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        {t('nav.replication')}
      </h1>
      <AlarmBanner r={r} />
      <OnlineBanner r={r} error={rep.error} />
      <CatchUp r={r} />
      <ErrorText error={rep.error} />
      {r && (
        <dl class="tiles">
          <div class="tile">
            <dt>{t('dash.pending')}</dt>
            <dd>{num(r.pending)}</dd>
          </div>
          <div class="tile">
            <dt>{t('dash.lag')}</dt>
            <dd>{duration(Math.round(lagSeconds(r)))}</dd>
          </div>
          <div class="tile">
            <dt>{t('replication.lastSuccess')}</dt>
            <dd>
              <Ago at={r.lastSuccessAt} />
            </dd>
          </div>
          <div class="tile">
            <dt>{t('dash.disk')}</dt>
            <dd>{bytes(r.diskFreeBytes)}</dd>
          </div>
        </dl>
      )}
      <div class="columns">
        <section aria-labelledby="lag-graph">
          <h2 id="lag-graph">{t('replication.lagGraph', { hours: HOURS })}</h2>
          {history.missing && <p class="hint">{t('replication.localHistory')}</p>}
          {lagPoints.length > 1 ? (
            <>
              <LineChart
                points={lagPoints}
                until={Date.now()}
                unit={(v) => duration(Math.round(v * 60))}
                label={t('replication.lagChartLabel', { hours: HOURS })}
              />
              <h3 id="pending-graph">{t('replication.pendingGraph')}</h3>
              <LineChart
                points={pendingPoints}
                until={Date.now()}
                label={t('replication.pendingChartLabel', { hours: HOURS })}
              />
            </>
          ) : (
            <p class="muted">{t('replication.noSamples')}</p>
          )}
        </section>
        <section aria-labelledby="details">
          <h2 id="details">{t('replication.details')}</h2>
          {r && (
            <table>
              <tbody>
                <tr>
                  <th scope="row">{t('replication.store')}</th>
                  <td>{r.storeId}</td>
                </tr>
                <tr>
                  <th scope="row">{t('replication.cloud')}</th>
                  <td>{r.cloudConfigured ? t('replication.configured') : t('replication.notConfigured')}</td>
                </tr>
                <tr>
                  <th scope="row">{t('replication.lastSeq')}</th>
                  <td>{num(r.lastSeq)}</td>
                </tr>
                <tr>
                  <th scope="row">{t('replication.ackedSeq')}</th>
                  <td>{num(r.lastAckedSeq)}</td>
                </tr>
                <tr>
                  <th scope="row">{t('dash.oldest')}</th>
                  <td>{dateTime(r.oldestPendingAt)}</td>
                </tr>
                <tr>
                  <th scope="row">{t('replication.lastSuccess')}</th>
                  <td>{dateTime(r.lastSuccessAt)}</td>
                </tr>
                <tr>
                  <th scope="row">{t('replication.state')}</th>
                  <td>
                    {typeof r.state === 'string' ? r.state : '—'}
                    {typeof r.nextRetryAt === 'string' && (
                      <>
                        {' · '}
                        {t('replication.nextRetry')} <Ago at={r.nextRetryAt} />
                      </>
                    )}
                  </td>
                </tr>
                <tr>
                  <th scope="row">{t('replication.lastError')}</th>
                  <td class="wrap">{r.lastError ?? '—'}</td>
                </tr>
              </tbody>
            </table>
          )}
        </section>
      </div>
    </section>
  );
}
