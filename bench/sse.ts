// Issue 14, must-show 5: 1,000 server-sent event streams that never read while 20,000
// movements are posted. Prints the agent's RSS (baseline after a warm-up, peak while flooded)
// for the agent as shipped and, as the raw comparison in the same run, for the same agent
// with the slow-reader bound lifted (what it did before: write into every stream whatever the
// reader takes). `npm run bench -- sse [--readers N] [--movements N] [--buffered BYTES]
// [--only bounded|unbounded|defaults]`
import { makeTempDir, sseFlood, startAgent } from '@store-edge/testing';
import { report } from './_report.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}
const readers = Number(arg('readers', '1000'));
const movements = Number(arg('movements', '20000'));
const only = arg('only', '');
/** events.maxBufferedBytes of the bounded variant (default: the shipped default). */
const buffered = arg('buffered', '');

const ITEM = { name: 'Bench water', gtins: ['4006381333931'], price: { amount: '0.89', currency: 'EUR' } };

const variants: Array<{ name: string; env: Record<string, string>; readers?: number }> = [
  // The same posting with no stream at all: what the agent needs anyway.
  { name: 'none', env: {}, readers: 0 },
  {
    // All readers admitted, so the slow-reader bound alone has to hold memory.
    name: 'bounded',
    env: {
      STORE_EDGE_EVENTS_MAX_STREAMS: String(readers),
      STORE_EDGE_EVENTS_MAX_STREAMS_PER_USER: String(readers),
      ...(buffered ? { STORE_EDGE_EVENTS_MAX_BUFFERED_BYTES: buffered } : {}),
    },
  },
  {
    // The shipped defaults: the caps refuse most readers at the door.
    name: 'defaults',
    env: {},
  },
  {
    name: 'unbounded',
    env: {
      STORE_EDGE_EVENTS_MAX_STREAMS: String(readers),
      STORE_EDGE_EVENTS_MAX_STREAMS_PER_USER: String(readers),
      STORE_EDGE_EVENTS_MAX_BUFFERED_BYTES: String(2 ** 40),
    },
  },
];

const results = new Map<string, number>();
for (const v of variants) {
  if (only && v.name !== only) continue;
  const dir = makeTempDir('store-edge-bench-sse-');
  const agent = await startAgent({
    dataDir: dir.path,
    env: { STORE_EDGE_LOG_LEVEL: 'warn', ...v.env },
    readyTimeoutMs: 60_000,
  });
  try {
    const login = await fetch(`${agent.baseUrl}/api/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'admin-test-password' }),
    });
    const { token } = (await login.json()) as { token: string };
    await fetch(`${agent.baseUrl}/api/v1/items/SKU-1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(ITEM),
    });
    const r = await sseFlood({ agent, token, sku: 'SKU-1', readers: v.readers ?? readers, movements });
    const dropped = Number(
      /^store_edge_event_streams_dropped_total\{reason="slow"\} (\d+)$/m.exec(r.metrics)?.[1] ?? 0,
    );
    const refused = [
      ...r.metrics.matchAll(/^store_edge_event_streams_refused_total\{cap="\w+"\} (\d+)$/gm),
    ].reduce((a, m) => a + Number(m[1]), 0);
    const extra = {
      variant: v.name,
      readers: v.readers ?? readers,
      movements,
      openedRssMiB: Math.round(r.openedRss / 2 ** 20),
      streamsOpened: r.streamsOpened,
      dropped,
      refused,
      posted: r.posted,
      alive: r.alive,
      stockStatus: r.stockStatus,
      consoleStatus: r.consoleStatus,
      postSeconds: Math.round(r.postMs) / 1000,
      exit: r.alive ? null : await agent.exited,
    };
    results.set(v.name, r.peakRss);
    report({
      name: `sse ${v.name}: agent RSS baseline`,
      value: r.baselineRss / 2 ** 20,
      unit: 'MiB',
      ...extra,
    });
    report({ name: `sse ${v.name}: agent RSS peak`, value: r.peakRss / 2 ** 20, unit: 'MiB', ...extra });
  } finally {
    agent.kill('SIGKILL');
    await agent.exited;
    dir.remove();
  }
}
const unbounded = results.get('unbounded');
const bounded = results.get('bounded');
if (unbounded !== undefined && bounded !== undefined) {
  report({
    name: 'sse bounded peak RSS against the unbounded agent (same run)',
    value: bounded / 2 ** 20,
    unit: 'MiB',
    limit: unbounded / 2 ** 20,
    ratio: bounded / unbounded,
  });
}
