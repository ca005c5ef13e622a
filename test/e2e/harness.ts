// End-to-end harness: a real cloud process on MariaDB and real edge agent processes.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  type AgentProcess,
  type CloudProcess,
  createTestDatabase,
  holdPort,
  makeTempDir,
  startAgent,
  startCloudProcess,
  type TempDir,
  type TestDatabase,
} from '@store-edge/testing';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { afterEach, inject } from 'vitest';

export const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';
export const SKUS = ['A', 'B', 'C', 'D'];

export interface Stack {
  db: TestDatabase;
  cloud: CloudProcess | null;
  storeId: string;
  tenantId: string;
  storeToken: string;
  startCloud(opts?: { port?: number; env?: Record<string, string> }): Promise<CloudProcess>;
  /**
   * Stops the cloud (SIGTERM, or SIGKILL with `kill`) and keeps its port taken until
   * `startCloud({ port })` starts it there again: meanwhile connections are reset, as when
   * nothing listens, and no parallel test can take the port the edge is configured with.
   */
  stopCloud(opts?: { kill?: boolean }): Promise<number>;
  stop(): Promise<void>;
}

export async function adminCall(cloud: CloudProcess, method: string, path: string, body?: unknown) {
  const r = await fetch(`${cloud.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  return { status: r.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** A fresh database, the cloud running on it, a tenant and a store with its token. */
export type Cleanup = () => Promise<void> | void;

/**
 * The test file's cleanups, run newest first after each test: processes, proxies and temp
 * dirs a test started go away even when it fails half-way.
 */
export function cleanupAfterEach(): Cleanup[] {
  const cleanups: Cleanup[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return cleanups;
}

/** A cloud stack on `serverUrl` (the shared MariaDB by default) and an edge data dir. */
export async function stackWithDir(
  cleanups: Cleanup[],
  prefix: string,
  serverUrl: string = inject('mysqlUrl'),
): Promise<{ stack: Stack; dir: TempDir }> {
  const stack = await startStack(serverUrl);
  const dir = makeTempDir(prefix);
  cleanups.push(
    () => stack.stop(),
    () => dir.remove(),
  );
  return { stack, dir };
}

export async function startStack(serverUrl: string, storeId = 'store-e2e'): Promise<Stack> {
  const db = await createTestDatabase(serverUrl, 'se_e2e');
  const held = new Map<number, { release(): Promise<void> }>();
  const stack: Stack = {
    db,
    cloud: null,
    storeId,
    tenantId: 'tenant-e2e',
    storeToken: '',
    startCloud: async (opts = {}) => {
      if (opts.port !== undefined) {
        await held.get(opts.port)?.release();
        held.delete(opts.port);
      }
      stack.cloud = await startCloudProcess({
        mysqlUrl: db.url,
        adminToken: ADMIN_TOKEN,
        port: opts.port,
        env: { STORE_EDGE_LOG_LEVEL: 'warn', ...opts.env },
      });
      return stack.cloud;
    },
    stopCloud: async (opts = {}) => {
      const cloud = stack.cloud;
      if (!cloud) throw new Error('no cloud running');
      if (opts.kill) {
        cloud.kill('SIGKILL');
        await cloud.exited;
      } else await cloud.stop();
      held.set(cloud.port, await holdPort(cloud.port));
      return cloud.port;
    },
    stop: async () => {
      await stack.cloud?.stop();
      for (const h of held.values()) await h.release();
      await db.drop().catch(() => {});
    },
  };
  const cloud = await stack.startCloud();
  const t = await adminCall(cloud, 'POST', '/v1/tenants', { id: stack.tenantId, name: 'E2E' });
  if (t.status !== 201) throw new Error(`tenant: ${t.status} ${JSON.stringify(t.body)}`);
  const s = await adminCall(cloud, 'POST', '/v1/stores', {
    id: storeId,
    tenantId: stack.tenantId,
    name: 'E2E store',
  });
  if (s.status !== 201) throw new Error(`store: ${s.status} ${JSON.stringify(s.body)}`);
  stack.storeToken = String(s.body.token);
  return stack;
}

export async function startEdge(
  stack: Stack,
  dataDir: string,
  cloudUrl: string,
  env: Record<string, string> = {},
): Promise<AgentProcess> {
  return startAgent({
    dataDir,
    // Test runs share a small machine: a start under load takes longer than the default 20 s.
    readyTimeoutMs: 120_000,
    env: {
      STORE_EDGE_STORE_ID: stack.storeId,
      STORE_EDGE_CLOUD_URL: cloudUrl,
      STORE_EDGE_CLOUD_TOKEN: stack.storeToken,
      STORE_EDGE_LOG_LEVEL: 'warn',
      STORE_EDGE_MQTT_PORT: '0',
      ...env,
    },
  });
}

export async function edgeToken(edge: AgentProcess): Promise<string> {
  const r = await fetch(`${edge.baseUrl}/api/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'admin-test-password' }),
  });
  return ((await r.json()) as { token: string }).token;
}

export async function edgeApi(
  edge: AgentProcess,
  token: string,
  method: string,
  path: string,
  body?: unknown,
) {
  const r = await fetch(`${edge.baseUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  return {
    status: r.status,
    body: (text ? JSON.parse(text) : {}) as Record<string, unknown> & { [k: string]: unknown },
  };
}

export async function createItems(edge: AgentProcess, token: string): Promise<void> {
  for (const sku of SKUS) {
    const r = await edgeApi(edge, token, 'PUT', `/items/${sku}`, {
      name: `Item ${sku}`,
      gtins: [],
      price: { amount: '1.00', currency: 'EUR' },
    });
    if (r.status !== 200) throw new Error(`item ${sku}: ${r.status}`);
  }
}

/** Mixed receipts and sales over several skus and locations, in batches of up to 1000. */
export async function makeMovements(
  edge: AgentProcess,
  token: string,
  n: number,
  batch = 1000,
): Promise<number> {
  let made = 0;
  while (made < n) {
    const size = Math.min(batch, n - made);
    const movements = Array.from({ length: size }, (_, i) => {
      const k = made + i;
      const sku = SKUS[k % SKUS.length] as string;
      const location = k % 3 === 0 ? 'backroom' : 'salesfloor';
      return k % 5 === 4
        ? { id: randomUUID(), type: 'sale', sku, location, qty: 1 }
        : { id: randomUUID(), type: 'receive', sku, location, qty: 1 + (k % 3) };
    });
    const r = await edgeApi(edge, token, 'POST', '/movements', { movements });
    if (r.status !== 200) throw new Error(`movements: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    made += size;
  }
  return made;
}

export async function replicationStatus(edge: AgentProcess, token: string) {
  return (await edgeApi(edge, token, 'GET', '/replication')).body as {
    pending: number;
    lastSeq: number;
    lastAckedSeq: number;
    online: boolean;
    lastError: string | null;
    alarm?: string | null;
    catchUp?: unknown;
  };
}

export async function waitReplicated(edge: AgentProcess, token: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await replicationStatus(edge, token);
    if (s.pending === 0 && s.lastAckedSeq === s.lastSeq && s.lastSeq > 0) return;
    if (Date.now() > deadline)
      throw new Error(`not replicated in time: ${JSON.stringify(s)}\n${edge.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Row {
  seq: number;
  id: string;
  type: string;
  sku: string;
  location: string;
  qty: number;
}

/** The edge ledger and the cloud, row for row (id, seq, type, sku, location, qty), and stock. */
export async function readBoth(stack: Stack, dataDir: string) {
  const sqlite = new Database(join(dataDir, 'ledger.sqlite'), { readonly: true });
  const edgeRows = sqlite
    .prepare('SELECT seq, id, type, sku, location, qty FROM movements ORDER BY seq')
    .all() as Row[];
  const edgeStock = sqlite
    .prepare(
      'SELECT sku, location, on_hand AS onHand, reserved FROM stock WHERE on_hand != 0 OR reserved != 0 ORDER BY sku, location',
    )
    .all() as Array<{ sku: string; location: string; onHand: number; reserved: number }>;
  sqlite.close();
  const conn = await mysql.createConnection({ uri: stack.db.url });
  const [cloudRowsRaw] = await conn.query(
    'SELECT seq, id, type, sku, location, qty FROM movements WHERE store_id = ? ORDER BY seq',
    [stack.storeId],
  );
  const [cloudStockRaw] = await conn.query(
    'SELECT sku, location, on_hand AS onHand, reserved FROM stock WHERE store_id = ? AND (on_hand != 0 OR reserved != 0) ORDER BY sku, location',
    [stack.storeId],
  );
  await conn.end();
  const cloudRows = (cloudRowsRaw as Row[]).map((r) => ({ ...r, seq: Number(r.seq), qty: Number(r.qty) }));
  const cloudStock = (
    cloudStockRaw as Array<{ sku: string; location: string; onHand: number; reserved: number }>
  ).map((r) => ({
    ...r,
    onHand: Number(r.onHand),
    reserved: Number(r.reserved),
  }));
  return { edgeRows, cloudRows, edgeStock, cloudStock };
}
