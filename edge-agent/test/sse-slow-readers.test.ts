import { type AgentProcess, makeTempDir, sseFlood, startAgent, type TempDir } from '@store-edge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ITEM } from './helpers.js';

// Issue 14, must-show 5, against `store-edge edge` as a child process under the flags `npm
// start` uses (--max-old-space-size=128). The agent before this change wrote every event into
// every stream whatever its reader took, and died of heap exhaustion (SIGABRT) within seconds
// of the first movements; `npm run bench -- sse` prints the figures of both.
const READERS = 1000;
const MOVEMENTS = 20_000;
const MiB = 2 ** 20;

let agent: AgentProcess;
let dir: TempDir;

beforeAll(async () => {
  dir = makeTempDir('store-edge-sse-');
  agent = await startAgent({
    dataDir: dir.path,
    // A loaded CI machine (2 cores, parallel test files) can take longer than the default 20 s.
    readyTimeoutMs: 90_000,
    // Every reader admitted (the caps would refuse most at the door), so the slow-reader bound
    // alone has to keep the agent's memory in hand.
    env: {
      STORE_EDGE_EVENTS_MAX_STREAMS: String(READERS),
      STORE_EDGE_EVENTS_MAX_STREAMS_PER_USER: String(READERS),
      STORE_EDGE_LOG_LEVEL: 'warn',
    },
  });
}, 120_000);

afterAll(async () => {
  agent?.kill('SIGKILL');
  await agent?.exited;
  dir?.remove();
});

describe('event streams that never read', () => {
  it(`${READERS} silent readers while ${MOVEMENTS} movements are posted: memory bounded, API and console answer, readers dropped and counted`, {
    timeout: 240_000,
  }, async () => {
    const login = await fetch(`${agent.baseUrl}/api/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'admin-test-password' }),
    });
    const { token } = (await login.json()) as { token: string };
    const put = await fetch(`${agent.baseUrl}/api/v1/items/SKU-1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(ITEM),
    });
    expect(put.status).toBe(200);

    const r = await sseFlood({ agent, token, sku: 'SKU-1', readers: READERS, movements: MOVEMENTS });
    process.stdout.write(
      `sse flood: agent RSS baseline ${(r.baselineRss / MiB).toFixed(0)} MiB, with ${r.streamsOpened} streams open ${(r.openedRss / MiB).toFixed(0)} MiB, peak while posting ${(r.peakRss / MiB).toFixed(0)} MiB; ${r.posted} movements in ${(r.postMs / 1000).toFixed(1)} s\n`,
    );

    expect(r.streamsOpened).toBe(READERS);
    expect(r.alive).toBe(true);
    expect(r.posted).toBe(MOVEMENTS);
    expect(r.stockStatus).toBe(200);
    expect(r.consoleStatus).toBe(200);
    // Every silent reader fell behind and was closed, and /metrics says so.
    expect(r.metrics).toMatch(
      new RegExp(`^store_edge_event_streams_dropped_total\\{reason="slow"\\} ${READERS}$`, 'm'),
    );
    expect(r.metrics).toMatch(/^store_edge_event_streams 0$/m);
    // Generous: less than 64 KiB per silent reader (measured here: ~20 KiB; the agent without
    // the bound aborted on its 128 MiB heap before it had answered a movement).
    expect(r.peakRss - r.baselineRss).toBeLessThan(READERS * 64 * 1024);

    // The stock is right: the warm-up's 2000 and the flood's movements, each once.
    const stock = await fetch(`${agent.baseUrl}/api/v1/stock?sku=SKU-1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await stock.json()) as { items: Array<{ onHand: number }> };
    expect(body.items[0]?.onHand).toBe(2000 + MOVEMENTS);
  });
});
