// Runs `store-edge edge` as a child process, exactly as `npm start` would (tests, benchmarks).
import { freePort } from './ports.js';
import {
  type StoreEdgeProcess,
  spawnStoreEdge,
  startOnFreePorts,
  waitUntilReady,
} from './store-edge-process.js';

export interface AgentProcess extends StoreEdgeProcess {
  httpPort: number;
  mqttPort: number;
  baseUrl: string;
}

export interface StartAgentOptions {
  dataDir: string;
  env?: Record<string, string>;
  args?: string[];
  httpPort?: number;
  mqttPort?: number;
  /** Wait for /readyz (default true). */
  waitReady?: boolean;
  readyTimeoutMs?: number;
}

/** Starts the agent and, unless told not to, waits until it answers /readyz (default: within 20 s). */
export async function startAgent(opts: StartAgentOptions): Promise<AgentProcess> {
  return startOnFreePorts(opts.httpPort === undefined && opts.mqttPort === undefined, () =>
    startAgentOnce(opts),
  );
}

async function startAgentOnce(opts: StartAgentOptions): Promise<AgentProcess> {
  const httpPort = opts.httpPort ?? (await freePort());
  const mqttPort = opts.mqttPort ?? (await freePort());
  const proc = spawnStoreEdge({
    nodeArgs: [
      // The flags `npm start` and the container use: a small young generation keeps a store
      // node's memory low (docs/operations.md).
      '--max-semi-space-size=4',
      '--max-old-space-size=128',
      // Extra V8/Node flags for the agent only, e.g. `--cpu-prof` when profiling a benchmark.
      ...(process.env.STORE_EDGE_AGENT_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
    ],
    args: ['edge', ...(opts.args ?? [])],
    env: {
      NODE_ENV: 'production',
      STORE_EDGE_DATA_DIR: opts.dataDir,
      STORE_EDGE_HTTP_HOST: '127.0.0.1',
      STORE_EDGE_HTTP_PORT: String(httpPort),
      STORE_EDGE_MQTT_PORT: String(mqttPort),
      STORE_EDGE_ADMIN_PASSWORD: 'admin-test-password',
      ...opts.env,
    },
  });
  const agent: AgentProcess = { ...proc, httpPort, mqttPort, baseUrl: `http://127.0.0.1:${httpPort}` };
  if (opts.waitReady !== false) {
    await waitUntilReady(agent, agent.baseUrl, {
      name: 'agent',
      timeoutMs: opts.readyTimeoutMs ?? 20_000,
      pollMs: 50,
    });
  }
  return agent;
}
