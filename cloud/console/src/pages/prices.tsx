import { useState } from 'preact/hooks';
import {
  createPriceChange,
  listPriceChanges,
  type PriceChangeFilter,
  type PriceChangeSummary,
  type PriceLine,
} from '../api.js';
import { getSession } from '../auth.js';
import { t } from '../i18n.js';
import {
  canEditPrices,
  effectiveText,
  errorsByPath,
  errorUnder,
  MomentInput,
  type MomentValue,
  momentText,
  ReadinessBar,
  ReadinessLegend,
  StoresInput,
} from '../prices-ui.js';
import { navigate } from '../router.js';
import { ErrorText, Field, Link, NotAvailable, Table, TextField, useLoad } from '../ui.js';

/** Tomorrow 06:00 on the stores' own clocks: the usual moment for a price change. */
function tomorrowSix(): string {
  const d = new Date(Date.now() + 86_400_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T06:00`;
}

/** A readable id the merchandiser may keep or change: the date and a few random letters. */
function newId(): string {
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  return `pc-${day}-${crypto.randomUUID().slice(0, 6)}`;
}

const emptyLine = (currency: string): PriceLine => ({ sku: '', amount: '', currency });

/** POST /v1/price-changes: when, where, and the lines; the cloud's field errors shown at each field. */
function NewPriceChange({ onDone }: { onDone: (id: string | null) => void }) {
  const [id, setId] = useState(newId);
  const [moment, setMoment] = useState<MomentValue>({ local: tomorrowSix(), zone: 'store', offset: '' });
  const [stores, setStores] = useState<string[] | null>(null);
  const [lines, setLines] = useState<PriceLine[]>([emptyLine('EUR')]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const errs = errorsByPath(error);
  const setLine = (i: number, patch: Partial<PriceLine>) =>
    setLines(lines.map((l, j) => (j === i ? { ...l, ...patch } : l)));
  return (
    <form
      class="card edit"
      aria-labelledby="new-pc-h"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        createPriceChange({
          id: id.trim(),
          tenantId: getSession()?.tenant ?? '',
          effectiveAt: momentText(moment),
          ...(stores === null ? {} : { storeIds: stores }),
          // Amounts as typed, a decimal comma read as a point: decimal strings, never floats.
          changes: lines.map((l) => ({
            sku: l.sku.trim(),
            amount: l.amount.trim().replace(',', '.'),
            currency: l.currency.trim().toUpperCase(),
          })),
        }).then(
          (r) => onDone(r.id),
          (err: unknown) => {
            setBusy(false);
            setError(err);
          },
        );
      }}
    >
      <h2 id="new-pc-h">{t('prices.new')}</h2>
      <TextField
        label={t('prices.id')}
        error={errorUnder(errs, '/id')}
        hint={t('prices.idHint')}
        value={id}
        onValue={setId}
        required
      />
      <MomentInput
        name="effective"
        label={t('prices.effectiveAt')}
        value={moment}
        onChange={setMoment}
        error={errorUnder(errs, '/effectiveAt')}
      />
      <StoresInput value={stores} onChange={setStores} error={errorUnder(errs, '/storeIds')} />
      <fieldset>
        <legend>{t('prices.lines')}</legend>
        {lines.map((l, i) => (
          <div class="row line" key={i} data-line={i}>
            <TextField
              label={t('prices.lineSku', { n: i + 1 })}
              error={errorUnder(errs, `/changes/${i}/sku`)}
              value={l.sku}
              onValue={(v) => setLine(i, { sku: v })}
              required
            />
            <Field
              label={t('prices.lineAmount', { n: i + 1 })}
              error={errorUnder(errs, `/changes/${i}/amount`)}
            >
              {(fid, d) => (
                <input
                  id={fid}
                  aria-describedby={d}
                  inputMode="decimal"
                  required
                  value={l.amount}
                  onInput={(e) => setLine(i, { amount: e.currentTarget.value })}
                />
              )}
            </Field>
            <Field
              label={t('prices.lineCurrency', { n: i + 1 })}
              error={errorUnder(errs, `/changes/${i}/currency`)}
            >
              {(fid, d) => (
                <input
                  id={fid}
                  aria-describedby={d}
                  required
                  maxLength={3}
                  size={4}
                  value={l.currency}
                  onInput={(e) => setLine(i, { currency: e.currentTarget.value })}
                />
              )}
            </Field>
            {lines.length > 1 && (
              <button
                type="button"
                class="small secondary"
                aria-label={t('prices.removeLine', { n: i + 1 })}
                onClick={() => setLines(lines.filter((_, j) => j !== i))}
              >
                {t('prices.remove')}
              </button>
            )}
          </div>
        ))}
        <button
          type="button"
          class="secondary"
          onClick={() => setLines([...lines, emptyLine(lines[lines.length - 1]?.currency ?? 'EUR')])}
        >
          {t('prices.addLine')}
        </button>
      </fieldset>
      <ErrorText error={error} />
      <div class="actions">
        <button type="submit" disabled={busy}>
          {t('prices.schedule')}
        </button>
        <button type="button" class="secondary" onClick={() => onDone(null)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

const FILTERS: PriceChangeFilter[] = ['scheduled', 'effective', 'all'];

/** Scheduled price changes, each with its readiness across its stores; a new one for editors. */
export function PricesPage({ query }: { query: URLSearchParams }) {
  const status: PriceChangeFilter = FILTERS.find((f) => f === query.get('status')) ?? 'scheduled';
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  const list = useLoad(() => listPriceChanges(status), [status]);
  const editor = canEditPrices();
  return (
    <section>
      <h1 tabIndex={-1}>{t('nav.prices')}</h1>
      {list.missing && <NotAvailable what={t('nav.prices')} />}
      <div class="row toolbar">
        <div class="field inline">
          <label for="pc-filter">{t('prices.show')}</label>
          <select
            id="pc-filter"
            value={status}
            onChange={(e) => navigate(`/prices?status=${e.currentTarget.value}`, true)}
          >
            {FILTERS.map((f) => (
              <option key={f} value={f}>
                {t(`prices.filter.${f}`)}
              </option>
            ))}
          </select>
        </div>
        {editor && !creating && (
          <button
            type="button"
            onClick={() => {
              setCreated(null);
              setCreating(true);
            }}
          >
            {t('prices.new')}
          </button>
        )}
      </div>
      {created && (
        <p class="success" role="status">
          {t('prices.created', { id: created })}{' '}
          <Link href={`/prices/${encodeURIComponent(created)}`}>{t('prices.open')}</Link>
        </p>
      )}
      {creating && (
        <NewPriceChange
          onDone={(id) => {
            setCreating(false);
            if (id) {
              setCreated(id);
              list.reload();
            }
          }}
        />
      )}
      <ErrorText error={list.error} />
      {list.data && (
        <>
          {list.data.length > 0 && <ReadinessLegend />}
          <div class="scroll">
            <Table<PriceChangeSummary>
              caption={t('nav.prices')}
              columns={[
                {
                  head: t('prices.id'),
                  rowHeader: true,
                  cell: (p) => <Link href={`/prices/${encodeURIComponent(p.id)}`}>{p.id}</Link>,
                },
                { head: t('prices.effectiveAt'), cell: (p) => effectiveText(p.effectiveAt) },
                { head: t('prices.lineCount'), num: true, cell: (p) => String(p.lines) },
                { head: t('prices.storeCount'), num: true, cell: (p) => String(p.stores) },
                {
                  head: t('prices.readiness'),
                  class: 'wide',
                  cell: (p) => (
                    <ReadinessBar stores={p.stores} received={p.received} printed={p.printed} label={p.id} />
                  ),
                },
              ]}
              rows={list.data}
              rowKey={(p) => `${p.tenantId}/${p.id}`}
              rowProps={(p) => ({ 'data-price-change': p.id })}
              empty={t('prices.none')}
            />
          </div>
        </>
      )}
    </section>
  );
}
