// The cloud's /v1 API (CONTRACT.md "Cloud HTTP API" and v2 "Fleet") as the console reads it.
// Every answer is parsed into the shapes below field by field (json.ts): no `any` crosses here.
import { endSession, getSession } from './auth.js';
import { asArray, asRecord, type Json, num, optNum, optString, str } from './json.js';

export interface ProblemError {
  path: string;
  message: string;
}

/** An answer other than 2xx, with its RFC 9457 problem fields when the cloud sent them. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
    readonly title: string,
    readonly detail: string,
    readonly errors: ProblemError[] = [],
    /** Seconds from `Retry-After` (429, 503). */
    readonly retryAfter: number | null = null,
  ) {
    super(detail || title);
  }
  /** A route this cloud does not have (yet): pages say "not available" instead of failing. */
  get missing(): boolean {
    return this.status === 404 && /^no route/i.test(this.detail);
  }
}

async function toError(res: Response): Promise<ApiError> {
  const body = asRecord((await res.json().catch(() => null)) as Json);
  const errors = asArray(body.errors).map((e) => {
    const r = asRecord(e);
    return { path: str(r.path), message: str(r.message) };
  });
  const retry = Number(res.headers.get('retry-after'));
  return new ApiError(
    res.status,
    optString(body.code),
    optString(body.title) ?? res.statusText,
    optString(body.detail) ?? optString(body.title) ?? res.statusText,
    errors,
    Number.isFinite(retry) && retry > 0 ? retry : null,
  );
}

/** Calls `/v1{path}` with the session's bearer token; throws ApiError (status 0: unreachable). */
export async function api(path: string, init: { method?: string; body?: unknown } = {}): Promise<Json> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const s = getSession();
  if (s) headers.authorization = `Bearer ${s.accessToken}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`/v1${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch {
    throw new ApiError(0, 'unreachable', 'Unreachable', 'the cloud cannot be reached');
  }
  // A token the API no longer takes (expired, revoked, key rotated away): sign in again.
  if (res.status === 401) endSession('expired');
  if (!res.ok) throw await toError(res);
  if (res.status === 204) return null;
  return (await res.json()) as Json;
}

const q = (params: Record<string, string | number | undefined>): string => {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
};

// --- Fleet (CONTRACT.md v2) ------------------------------------------------------------------

export type StoreStatus = 'online' | 'offline' | 'unknown';

export interface FleetStore {
  id: string;
  name: string;
  status: StoreStatus;
  lastSeenAt: string | null;
  /** null: the store has not reported (the sort puts it last). */
  pending: number | null;
  oldestPendingAt: string | null;
  devicesInError: number | null;
  agentVersion: string | null;
}

const asStatus = (v: Json | undefined): StoreStatus => (v === 'online' || v === 'offline' ? v : 'unknown');

export async function getFleet(): Promise<FleetStore[]> {
  return asArray(asRecord(await api('/fleet')).stores).map((x) => {
    const r = asRecord(x);
    return {
      id: str(r.id),
      name: str(r.name),
      status: asStatus(r.status),
      lastSeenAt: optString(r.lastSeenAt),
      pending: optNum(r.pending),
      oldestPendingAt: optString(r.oldestPendingAt),
      devicesInError: optNum(r.devicesInError),
      agentVersion: optString(r.agentVersion),
    };
  });
}

export interface DeviceHealth {
  id: string;
  kind: string;
  status: string;
  detail: string | null;
}

export interface StoreHealth {
  storeId: string;
  name: string;
  status: StoreStatus;
  lastSeenAt: string | null;
  statusSince: string | null;
  devices: DeviceHealth[];
  devicesLeftOut: number;
  pending: number | null;
  oldestPendingAt: string | null;
  diskFreeBytes: number | null;
  clockOffsetMs: number | null;
  agentVersion: string | null;
  /** The store's clock when it sent the latest report. */
  sentAt: string | null;
  transitions: Array<{ status: string; at: string }>;
}

export async function getHealth(storeId: string): Promise<StoreHealth> {
  const r = asRecord(await api(`/stores/${encodeURIComponent(storeId)}/health`));
  const backlog = asRecord(r.backlog);
  return {
    storeId: str(r.storeId) || storeId,
    name: str(r.name),
    status: asStatus(r.status),
    lastSeenAt: optString(r.lastSeenAt),
    statusSince: optString(r.statusSince),
    devices: asArray(r.devices).map((x) => {
      const d = asRecord(x);
      return { id: str(d.id), kind: str(d.kind), status: str(d.status), detail: optString(d.detail) };
    }),
    devicesLeftOut: num(r.devicesLeftOut),
    pending: optNum(backlog.pending),
    oldestPendingAt: optString(backlog.oldestPendingAt),
    diskFreeBytes: optNum(r.diskFreeBytes),
    clockOffsetMs: optNum(r.clockOffsetMs),
    agentVersion: optString(r.agentVersion),
    sentAt: optString(r.sentAt),
    transitions: asArray(r.transitions).map((x) => {
      const tr = asRecord(x);
      return { status: str(tr.status), at: str(tr.at) };
    }),
  };
}

export interface BacklogPoint {
  at: string;
  pending: number;
  oldestPendingAt: string | null;
}

export async function getBacklog(storeId: string, since: string): Promise<BacklogPoint[]> {
  const r = asRecord(await api(`/stores/${encodeURIComponent(storeId)}/backlog${q({ since })}`));
  return asArray(r.points).map((x) => {
    const p = asRecord(x);
    return { at: str(p.at), pending: num(p.pending), oldestPendingAt: optString(p.oldestPendingAt) };
  });
}

// --- Movements and stock (CONTRACT.md "Cloud HTTP API") ---------------------------------------

export interface Movement {
  seq: number;
  id: string;
  type: string;
  sku: string;
  location: string;
  qty: number;
  at: string;
  ref: string | null;
}

export async function getMovements(
  storeId: string,
  afterSeq: number,
  limit: number,
): Promise<{ movements: Movement[]; nextAfterSeq: number; appliedSeq: number }> {
  const r = asRecord(await api(`/stores/${encodeURIComponent(storeId)}/movements${q({ afterSeq, limit })}`));
  const movements = asArray(r.movements).map((x) => {
    const m = asRecord(x);
    const mv = asRecord(m.movement);
    // A replicated record is `{seq, movement}` or the movement with its seq; read either.
    const src = Object.keys(mv).length > 0 ? mv : m;
    return {
      seq: num(m.seq),
      id: str(src.id),
      type: str(src.type),
      sku: str(src.sku),
      location: str(src.location),
      qty: num(src.qty),
      at: str(src.at),
      ref: optString(src.ref),
    };
  });
  return { movements, nextAfterSeq: num(r.nextAfterSeq, afterSeq), appliedSeq: num(r.appliedSeq) };
}

export interface StockRow {
  storeId: string;
  sku: string;
  location: string;
  onHand: number;
  reserved: number;
  available: number;
}

export async function getStock(sku: string): Promise<StockRow[]> {
  return asArray(asRecord(await api(`/stock${q({ sku })}`)).stores).map((x) => {
    const r = asRecord(x);
    return {
      storeId: str(r.storeId),
      sku: str(r.sku),
      location: str(r.location),
      onHand: num(r.onHand),
      reserved: num(r.reserved),
      available: num(r.available),
    };
  });
}

// --- Catalog ---------------------------------------------------------------------------------

export interface Item {
  tenantId: string;
  sku: string;
  name: string;
  gtins: string[];
  price: { amount: string; currency: string };
  updatedAt: string | null;
}

export async function listItems(params: {
  q?: string;
  after?: string;
  limit?: number;
}): Promise<{ items: Item[]; next: string | null }> {
  const r = asRecord(await api(`/items${q(params)}`));
  const items = asArray(r.items).map((x) => {
    const i = asRecord(x);
    const p = asRecord(i.price);
    return {
      tenantId: str(i.tenantId),
      sku: str(i.sku),
      name: str(i.name),
      gtins: asArray(i.gtins).filter((g): g is string => typeof g === 'string'),
      price: {
        amount: typeof p.amount === 'number' ? String(p.amount) : str(p.amount),
        currency: str(p.currency),
      },
      updatedAt: optString(i.updatedAt),
    };
  });
  return { items, next: optString(r.next) };
}

export async function putItem(item: Item): Promise<void> {
  await api(`/items/${encodeURIComponent(item.sku)}`, {
    method: 'PUT',
    body: { tenantId: item.tenantId, name: item.name, gtins: item.gtins, price: item.price },
  });
}

// --- Reservations and webhooks ---------------------------------------------------------------

export interface Reservation {
  id: string;
  storeId: string;
  sku: string;
  qty: number;
  ref: string;
  status: string;
}

function asReservation(v: Json): Reservation {
  const r = asRecord(v);
  return {
    id: str(r.id),
    storeId: str(r.storeId),
    sku: str(r.sku),
    qty: num(r.qty),
    ref: str(r.ref),
    status: str(r.status),
  };
}

export async function createReservation(body: {
  storeId: string;
  sku: string;
  qty: number;
  ref: string;
}): Promise<Reservation> {
  return asReservation(await api('/reservations', { body }));
}

export async function getReservation(id: string): Promise<Reservation> {
  return asReservation(await api(`/reservations/${encodeURIComponent(id)}`));
}

export async function createWebhook(body: {
  url: string;
  secret: string;
  events: string[];
}): Promise<string> {
  return str(asRecord(await api('/webhooks', { body })).id);
}

// --- Deliveries and transfers (CONTRACT.md v2 "Deliveries, transfers, replenishment") ---------

export type DeliveryStatus = 'open' | 'receiving' | 'closed';

export interface DeliveryLine {
  sku: string;
  expected: number;
  received: number;
  damaged: number;
  short: number;
  over: number;
}

export interface Delivery {
  id: string;
  storeId: string;
  kind: 'purchase' | 'transfer';
  status: DeliveryStatus;
  fromStoreId: string | null;
  supplier: string | null;
  expectedAt: string | null;
  createdAt: string;
  closedAt: string | null;
  lines: DeliveryLine[];
}

const asDeliveryStatus = (v: Json | undefined): DeliveryStatus =>
  v === 'receiving' || v === 'closed' ? v : 'open';

function asDelivery(v: Json): Delivery {
  const r = asRecord(v);
  return {
    id: str(r.id),
    storeId: str(r.storeId),
    kind: r.kind === 'transfer' ? 'transfer' : 'purchase',
    status: asDeliveryStatus(r.status),
    fromStoreId: optString(r.fromStoreId),
    supplier: optString(r.supplier),
    expectedAt: optString(r.expectedAt),
    createdAt: str(r.createdAt),
    closedAt: optString(r.closedAt),
    lines: asArray(r.lines).map((x) => {
      const l = asRecord(x);
      return {
        sku: str(l.sku),
        expected: num(l.expected),
        received: num(l.received),
        damaged: num(l.damaged),
        short: num(l.short),
        over: num(l.over),
      };
    }),
  };
}

export async function listDeliveries(params: {
  status?: DeliveryStatus | '';
  storeId?: string;
  kind?: 'purchase' | 'transfer' | '';
  limit?: number;
}): Promise<Delivery[]> {
  return asArray(asRecord(await api(`/deliveries${q(params)}`)).deliveries).map(asDelivery);
}

export async function getDelivery(id: string): Promise<Delivery> {
  return asDelivery(await api(`/deliveries/${encodeURIComponent(id)}`));
}

export interface Transfer {
  id: string;
  fromStoreId: string;
  toStoreId: string;
  status: 'in-transit' | 'received';
  shippedAt: string;
  receivedAt: string | null;
  ageSeconds: number;
  lines: Array<{ sku: string; shipped: number; received: number; short: number; inTransit: number }>;
}

function asTransfer(v: Json): Transfer {
  const r = asRecord(v);
  return {
    id: str(r.id),
    fromStoreId: str(r.fromStoreId),
    toStoreId: str(r.toStoreId),
    status: r.status === 'received' ? 'received' : 'in-transit',
    shippedAt: str(r.shippedAt),
    receivedAt: optString(r.receivedAt),
    ageSeconds: num(r.ageSeconds),
    lines: asArray(r.lines).map((x) => {
      const l = asRecord(x);
      return {
        sku: str(l.sku),
        shipped: num(l.shipped),
        received: num(l.received),
        short: num(l.short),
        inTransit: num(l.inTransit),
      };
    }),
  };
}

/** `status: 'in-transit'` is the aged in-transit list: oldest shipment first, with its age. */
export async function listTransfers(params: {
  status?: 'in-transit' | 'received' | '';
  storeId?: string;
  limit?: number;
}): Promise<Transfer[]> {
  return asArray(asRecord(await api(`/transfers${q(params)}`)).transfers).map(asTransfer);
}

export async function getTransfer(id: string): Promise<Transfer> {
  return asTransfer(await api(`/transfers/${encodeURIComponent(id)}`));
}

// --- Replenishment ---------------------------------------------------------------------------

export type RunStatus = 'running' | 'done' | 'failed';

export interface Proposal {
  storeId: string;
  sku: string;
  qty: number;
  onHand: number;
  reserved: number;
  onOrder: number;
  inTransit: number;
}

export interface RunSummary {
  id: string;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  storesTotal: number;
  storesDone: number;
}

export interface Run extends RunSummary {
  proposals: Proposal[];
  heldBack: Array<{ storeId: string; reason: string }>;
}

function asRunSummary(r: Record<string, Json>): RunSummary {
  return {
    id: str(r.id),
    status: r.status === 'running' || r.status === 'failed' ? r.status : 'done',
    startedAt: str(r.startedAt),
    finishedAt: optString(r.finishedAt),
    storesTotal: num(r.storesTotal),
    storesDone: num(r.storesDone),
  };
}

function asRun(v: Json): Run {
  const r = asRecord(v);
  return {
    ...asRunSummary(r),
    proposals: asArray(r.proposals).map((x) => {
      const p = asRecord(x);
      return {
        storeId: str(p.storeId),
        sku: str(p.sku),
        qty: num(p.qty),
        onHand: num(p.onHand),
        reserved: num(p.reserved),
        onOrder: num(p.onOrder),
        inTransit: num(p.inTransit),
      };
    }),
    heldBack: asArray(r.heldBack).map((x) => {
      const h = asRecord(x);
      return { storeId: str(h.storeId), reason: str(h.reason) };
    }),
  };
}

/** Answers when the run has finished (the cloud runs it inside the request); 409 while another runs. */
export async function startRun(storeIds?: string[]): Promise<Run> {
  return asRun(await api('/replenishment/runs', { body: storeIds ? { storeIds } : {} }));
}

export async function getRun(id: string): Promise<Run> {
  return asRun(await api(`/replenishment/runs/${encodeURIComponent(id)}`));
}

export async function listRuns(limit = 10): Promise<Array<RunSummary & { proposals: number }>> {
  return asArray(asRecord(await api(`/replenishment/runs${q({ limit })}`)).runs).map((x) => {
    const r = asRecord(x);
    return { ...asRunSummary(r), proposals: num(r.proposals) };
  });
}

export interface Approved {
  storeId: string;
  id: string;
  /** `existed`: an earlier approval made it; this one created nothing. */
  status: 'created' | 'existed';
  lines: number;
}

export async function approveRun(id: string, storeIds?: string[]): Promise<Approved[]> {
  const r = asRecord(
    await api(`/replenishment/runs/${encodeURIComponent(id)}/approve`, {
      body: storeIds ? { storeIds } : {},
    }),
  );
  return asArray(r.deliveries).map((x) => {
    const d = asRecord(x);
    return {
      storeId: str(d.storeId),
      id: str(d.id),
      status: d.status === 'existed' ? 'existed' : 'created',
      lines: num(d.lines),
    };
  });
}
// --- Prices over time (CONTRACT.md v2 "Prices over time") --------------------------------------
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
