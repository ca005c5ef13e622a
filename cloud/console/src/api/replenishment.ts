// Replenishment runs: start one, read its proposals, approve them into deliveries.
import { asArray, asRecord, type Json, num, optString, str } from '../json.js';
import { api, q } from './client.js';

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
