// Runs `store-edge cloud` as a child process, exactly as a deployment would (tests, benchmarks).
import { createTestDatabase } from './mysql.js';
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
  /** Node flags before the script (a deployment's, e.g. Dockerfile.cloud's). */
  nodeArgs?: string[];
}

/** Starts the cloud and waits until it answers /readyz (default: within 30 s). */
export async function startCloudProcess(opts: StartCloudOptions): Promise<CloudProcess> {
  return startOnFreePorts(opts.port === undefined, () => startCloudOnce(opts));
}

async function startCloudOnce(opts: StartCloudOptions): Promise<CloudProcess> {
  const port = opts.port ?? (await freePort());
  const proc = spawnStoreEdge({
    // STORE_EDGE_CLOUD_NODE_FLAGS: for profiling a benchmark, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    nodeArgs: [
      ...(opts.nodeArgs ?? []),
      ...(process.env.STORE_EDGE_CLOUD_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
    ],
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

/** A cloud process on a throw-away database, with one tenant and its stores created. */
export interface CloudWithStores {
  cloud: CloudProcess;
  /** Each store's bearer token, by store id. */
  tokens: Record<string, string>;
  /** Stops the cloud and drops its database. */
  stop(): Promise<void>;
}

/**
 * Starts `store-edge cloud` (with `env`) on a new database of `serverUrl` and creates tenant `t`
 * with `stores` through the admin API, as an operator would.
 */
export async function startCloudWithStores(
  serverUrl: string,
  opts: { adminToken: string; stores: string[]; env?: Record<string, string>; dbPrefix?: string },
): Promise<CloudWithStores> {
  const db = await createTestDatabase(serverUrl, opts.dbPrefix ?? 'se_cloud');
  const cloud = await startCloudProcess({
    mysqlUrl: db.url,
    adminToken: opts.adminToken,
    ...(opts.env ? { env: opts.env } : {}),
  });
  const admin = { authorization: `Bearer ${opts.adminToken}`, 'content-type': 'application/json' };
  const post = async (path: string, body: unknown) => {
    const r = await fetch(`${cloud.baseUrl}/v1${path}`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify(body),
    });
    if (r.status !== 201) throw new Error(`POST ${path}: ${r.status} ${await r.text()}`);
    return (await r.json()) as Record<string, unknown>;
  };
  await post('/tenants', { id: 't', name: 'T' });
  const tokens: Record<string, string> = {};
  for (const id of opts.stores)
    tokens[id] = (await post('/stores', { id, tenantId: 't', name: id })).token as string;
  return {
    cloud,
    tokens,
    stop: async () => {
      await cloud.stop();
      await db.drop();
    },
  };
}
