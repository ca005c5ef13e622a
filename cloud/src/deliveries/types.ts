// The deliveries' and transfers' shapes: views answered by the API, request bodies, and database rows.
import type { PoolConnection } from '../db.js';

export type DeliveryStatus = 'open' | 'receiving' | 'closed';

export interface DeliveryLine {
  sku: string;
  expected: number;
  received: number;
  damaged: number;
  short: number;
  over: number;
}

export interface DeliveryView {
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

export interface NewDeliveryBody {
  id: string;
  storeId: string;
  kind?: 'purchase';
  supplier?: string;
  expectedAt?: string;
  lines: Array<{ sku?: string; gtin?: string; qty: number }>;
}

export interface ReceiptBody {
  closedAt: string;
  closedBy: string;
  asOfSeq: number;
  lines: Array<{
    sku: string;
    expected: number;
    received: number;
    damaged: number;
    short: number;
    over: number;
  }>;
}

export interface TransferBody {
  toStoreId: string;
  shippedAt: string;
  asOfSeq: number;
  lines: Array<{ sku: string; qty: number }>;
}

export interface TransferLine {
  sku: string;
  shipped: number;
  received: number;
  short: number;
  inTransit: number;
}

export interface TransferView {
  id: string;
  fromStoreId: string;
  toStoreId: string;
  status: 'in-transit' | 'received';
  shippedAt: string;
  receivedAt: string | null;
  ageSeconds: number;
  lines: TransferLine[];
}

export interface DeliveryRow {
  store_id: string;
  id: string;
  tenant_id: string;
  kind: 'purchase' | 'transfer';
  from_store_id: string | null;
  supplier: string | null;
  expected_at: Date | string | null;
  status: string;
  created_at: Date | string;
  closed_at: Date | string | null;
}

export interface TransferRow {
  store_id: string;
  id: string;
  tenant_id: string;
  to_store_id: string;
  shipped_at: Date | string;
  status: 'in-transit' | 'received';
  received_at: Date | string | null;
  age_s: number;
}

export type Queryable = Pick<PoolConnection, 'query'>;
