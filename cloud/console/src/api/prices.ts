// Prices over time and promotions (CONTRACT.md v2 "Prices over time"), and label readiness.
import { asArray, asRecord, type Json, num, optString, str } from '../json.js';
import { api, q } from './client.js';

// Amounts stay decimal strings from the cloud to the screen and back (exact money, no floats).

/** A JSON amount as its exact decimal text (the cloud answers strings; a number is read as written). */
const amountText = (v: Json | undefined): string => (typeof v === 'number' ? String(v) : str(v));

export interface PriceChangeSummary {
  id: string;
  tenantId: string;
  /** As written: with an offset one instant, without one each store's own wall-clock time. */
  effectiveAt: string;
  status: 'scheduled' | 'effective';
  createdAt: string;
  lines: number;
  stores: number;
  received: number;
  printed: number;
}

export type PriceChangeFilter = 'scheduled' | 'effective' | 'all';

export async function listPriceChanges(status: PriceChangeFilter): Promise<PriceChangeSummary[]> {
  return asArray(asRecord(await api(`/price-changes${q({ status })}`)).priceChanges).map((x) => {
    const r = asRecord(x);
    return {
      id: str(r.id),
      tenantId: str(r.tenantId),
      effectiveAt: str(r.effectiveAt),
      status: r.status === 'effective' ? 'effective' : 'scheduled',
      createdAt: str(r.createdAt),
      lines: num(r.lines),
      stores: num(r.stores),
      received: num(r.received),
      printed: num(r.printed),
    };
  });
}

export interface PriceLine {
  sku: string;
  amount: string;
  currency: string;
}

export interface NewPriceChange {
  id: string;
  tenantId: string;
  effectiveAt: string;
  /** Absent: every store of the tenant. */
  storeIds?: string[];
  changes: PriceLine[];
}

export async function createPriceChange(body: NewPriceChange): Promise<{ id: string; stores: number }> {
  const r = asRecord(await api('/price-changes', { body }));
  return { id: str(r.id), stores: num(r.stores) };
}

export interface StoreReceipt {
  storeId: string;
  receivedAt: string | null;
  labelsPrintedAt: string | null;
}

export async function getPriceChange(
  id: string,
): Promise<{ id: string; effectiveAt: string; stores: StoreReceipt[] }> {
  const r = asRecord(await api(`/price-changes/${encodeURIComponent(id)}`));
  return {
    id: str(r.id),
    effectiveAt: str(r.effectiveAt),
    stores: asArray(r.stores).map((x) => {
      const s = asRecord(x);
      return {
        storeId: str(s.storeId),
        receivedAt: optString(s.receivedAt),
        labelsPrintedAt: optString(s.labelsPrintedAt),
      };
    }),
  };
}

export async function getPriceChangeLines(id: string): Promise<{ lineCount: number; lines: PriceLine[] }> {
  const r = asRecord(await api(`/price-changes/${encodeURIComponent(id)}/lines`));
  return {
    lineCount: num(r.lineCount),
    lines: asArray(r.lines).map((x) => {
      const l = asRecord(x);
      return { sku: str(l.sku), amount: amountText(l.amount), currency: str(l.currency) };
    }),
  };
}

export type PromotionRule =
  | { kind: 'percent'; value: string }
  | { kind: 'amount'; value: string }
  | { kind: 'fixed'; amount: string }
  | { kind: 'multi-buy'; qty: number; amount: string };

export const RULE_KINDS = ['percent', 'amount', 'fixed', 'multi-buy'] as const;

/** A rule as the cloud stored it; an unknown kind (a newer cloud) reads as null and is shown as is. */
function asRule(v: Json | undefined): PromotionRule | null {
  const r = asRecord(v);
  switch (r.kind) {
    case 'percent':
      return { kind: 'percent', value: amountText(r.value) };
    case 'amount':
      return { kind: 'amount', value: amountText(r.value) };
    case 'fixed':
      return { kind: 'fixed', amount: amountText(r.amount) };
    case 'multi-buy':
      return { kind: 'multi-buy', qty: num(r.qty), amount: amountText(r.amount) };
    default:
      return null;
  }
}

export interface Promotion {
  id: string;
  tenantId: string;
  name: string;
  startsAt: string;
  endsAt: string;
  storeIds: string[] | null;
  skus: string[];
  rule: PromotionRule | null;
  updatedAt: string;
}

export async function listPromotions(): Promise<Promotion[]> {
  return asArray(asRecord(await api('/promotions')).promotions).map((x) => {
    const p = asRecord(x);
    return {
      id: str(p.id),
      tenantId: str(p.tenantId),
      name: str(p.name),
      startsAt: str(p.startsAt),
      endsAt: str(p.endsAt),
      storeIds: Array.isArray(p.storeIds)
        ? p.storeIds.filter((s): s is string => typeof s === 'string')
        : null,
      skus: asArray(p.skus).filter((s): s is string => typeof s === 'string'),
      rule: asRule(p.rule),
      updatedAt: str(p.updatedAt),
    };
  });
}

export async function putPromotion(
  id: string,
  body: Omit<Promotion, 'id' | 'updatedAt' | 'storeIds' | 'rule'> & {
    storeIds?: string[];
    rule: PromotionRule;
  },
): Promise<{ changed: boolean }> {
  // The percentage goes as a JSON number (the contract's `value` for percent is a number);
  // amounts go as the decimal strings typed.
  const rule = body.rule.kind === 'percent' ? { kind: 'percent', value: Number(body.rule.value) } : body.rule;
  const r = asRecord(
    await api(`/promotions/${encodeURIComponent(id)}`, { method: 'PUT', body: { ...body, rule } }),
  );
  return { changed: r.changed === true };
}

export interface StoreReadiness {
  storeId: string;
  name: string;
  priceChanges: number;
  received: number;
  printed: number;
  nextUnprintedAt: string | null;
}

export async function getLabelReadiness(
  status: PriceChangeFilter,
): Promise<{ priceChanges: number; stores: StoreReadiness[] }> {
  const r = asRecord(await api(`/label-readiness${q({ status })}`));
  return {
    priceChanges: num(r.priceChanges),
    stores: asArray(r.stores).map((x) => {
      const s = asRecord(x);
      return {
        storeId: str(s.storeId),
        name: str(s.name),
        priceChanges: num(s.priceChanges),
        received: num(s.received),
        printed: num(s.printed),
        nextUnprintedAt: optString(s.nextUnprintedAt),
      };
    }),
  };
}
