import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AgentProcess } from './agent-process.js';
import { openSilentReaders } from './silent-readers.js';

/** VmRSS of a process in bytes (proc(5)); 0 once it is gone. */
export function rssOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

export interface SseFloodResult {
  /** Agent RSS before any stream, after a warm-up of the same posting. */
  baselineRss: number;
  /** Agent RSS once the readers are connected, before the movements. */
  openedRss: number;
  /** Highest agent RSS sampled while the readers were open and the movements went in. */
  peakRss: number;
  /** Streams the agent had open once all readers had connected. */
  streamsOpened: number;
  /** Movements answered 200 (all of them, unless the agent went down). */
  posted: number;
  /** The agent's metrics at the end (text), or '' when it no longer answers. */
  metrics: string;
  /** Status of GET /api/v1/stock and GET / at the end (0: no answer). */
  stockStatus: number;
  consoleStatus: number;
  /** The agent process still runs. */
  alive: boolean;
  postMs: number;
}

function post(agent: AgentProcess, token: string, body: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: agent.httpPort,
        path: '/api/v1/movements',
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

async function status(url: string, token?: string): Promise<number> {
  try {
    const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** The gauge of open event streams, or -1 when /metrics does not answer. */
async function openStreams(agent: AgentProcess): Promise<number> {
  try {
    const text = await (await fetch(`${agent.baseUrl}/metrics`)).text();
    return Number(/^store_edge_event_streams (\d+)$/m.exec(text)?.[1] ?? -1);
  } catch {
    return -1;
  }
}

/**
 * Must-show 5 of issue 14 as a scenario the test and the benchmark share: `readers` event
 * streams that never read, while `movements` receipts of `sku` are posted (batches of 100,
 * 4 at a time); the agent's RSS is sampled throughout.
 */
export async function sseFlood(opts: {
  agent: AgentProcess;
  token: string;
  sku: string;
  readers: number;
  movements: number;
}): Promise<SseFloodResult> {
  const { agent, token } = opts;
  const pid = agent.child.pid;
  const batch = (n: number) =>
    JSON.stringify({
      movements: Array.from({ length: n }, () => ({
        id: randomUUID(),
        type: 'receive',
        sku: opts.sku,
        qty: 1,
        location: 'store',
      })),
    });
  const postAll = async (total: number): Promise<number> => {
    let ok = 0;
    let left = total;
    const worker = async () => {
      while (left > 0) {
        const n = Math.min(100, left);
        left -= n;
        if ((await post(agent, token, batch(n))) === 200) ok += n;
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    return ok;
  };

  // Warm-up: the same work without streams, so the baseline includes what posting itself costs.
  await postAll(2000);
  const baselineRss = rssOf(pid);

  const readers = await openSilentReaders({
    port: agent.httpPort,
    path: '/api/v1/events',
    headers: { authorization: `Bearer ${token}` },
    count: opts.readers,
  });
  let streamsOpened = 0;
  for (let i = 0; i < 400 && opts.readers > 0; i++) {
    streamsOpened = await openStreams(agent);
    if (streamsOpened >= opts.readers) break;
    await new Promise((r) => setTimeout(r, 25));
  }

  const openedRss = rssOf(pid);
  let peakRss = openedRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, rssOf(pid));
  }, 20);
  const t0 = performance.now();
  let posted = 0;
  try {
    posted = await postAll(opts.movements);
  } finally {
    clearInterval(sampler);
  }
  const postMs = performance.now() - t0;
  peakRss = Math.max(peakRss, rssOf(pid));

  const stockStatus = await status(`${agent.baseUrl}/api/v1/stock?sku=${opts.sku}`, token);
  const consoleStatus = await status(`${agent.baseUrl}/`);
  let metrics = '';
  try {
    metrics = await (await fetch(`${agent.baseUrl}/metrics`)).text();
  } catch {
    // the agent is gone; `alive` says so
  }
  readers.close();
  return {
    baselineRss,
    openedRss,
    peakRss,
    streamsOpened,
    posted,
    metrics,
    stockStatus,
    consoleStatus,
    alive: agent.child.exitCode === null && agent.child.signalCode === null,
    postMs,
  };
}
