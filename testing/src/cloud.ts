// The cloud in-process for tests (`@store-edge/testing/cloud`): a migrated throw-away database,
// the app driven with app.inject, and batch builders. Its own entry point, not the package index,
// because it loads the cloud itself: edge and driver tests that import `@store-edge/testing`
// do not pull in the cloud's Fastify app. The cloud as a child process: cloud-process.ts.
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import {
  buildApp,
  ChangeNotifier,
  type CloudApp,
  createMetrics,
  createPool,
  migrate,
  type OidcSettings,
  type Pool,
} from '@store-edge/cloud';
import type { Movement, ReplicationRecord } from '@store-edge/protocol';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from './mysql.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export interface TestCloud {
  app: CloudApp;
  pool: Pool;
  db: TestDatabase;
  notifier: ChangeNotifier;
  close(): Promise<void>;
}

/** A migrated throw-away database and an in-process app (driven with app.inject). */
export async function startTestCloud(
  serverUrl: string,
  opts: {
    /** Bearer JWTs from this issuer (e.g. startOidcProvider's). */
    oidc?: OidcSettings;
    rateLimits?: { perStore?: number; perTenant?: number };
    /** The fleet's clock and offline window (docs/fleet.md); default the system clock and 90 s. */
    clock?: () => Date;
    offlineAfterSeconds?: number;
    ingestAdmission?: { maxInFlight?: number; maxWaiting?: number; maxWaitMs?: number };
  } = {},
): Promise<TestCloud> {
  if (!serverUrl) throw new Error('no MySQL server for tests (see testing/src/global-setup.ts)');
  const db = await createTestDatabase(serverUrl, 'se_cloud');
  await migrate(db.url);
  const pool = createPool({ url: db.url, connectionLimit: 10 });
  const notifier = new ChangeNotifier(pool, 50);
  const app = await buildApp({
    pool,
    adminToken: ADMIN_TOKEN,
    logger: pino({ level: 'silent' }),
    metrics: createMetrics(),
    notifier,
    oidc: opts.oidc ?? null,
    rateLimits: opts.rateLimits ?? {},
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.offlineAfterSeconds !== undefined ? { offlineAfterSeconds: opts.offlineAfterSeconds } : {}),
    ...(opts.ingestAdmission ? { ingestAdmission: opts.ingestAdmission } : {}),
  });
  await app.ready();
  return {
    app,
    pool,
    db,
    notifier,
    close: async () => {
      await app.close();
      await pool.end();
      await db.drop();
    },
  };
}

export async function createTenantAndStore(
  app: CloudApp,
  tenantId: string,
  storeId: string,
): Promise<{ token: string }> {
  const t = await app.inject({
    method: 'POST',
    url: '/v1/tenants',
    headers: admin,
    payload: { id: tenantId, name: tenantId },
  });
  if (t.statusCode !== 201 && t.statusCode !== 409) throw new Error(`tenant: ${t.statusCode} ${t.body}`);
  const s = await app.inject({
    method: 'POST',
    url: '/v1/stores',
    headers: admin,
    payload: { id: storeId, tenantId, name: storeId },
  });
  if (s.statusCode !== 201) throw new Error(`store: ${s.statusCode} ${s.body}`);
  return { token: s.json<{ token: string }>().token };
}

export function movement(partial: Partial<Movement> = {}): Movement {
  return {
    id: randomUUID(),
    type: 'receive',
    sku: 'SKU-1',
    location: 'store',
    qty: 1,
    at: new Date('2026-11-01T10:00:00.000Z').toISOString(),
    ...partial,
  };
}

/** Records seq from..to, each with a fresh movement built by `make`. */
export function records(
  from: number,
  to: number,
  make: (seq: number) => Partial<Movement> = () => ({}),
): ReplicationRecord[] {
  const out: ReplicationRecord[] = [];
  for (let seq = from; seq <= to; seq++) out.push({ seq, movement: movement(make(seq)) });
  return out;
}

export async function countMovements(
  pool: Pool,
  storeId: string,
): Promise<{ rows: number; maxSeq: number; distinctIds: number }> {
  const [rows] = await pool.query(
    'SELECT COUNT(*) AS n, COALESCE(MAX(seq), 0) AS max_seq, COUNT(DISTINCT id) AS ids FROM movements WHERE store_id = ?',
    [storeId],
  );
  const r = (rows as Array<{ n: number; max_seq: number; ids: number }>)[0];
  return { rows: Number(r?.n), maxSeq: Number(r?.max_seq), distinctIds: Number(r?.ids) };
}

/** A replication batch whose body is only partly sent (see holdBatch). */
export interface HeldBatch {
  /** The status it is answered with (0: the connection failed). */
  answer: Promise<number>;
  answeredYet(): boolean;
  /** Sends the rest of the body. */
  finish(): void;
}

/**
 * Sends a store's batch of `records` to a cloud listening at `baseUrl` but holds back the end of
 * its body: the cloud admits it (an ingest slot or a place in the wait line) and works on it
 * only once finish() sends the rest. How the admission tests keep slots busy for as long as
 * they like.
 */
export function holdBatch(
  baseUrl: string,
  store: string,
  token: string,
  batch: ReplicationRecord[],
): HeldBatch {
  const url = new URL(baseUrl);
  const body = Buffer.from(JSON.stringify({ records: batch }));
  let status: number | null = null;
  let answered: (s: number) => void = () => {};
  const answer = new Promise<number>((r) => {
    answered = (s) => {
      status = s;
      r(s);
    };
  });
  const req = httpRequest(
    {
      host: url.hostname,
      port: url.port,
      path: `/v1/stores/${store}/replication/batches`,
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': body.length,
      },
    },
    (res) => {
      res.resume();
      answered(res.statusCode ?? 0);
    },
  );
  req.on('error', () => answered(0));
  req.write(body.subarray(0, 5));
  return { answer, answeredYet: () => status !== null, finish: () => req.end(body.subarray(5)) };
}
