// Reservations and webhooks (CONTRACT.md "Cloud HTTP API").
import { asRecord, type Json, num, str } from '../json.js';
import { api } from './client.js';

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
