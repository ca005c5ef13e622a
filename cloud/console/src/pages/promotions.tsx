import { useState } from 'preact/hooks';
import { listPromotions, type Promotion, type PromotionRule, putPromotion, RULE_KINDS } from '../api.js';
import { getSession } from '../auth.js';
import { t } from '../i18n.js';
import {
  canEditPrices,
  effectiveText,
  errorsByPath,
  errorUnder,
  exactMoney,
  exactPercent,
  MomentInput,
  type MomentValue,
  momentOf,
  momentText,
  StoresInput,
} from '../prices-ui.js';
import { ErrorText, Field, NotAvailable, Table, TextField, useLoad } from '../ui.js';

type Kind = (typeof RULE_KINDS)[number];

/** A rule in words, its amounts exact ("3 for 5,00 €", "20 % off"). */
export function ruleText(rule: PromotionRule | null, currency: string): string {
  if (!rule) return '—';
  switch (rule.kind) {
    case 'percent':
      return t('promotions.rule.percentText', { value: exactPercent(rule.value) });
    case 'amount':
      return t('promotions.rule.amountText', { value: exactMoney(rule.value, currency) });
    case 'fixed':
      return t('promotions.rule.fixedText', { amount: exactMoney(rule.amount, currency) });
    case 'multi-buy':
      return t('promotions.rule.multiBuyText', { qty: rule.qty, amount: exactMoney(rule.amount, currency) });
  }
}

/** The form's rule fields: one value or amount, and a quantity for multi-buy. */
interface RuleDraft {
  kind: Kind;
  value: string;
  qty: string;
}

function draftOf(rule: PromotionRule | null): RuleDraft {
  if (!rule) return { kind: 'percent', value: '', qty: '2' };
  switch (rule.kind) {
    case 'percent':
    case 'amount':
      return { kind: rule.kind, value: rule.value, qty: '2' };
    case 'fixed':
      return { kind: 'fixed', value: rule.amount, qty: '2' };
    case 'multi-buy':
      return { kind: 'multi-buy', value: rule.amount, qty: String(rule.qty) };
  }
}

function ruleOf(d: RuleDraft): PromotionRule {
  // Decimal text as typed (a decimal comma read as a point): the cloud keeps it exact.
  const v = d.value.trim().replace(',', '.');
  switch (d.kind) {
    case 'percent':
      return { kind: 'percent', value: v };
    case 'amount':
      return { kind: 'amount', value: v };
    case 'fixed':
      return { kind: 'fixed', amount: v };
    case 'multi-buy':
      return { kind: 'multi-buy', qty: Number.parseInt(d.qty, 10), amount: v };
  }
}

/** PUT /v1/promotions/{id}: a new promotion, or one replaced as a whole. */
function EditPromotion({ promo, onDone }: { promo: Promotion | null; onDone: (id: string | null) => void }) {
  const [id, setId] = useState(promo?.id ?? `promo-${crypto.randomUUID().slice(0, 8)}`);
  const [name, setName] = useState(promo?.name ?? '');
  const [starts, setStarts] = useState<MomentValue>(
    promo ? momentOf(promo.startsAt) : { local: '', zone: 'store', offset: '' },
  );
  const [ends, setEnds] = useState<MomentValue>(
    promo ? momentOf(promo.endsAt) : { local: '', zone: 'store', offset: '' },
  );
  const [stores, setStores] = useState<string[] | null>(promo?.storeIds ?? null);
  const [skus, setSkus] = useState((promo?.skus ?? []).join(', '));
  const [rule, setRule] = useState<RuleDraft>(draftOf(promo?.rule ?? null));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const errs = errorsByPath(error);
  const valueLabel =
    rule.kind === 'percent'
      ? t('promotions.percent')
      : rule.kind === 'amount'
        ? t('promotions.amountOff')
        : rule.kind === 'fixed'
          ? t('promotions.fixedPrice')
          : t('promotions.bundlePrice');
  return (
    <form
      class="card edit"
      aria-labelledby="promo-h"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        putPromotion(id.trim(), {
          tenantId: getSession()?.tenant ?? '',
          name: name.trim(),
          startsAt: momentText(starts),
          endsAt: momentText(ends),
          ...(stores === null ? {} : { storeIds: stores }),
          skus: skus
            .split(/[\s,;]+/)
            .map((s) => s.trim())
            .filter(Boolean),
          rule: ruleOf(rule),
        }).then(
          () => onDone(id.trim()),
          (err: unknown) => {
            setBusy(false);
            setError(err);
          },
        );
      }}
    >
      <h2 id="promo-h">{promo ? t('promotions.edit', { name: promo.name }) : t('promotions.new')}</h2>
      <TextField
        label={t('promotions.id')}
        error={errorUnder(errs, '/id')}
        value={id}
        onValue={setId}
        required
        readOnly={promo !== null}
      />
      <TextField
        label={t('promotions.name')}
        error={errorUnder(errs, '/name')}
        value={name}
        onValue={setName}
        required
      />
      <MomentInput
        name="starts"
        label={t('promotions.startsAt')}
        value={starts}
        onChange={setStarts}
        error={errorUnder(errs, '/startsAt')}
      />
      <MomentInput
        name="ends"
        label={t('promotions.endsAt')}
        value={ends}
        onChange={setEnds}
        error={errorUnder(errs, '/endsAt')}
      />
      <StoresInput value={stores} onChange={setStores} error={errorUnder(errs, '/storeIds')} />
      <Field label={t('promotions.skus')} hint={t('promotions.skusHint')} error={errorUnder(errs, '/skus')}>
        {(fid, d) => (
          <textarea
            id={fid}
            aria-describedby={d}
            rows={2}
            required
            value={skus}
            onInput={(e) => setSkus(e.currentTarget.value)}
          />
        )}
      </Field>
      <fieldset class={errorUnder(errs, '/rule') ? 'has-error' : undefined}>
        <legend>{t('promotions.rule')}</legend>
        <Field label={t('promotions.kind')}>
          {(fid, d) => (
            <select
              id={fid}
              aria-describedby={d}
              value={rule.kind}
              onChange={(e) => {
                const k = RULE_KINDS.find((x) => x === e.currentTarget.value) ?? 'percent';
                setRule({ ...rule, kind: k });
              }}
            >
              {RULE_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`promotions.kind.${k}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        {rule.kind === 'multi-buy' && (
          <TextField
            label={t('promotions.qty')}
            error={errorUnder(errs, '/rule/qty')}
            value={rule.qty}
            onValue={(v) => setRule({ ...rule, qty: v })}
            type="number"
            min={2}
            step={1}
            required
          />
        )}
        <Field
          label={valueLabel}
          error={
            errorUnder(errs, '/rule/value') ?? errorUnder(errs, '/rule/amount') ?? errorUnder(errs, '/rule')
          }
        >
          {(fid, d) => (
            <input
              id={fid}
              aria-describedby={d}
              inputMode="decimal"
              required
              value={rule.value}
              onInput={(e) => setRule({ ...rule, value: e.currentTarget.value })}
            />
          )}
        </Field>
      </fieldset>
      <ErrorText error={error} />
      <div class="actions">
        <button type="submit" disabled={busy}>
          {t('common.save')}
        </button>
        <button type="button" class="secondary" onClick={() => onDone(null)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

/** The tenant's promotions: what, when, where; editors create and change them. */
export function PromotionsPage() {
  const list = useLoad(listPromotions);
  const [editing, setEditing] = useState<Promotion | 'new' | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const editor = canEditPrices();
  // Rules are amounts in the tenant's currency; the console's catalog is in EUR unless told.
  const currency = 'EUR';
  return (
    <section>
      <h1 tabIndex={-1}>{t('nav.promotions')}</h1>
      {list.missing && <NotAvailable what={t('nav.promotions')} />}
      <p class="muted">{t('promotions.intro')}</p>
      {editor && editing === null && (
        <div class="actions">
          <button
            type="button"
            onClick={() => {
              setSaved(null);
              setEditing('new');
            }}
          >
            {t('promotions.new')}
          </button>
        </div>
      )}
      {saved && (
        <p class="success" role="status">
          {t('promotions.saved', { id: saved })}
        </p>
      )}
      {editing !== null && (
        <EditPromotion
          key={editing === 'new' ? 'new' : editing.id}
          promo={editing === 'new' ? null : editing}
          onDone={(id) => {
            setEditing(null);
            if (id) {
              setSaved(id);
              list.reload();
            }
          }}
        />
      )}
      <ErrorText error={list.error} />
      {list.data && (
        <div class="scroll">
          <Table<Promotion>
            caption={t('nav.promotions')}
            columns={[
              { head: t('promotions.name'), rowHeader: true, class: 'wrap', cell: (p) => p.name },
              { head: t('promotions.rule'), cell: (p) => ruleText(p.rule, currency) },
              {
                head: t('promotions.period'),
                class: 'wrap',
                cell: (p) =>
                  t('promotions.periodText', {
                    from: effectiveText(p.startsAt),
                    to: effectiveText(p.endsAt),
                  }),
              },
              {
                head: t('prices.stores'),
                class: 'wrap',
                cell: (p) => (p.storeIds === null ? t('prices.allStores') : p.storeIds.join(', ')),
              },
              {
                head: t('promotions.skus'),
                class: 'wrap',
                cell: (p) => p.skus.join(', ') || t('promotions.withdrawn'),
              },
              {
                head: <span class="sr-only">{t('common.actions')}</span>,
                show: editor,
                cell: (p) => (
                  <button
                    type="button"
                    class="small secondary"
                    aria-label={t('promotions.editLabel', { name: p.name })}
                    onClick={() => {
                      setSaved(null);
                      setEditing(p);
                    }}
                  >
                    {t('common.edit')}
                  </button>
                ),
              },
            ]}
            rows={list.data}
            rowKey={(p) => `${p.tenantId}/${p.id}`}
            rowProps={(p) => ({ 'data-promotion': p.id })}
            empty={t('promotions.none')}
          />
        </div>
      )}
    </section>
  );
}
