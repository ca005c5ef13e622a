// A light store client of the fleet bench: the replication protocol as the edge's shipper speaks it, without an agent.
import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { gzipSync } from 'node:zlib';
import {
  AGENT_INSTANCE_HEADER,
  Backoff,
  type Movement,
  parseRetryAfter,
  type ReplicationRecord,
} from '../protocol/src/index.js';
import { postBody } from './_http.js';

/** Distinct skus the simulated stores move. */
const SKUS = 2000;

/** Keep-alive connections for `stores` clients and a few admin calls. */
export function fleetAgent(stores: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: stores + 8 });
}

export async function post(
  agent: Agent,
  base: URL,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<{ status: number; text: string; retryAfterMs: number | null }> {
  // The edge's own deadline per batch (edge-agent CloudClient).
  const res = await postBody(agent, base, path, headers, body, 30_000);
  return {
    status: res.status,
    text: res.text,
    retryAfterMs: parseRetryAfter(res.headers['retry-after'] ?? null),
  };
}

export function makeMovement(store: number, seq: number): Movement {
  const k = (store * 7919 + seq) % SKUS;
  const sale = seq % 4 === 0;
  return {
    id: randomUUID(),
    type: sale ? 'sale' : 'receive',
    sku: `SKU-${k}`,
    location: seq % 3 === 0 ? 'backroom' : 'salesfloor',
    qty: sale ? 1 : 1 + (seq % 6),
    at: new Date(Date.UTC(2026, 11, 5, 8, 0, 0) + seq * 1000).toISOString(),
    source: 'fleet-bench',
  };
}

export interface Stats {
  latencies: number[];
  byStatus: Map<string, number>;
  gaps: number;
  retries: number;
  movements: number;
}
export const newStats = (): Stats => ({
  latencies: [],
  byStatus: new Map(),
  gaps: 0,
  retries: 0,
  movements: 0,
});
const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

export class Store {
  /** Records not acknowledged yet, oldest first (the edge's outbox). */
  readonly outbox: ReplicationRecord[] = [];
  nextSeq = 1;
  applied = 0;
  private readonly headers: Record<string, string>;
  /**
   * The body of the batch at the head of the outbox, kept for resends. A real store builds and
   * compresses its batch on its own machine; here all stores share the cloud's two cores, so a
   * batch refused 503 is not compressed again for every resend (the refusals of a catch-up
   * outnumber the batches: that alone took a core from the cloud).
   */
  private body: { firstSeq: number; count: number; gz: Buffer } | null = null;

  constructor(
    readonly index: number,
    readonly id: string,
    token: string,
    private readonly base: URL,
    private readonly agent: Agent,
    /** Records per batch at most (the edge's batch size). */
    private readonly batchSize: number,
  ) {
    this.headers = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      [AGENT_INSTANCE_HEADER]: `fleet-${id}`,
    };
  }

  make(n: number): void {
    for (let i = 0; i < n; i++) {
      const seq = this.nextSeq++;
      this.outbox.push({ seq, movement: makeMovement(this.index, seq) });
    }
  }

  /** The next batch's records and its gzip body (built once per batch, not per send). */
  nextBatch(): { batch: ReplicationRecord[]; body: Buffer } {
    const batch = this.outbox.slice(0, this.batchSize);
    const firstSeq = batch[0]?.seq ?? 0;
    if (this.body?.firstSeq !== firstSeq || this.body.count !== batch.length) {
      this.body = {
        firstSeq,
        count: batch.length,
        gz: gzipSync(JSON.stringify({ records: batch }), { level: 1 }),
      };
    }
    return { batch, body: this.body.gz };
  }

  /** Ships the outbox until empty, as the edge's shipper does: in order, resending on a gap. */
  async drain(stats: Stats, stopAt = Number.POSITIVE_INFINITY): Promise<void> {
    // The edge shipper's backoff: full jitter from 250 ms, doubling to 30 s.
    const backoff = new Backoff({ baseMs: 250, capMs: 30_000 });
    while (this.outbox.length > 0 && performance.now() < stopAt) {
      const { body } = this.nextBatch();
      const started = performance.now();
      let status = 0;
      let text = '';
      let retryAfterMs: number | null = null;
      try {
        ({ status, text, retryAfterMs } = await post(
          this.agent,
          this.base,
          `/v1/stores/${this.id}/replication/batches`,
          this.headers,
          body,
        ));
      } catch (err) {
        bump(stats.byStatus, `network:${(err as Error).message.slice(0, 40)}`);
      }
      if (status === 200) {
        stats.latencies.push(performance.now() - started);
        const applied = (JSON.parse(text) as { appliedSeq: number }).appliedSeq;
        const done = this.outbox.findIndex((r) => r.seq > applied);
        const acked = done === -1 ? this.outbox.length : done;
        stats.movements += acked;
        this.outbox.splice(0, acked);
        this.applied = applied;
        backoff.reset();
        continue;
      }
      if (status !== 0) bump(stats.byStatus, String(status));
      if (status === 409) {
        const problem = JSON.parse(text) as { code?: string; expectedSeq?: number };
        bump(stats.byStatus, `409:${problem.code}`);
        if (problem.code === 'sequence-gap' && problem.expectedSeq !== undefined) {
          // Never happens to a client that keeps its outbox; counted, and followed like the edge.
          stats.gaps++;
          const from = problem.expectedSeq;
          while ((this.outbox[0]?.seq ?? from) < from) this.outbox.shift();
          continue;
        }
      }
      stats.retries++;
      // As the edge's shipper (shipper.ts `paced`): a 429 or 503 with Retry-After waits that
      // long plus up to 250 ms of jitter, without escalating the backoff; anything else backs off.
      const wait =
        (status === 429 || status === 503) && retryAfterMs !== null
          ? Math.min(retryAfterMs, 30_000) + Math.random() * 250
          : backoff.next();
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
