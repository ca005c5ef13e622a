import { useEffect, useState } from 'preact/hooks';
import {
  type Approved,
  approveRun,
  getFleet,
  getRun,
  listRuns,
  type Proposal,
  type Run,
  type RunStatus,
  startRun,
} from '../api.js';
import { getSession } from '../auth.js';
import { fleetCache } from '../fleet-cache.js';
import { ago, dateTime, num, t } from '../i18n.js';
import { navigate } from '../router.js';
import { ErrorText, Link, Table, useLoad } from '../ui.js';
import { deliveryHref } from './deliveries.js';

/** Who may start and approve runs (CONTRACT.md: buyer; hq-admin may do everything). */
function mayOrder(): boolean {
  const roles = getSession()?.roles ?? [];
  return roles.includes('buyer') || roles.includes('hq-admin');
}

function RunStatusText({ status }: { status: RunStatus }) {
  const cls = status === 'done' ? 'done' : status === 'failed' ? 'failed' : 'uncertain';
  return <span class={`badge badge-${cls}`}>{t(`repl.status.${status}`)}</span>;
}

/**
 * The cloud's reasons are English sentences (run.ts); the two it writes are shown in the user's
 * language, anything else as the cloud said it.
 */
function Reason({ reason }: { reason: string }) {
  if (reason === 'never replicated') return <>{t('repl.neverReplicated')}</>;
  const m = /\((\d{4}-[^)]+)\); the limit is (.+)$/.exec(reason);
  if (m?.[1] && m[2]) return <>{t('repl.stale', { at: ago(m[1]), limit: m[2] })}</>;
  return <span lang="en">{reason}</span>;
}

/**
 * While a run is in the cloud's hands (the POST answers only when it is done): its progress from
 * the runs list. The tenant's newest running run is this one: the run lease lets one run at a
 * time per tenant, and a second start answers 409 instead of running.
 */
function Progress() {
  const [p, setP] = useState<{ done: number; total: number } | null>(null);
  useEffect(() => {
    let live = true;
    const poll = () =>
      listRuns(1).then(
        (runs) => {
          const r = runs[0];
          if (live && r?.status === 'running') setP({ done: r.storesDone, total: r.storesTotal });
        },
        () => {},
      );
    void poll();
    const h = setInterval(poll, 1000);
    return () => {
      live = false;
      clearInterval(h);
    };
  }, []);
  return (
    <p class="notice" role="status" data-progress>
      {p && p.total > 0 ? t('repl.running', { done: p.done, total: p.total }) : t('repl.runningNoCount')}
    </p>
  );
}

function StartForm({ onStarted }: { onStarted: (r: Run) => void }) {
  const stores = useLoad(() => fleetCache.get(getFleet));
  const [which, setWhich] = useState<'all' | 'chosen'>('all');
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <form
      class="card"
      aria-labelledby="start-h"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        startRun(which === 'all' ? undefined : [...chosen]).then(
          (r) => {
            setBusy(false);
            onStarted(r);
          },
          (err: unknown) => {
            setBusy(false);
            setError(err);
          },
        );
      }}
    >
      <h2 id="start-h">{t('repl.start')}</h2>
      <p class="muted">{t('repl.intro')}</p>
      <fieldset>
        <legend>{t('repl.which')}</legend>
        <label class="check">
          <input type="radio" name="which" checked={which === 'all'} onChange={() => setWhich('all')} />
          {t('repl.allStores')}
        </label>
        <label class="check">
          <input type="radio" name="which" checked={which === 'chosen'} onChange={() => setWhich('chosen')} />
          {t('repl.chosenStores')}
        </label>
      </fieldset>
      {which === 'chosen' && (
        <fieldset data-stores>
          <legend>{t('repl.pickStores')}</legend>
          {(stores.data ?? []).map((s) => (
            <label key={s.id} class="check">
              <input
                type="checkbox"
                value={s.id}
                checked={chosen.has(s.id)}
                onChange={(e) => {
                  const next = new Set(chosen);
                  if (e.currentTarget.checked) next.add(s.id);
                  else next.delete(s.id);
                  setChosen(next);
                }}
              />
              {s.name ? `${s.name} (${s.id})` : s.id}
            </label>
          ))}
        </fieldset>
      )}
      <ErrorText error={error} />
      {busy && <Progress />}
      <div class="actions">
        <button type="submit" disabled={busy || (which === 'chosen' && chosen.size === 0)}>
          {t('repl.run')}
        </button>
      </div>
    </form>
  );
}

function Approvals({ approved }: { approved: Approved[] }) {
  const created = approved.filter((a) => a.status === 'created').length;
  return (
    <section aria-labelledby="approved-h" data-approved>
      <h3 id="approved-h">{t('repl.approved')}</h3>
      <p role="status" data-approved-summary>
        {t('repl.approvedSummary', { created, existed: approved.length - created })}
      </p>
      <Table<Approved>
        caption={t('repl.approved')}
        columns={[
          { head: t('delivery.store'), cell: (a) => a.storeId },
          {
            head: t('repl.delivery'),
            rowHeader: true,
            cell: (a) => <Link href={deliveryHref(a.id)}>{a.id}</Link>,
          },
          {
            head: t('repl.deliveryStatus'),
            cell: (a) => t(a.status === 'created' ? 'repl.created' : 'repl.existed'),
          },
          { head: t('repl.lines'), num: true, cell: (a) => num(a.lines) },
        ]}
        rows={approved}
        rowKey={(a) => a.id}
        rowProps={(a) => ({ 'data-delivery': a.id, 'data-status': a.status })}
      />
    </section>
  );
}

/** One run: its answer, proposals per store with approve buttons, stores held back. */
function RunView({ run }: { run: Run }) {
  const order = mayOrder();
  // Names from the fleet list the other pages share (one request, not one per store).
  const fleet = useLoad(() => fleetCache.get(getFleet));
  const names = new Map((fleet.data ?? []).map((s) => [s.id, s.name]));
  const label = (id: string) => (names.get(id) ? `${names.get(id)} (${id})` : id);
  const [approved, setApproved] = useState<Approved[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const byStore = new Map<string, Proposal[]>();
  for (const p of run.proposals) byStore.set(p.storeId, [...(byStore.get(p.storeId) ?? []), p]);
  const approve = (storeIds?: string[]) => {
    setBusy(true);
    setError(null);
    approveRun(run.id, storeIds).then(
      (a) => {
        setBusy(false);
        setApproved(a);
      },
      (err: unknown) => {
        setBusy(false);
        setError(err);
      },
    );
  };
  return (
    <section aria-labelledby="run-h" data-run={run.id}>
      <h2 id="run-h">{t('repl.runTitle', { at: dateTime(run.startedAt) })}</h2>
      <p>
        <RunStatusText status={run.status} />{' '}
        <span data-answer>
          {t('repl.answer', { stores: byStore.size, lines: run.proposals.length, held: run.heldBack.length })}
        </span>
      </p>
      <ErrorText error={error} />
      {order && run.status === 'done' && byStore.size > 0 && (
        <div class="actions">
          <button type="button" disabled={busy} onClick={() => approve()}>
            {t('repl.approveAll')}
          </button>
        </div>
      )}
      {approved && <Approvals approved={approved} />}
      <h3>{t('repl.proposals')}</h3>
      {byStore.size === 0 && <p class="muted">{t('repl.proposalsNone')}</p>}
      {[...byStore].map(([storeId, rows]) => (
        <article key={storeId} class="card" data-store={storeId} aria-labelledby={`p-${storeId}`}>
          <h4 id={`p-${storeId}`}>
            <Link href={`/stores/${encodeURIComponent(storeId)}`}>{label(storeId)}</Link>
          </h4>
          <div class="scroll">
            <Table<Proposal>
              caption={t('repl.storeCaption', { store: storeId })}
              columns={[
                { head: t('repl.sku'), rowHeader: true, cell: (p) => p.sku },
                { head: t('repl.onHand'), num: true, cell: (p) => num(p.onHand) },
                { head: t('repl.reserved'), num: true, cell: (p) => num(p.reserved) },
                { head: t('repl.onOrder'), num: true, cell: (p) => num(p.onOrder) },
                { head: t('repl.inTransit'), num: true, cell: (p) => num(p.inTransit) },
                { head: t('repl.qty'), num: true, cell: (p) => <strong>{num(p.qty)}</strong> },
              ]}
              rows={rows}
              rowKey={(p) => p.sku}
              rowProps={(p) => ({ 'data-sku': p.sku })}
            />
          </div>
          {order && run.status === 'done' && (
            <div class="actions">
              <button type="button" class="secondary" disabled={busy} onClick={() => approve([storeId])}>
                {t('repl.approveStore', { store: storeId })}
              </button>
            </div>
          )}
        </article>
      ))}
      <h3 id="held-h">{t('repl.heldBack')}</h3>
      <Table<Run['heldBack'][number]>
        caption={t('repl.heldBack')}
        columns={[
          { head: t('delivery.store'), rowHeader: true, cell: (h) => label(h.storeId) },
          { head: t('repl.reason'), cell: (h) => <Reason reason={h.reason} /> },
        ]}
        rows={run.heldBack}
        rowKey={(h) => h.storeId}
        rowProps={(h) => ({ 'data-held': h.storeId })}
        empty={t('repl.heldBackNone')}
      />
    </section>
  );
}

/**
 * Replenishment at head office: start a run (all stores or chosen ones), watch it, read its
 * proposals per store and approve them. The run id lives in the URL, so a run can be shared and
 * reopened; approving again answers the same deliveries (`existed`), which the page says.
 */
export function ReplenishmentPage({ query }: { query: URLSearchParams }) {
  const runId = query.get('run') ?? '';
  const [fresh, setFresh] = useState<Run | null>(null);
  const runs = useLoad(() => listRuns(10));
  const shown = useLoad(
    () => (runId && fresh?.id !== runId ? getRun(runId) : Promise.resolve(fresh)),
    [runId],
  );
  const run = fresh && fresh.id === runId ? fresh : shown.data;
  return (
    <section>
      <h1 tabIndex={-1}>{t('nav.replenishment')}</h1>
      {mayOrder() ? (
        <StartForm
          onStarted={(r) => {
            setFresh(r);
            runs.reload();
            navigate(`/replenishment?run=${encodeURIComponent(r.id)}`, true);
          }}
        />
      ) : (
        <p class="notice" role="note">
          {t('repl.readOnly')}
        </p>
      )}
      <ErrorText error={shown.error} />
      {run && <RunView key={run.id} run={run} />}
      <h2>{t('repl.recent')}</h2>
      <ErrorText error={runs.error} />
      {runs.data && (
        <Table<NonNullable<typeof runs.data>[number]>
          caption={t('repl.recent')}
          columns={[
            {
              head: t('repl.startedAt'),
              rowHeader: true,
              cell: (r) => (
                <Link href={`/replenishment?run=${encodeURIComponent(r.id)}`}>{dateTime(r.startedAt)}</Link>
              ),
            },
            { head: t('repl.status'), cell: (r) => <RunStatusText status={r.status} /> },
            {
              head: t('repl.stores'),
              num: true,
              cell: (r) => `${num(r.storesDone)} / ${num(r.storesTotal)}`,
            },
            { head: t('repl.proposalCount'), num: true, cell: (r) => num(r.proposals) },
          ]}
          rows={runs.data}
          rowKey={(r) => r.id}
          empty={t('repl.runsNone')}
        />
      )}
    </section>
  );
}
