// Runs `store-edge cloud` as a child process, exactly as a deployment would (tests, benchmarks).
import { freePort } from './ports.js';
import {
  type StoreEdgeProcess,
  spawnStoreEdge,
  startOnFreePorts,
  waitUntilReady,
} from './store-edge-process.js';

export interface CloudProcess extends StoreEdgeProcess {
  port: number;
  baseUrl: string;
}

export interface StartCloudOptions {
  mysqlUrl: string;
  adminToken: string;
  env?: Record<string, string>;
  args?: string[];
  readyTimeoutMs?: number;
  /** A fixed port (to restart the cloud where the edge expects it); default: a free one. */
  port?: number;
}

/** Starts the cloud and waits until it answers /readyz (default: within 30 s). */
export async function startCloudProcess(opts: StartCloudOptions): Promise<CloudProcess> {
  return startOnFreePorts(opts.port === undefined, () => startCloudOnce(opts));
}

async function startCloudOnce(opts: StartCloudOptions): Promise<CloudProcess> {
  const port = opts.port ?? (await freePort());
  const proc = spawnStoreEdge({
    // STORE_EDGE_CLOUD_NODE_FLAGS: for profiling a benchmark, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    nodeArgs: process.env.STORE_EDGE_CLOUD_NODE_FLAGS?.split(' ').filter(Boolean) ?? [],
    args: ['cloud', ...(opts.args ?? [])],
    env: {
      NODE_ENV: 'production',
      STORE_EDGE_MYSQL_URL: opts.mysqlUrl,
      STORE_EDGE_ADMIN_TOKEN: opts.adminToken,
      STORE_EDGE_CLOUD_PORT: String(port),
      STORE_EDGE_CLOUD_HOST: '127.0.0.1',
      ...opts.env,
    },
  });
  const cloud: CloudProcess = { ...proc, port, baseUrl: `http://127.0.0.1:${port}` };
  await waitUntilReady(cloud, cloud.baseUrl, {
    name: 'store-edge cloud',
    timeoutMs: opts.readyTimeoutMs ?? 30_000,
    pollMs: 100,
  });
  return cloud;
}
