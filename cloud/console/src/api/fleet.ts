// Fleet (CONTRACT.md v2): every store's status, one store's health, its backlog chart.
import { asArray, asRecord, type Json, num, optNum, optString, str } from '../json.js';
import { api, q } from './client.js';

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
