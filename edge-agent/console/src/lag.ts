import type { Replication } from './api.js';

/** Seconds the oldest unsent movement has waited: what the cloud does not know yet. */
export function lagSeconds(r: Replication, now = Date.now()): number {
  if (r.pending === 0 || !r.oldestPendingAt) return 0;
  return Math.max(0, (now - new Date(r.oldestPendingAt).getTime()) / 1000);
}

export interface LagSample {
  at: string;
  pending: number;
  lagSeconds: number;
}

export const HOURS = 6;
const KEY = 'store-console.lag-samples';

/**
 * Lag samples this browser took while a console page was open: the fallback when the agent
 * keeps no history of its own (`GET /replication/history`).
 */
export function recordSample(r: Replication, now = Date.now()): void {
  const samples = localSamples(now);
  const last = samples[samples.length - 1];
  if (last && now - new Date(last.at).getTime() < 10_000) return;
  samples.push({ at: new Date(now).toISOString(), pending: r.pending, lagSeconds: lagSeconds(r, now) });
  try {
    localStorage.setItem(KEY, JSON.stringify(samples.slice(-3000)));
  } catch {
    // storage full: the graph shows less history
  }
}

export function localSamples(now = Date.now()): LagSample[] {
  try {
    const all = JSON.parse(localStorage.getItem(KEY) ?? '[]') as LagSample[];
    return all.filter((s) => now - new Date(s.at).getTime() <= HOURS * 3600_000);
  } catch {
    return [];
  }
}
