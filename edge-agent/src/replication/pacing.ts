// The shipper's waits after an answer other than "applied": the cloud's 429/503 pacing and backoff on failure.
import type { Backoff } from '@store-edge/protocol';
import type { AgentParts } from '../agent.js';
import type { ReplicaWriter } from '../ledger/replica.js';
import type { CloudClient } from './cloud-client.js';
import type { ShipperReport } from './shipper-status.js';

/** What the waits read and report to. */
export interface PacingParts {
  parts: AgentParts;
  writer: ReplicaWriter;
  cloud: CloudClient;
  report: ShipperReport;
  /** Full jitter from 250 ms, doubling to replication.maxBackoffMs (protocol/src/retry.ts). */
  backoff: Backoff;
}

/** Waits `ms`, or less when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Waits what the cloud's Retry-After asked (draft-ietf-httpapi-ratelimit-headers; RFC 9110
 * §10.2.3), at most maxBackoffMs, plus up to a quarter second of jitter so the stores held
 * back together do not all return in the same instant. Not a failure: the backoff is not
 * escalated and the ledger records no error.
 */
export async function paced(
  p: PacingParts,
  status: number,
  retryAfterMs: number,
  detail: string,
  signal: AbortSignal,
): Promise<void> {
  const s = p.report.status;
  const wait = Math.round(
    Math.min(retryAfterMs, p.parts.settings.replication.maxBackoffMs) + Math.random() * 250,
  );
  p.parts.metrics.replicationPaced.inc();
  s.state = 'backoff';
  s.lastError = `the cloud asks this store to slow down (HTTP ${status}: ${detail}); next batch in ${wait} ms`;
  s.nextRetryAt = new Date(Date.now() + wait).toISOString();
  p.report.emit();
  await sleep(wait, signal);
  s.nextRetryAt = null;
}

/** A failure: records it, and waits the next backoff step (less if the cloud answers a probe again). */
export async function failed(p: PacingParts, message: string, signal: AbortSignal): Promise<void> {
  const s = p.report.status;
  // Full jitter: stores that lost the same link do not all come back in the same second.
  const wait = Math.round(p.backoff.next());
  s.state = 'backoff';
  s.lastError = message;
  s.nextRetryAt = new Date(Date.now() + wait).toISOString();
  p.report.emit();
  await p.writer.call('setError', message).catch(() => {});
  // While waiting, probe the cloud: once it answers again, retry at once.
  const deadline = Date.now() + wait;
  while (!signal.aborted && Date.now() < deadline) {
    await sleep(Math.min(1000, deadline - Date.now()), signal);
    if (!s.online && (await p.cloud.probe())) break;
  }
  s.nextRetryAt = null;
}
