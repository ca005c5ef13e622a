// Deliveries and transfers (CONTRACT.md v2 "Deliveries, transfers, replenishment").
import { asArray, asRecord, type Json, num, optString, str } from '../json.js';
import { api, q } from './client.js';

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
