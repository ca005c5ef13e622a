import { randomUUID } from 'node:crypto';
import { freePort, makeTempDir, type TempDir } from '@store-edge/testing';
import { EdgeAgent } from '../src/agent.js';
import { loadSettings, type Settings } from '../src/config/settings.js';
import type { AnyFeatureDefinition } from '../src/feature.js';
import { edgeFeatures } from '../src/features.js';
import { createLogger } from '../src/observability/logger.js';

/** Response bodies in tests are inspected ad hoc; the product's own code parses with schemas. */
// biome-ignore lint/suspicious/noExplicitAny: test-only JSON access
export type Json = any;

export interface TestAgent {
  agent: EdgeAgent;
  baseUrl: string;
  dir: TempDir;
  settings: Settings;
  /** A bearer token of a user with this role (created on first use). */
  token(role?: 'admin' | 'manager' | 'associate' | 'device'): Promise<string>;
  api(
    path: string,
    init?: {
      method?: string;
      body?: unknown;
      token?: string;
      role?: 'admin' | 'manager' | 'associate' | 'device';
    },
  ): Promise<{ status: number; body: Json; headers: Headers }>;
  stop(): Promise<void>;
}

/** An edge agent in this process on free ports with a fresh data dir. */
export async function startTestAgent(
  opts: {
    env?: Record<string, string>;
    mqtt?: boolean;
    /** The features to run: default all of them (features.ts); a test lists the part it drives. */
    features?: AnyFeatureDefinition[];
    setup?: (agent: EdgeAgent) => Promise<void> | void;
  } = {},
): Promise<TestAgent> {
  const dir = makeTempDir('store-edge-agent-');
  const settings = loadSettings({
    STORE_EDGE_DATA_DIR: dir.path,
    STORE_EDGE_HTTP_HOST: '127.0.0.1',
    STORE_EDGE_HTTP_PORT: String(await freePort()),
    STORE_EDGE_MQTT_PORT: opts.mqtt ? String(await freePort()) : '0',
    STORE_EDGE_ADMIN_PASSWORD: 'admin-test-password',
    STORE_EDGE_LOG_LEVEL: 'warn',
    ...opts.env,
  });
  const agent = new EdgeAgent({
    settings,
    log: createLogger(settings.logLevel, { pretty: false }),
    announce: () => {},
    features: opts.features ?? edgeFeatures(),
  });
  await opts.setup?.(agent);
  await agent.start();
  const baseUrl = `http://127.0.0.1:${settings.http.port}`;
  const tokens = new Map<string, string>();
  const token = async (role: 'admin' | 'manager' | 'associate' | 'device' = 'admin') => {
    const cached = tokens.get(role);
    if (cached) return cached;
    const parts = agent.parts!;
    if (role !== 'admin' && !parts.users.exists(`test-${role}`))
      await parts.users.create(`test-${role}`, 'password-1234', role);
    const issued = await parts.users.login(
      role === 'admin' ? 'admin' : `test-${role}`,
      role === 'admin' ? 'admin-test-password' : 'password-1234',
    );
    if (!issued) throw new Error('login failed');
    tokens.set(role, issued.token);
    return issued.token;
  };
  const api: TestAgent['api'] = async (path, init = {}) => {
    const t = init.token ?? (await token(init.role ?? 'admin'));
    const res = await fetch(`${baseUrl}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: {
        authorization: `Bearer ${t}`,
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body:
        init.body === undefined
          ? undefined
          : typeof init.body === 'string'
            ? init.body
            : JSON.stringify(init.body),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body, headers: res.headers };
  };
  return {
    agent,
    baseUrl,
    dir,
    settings,
    token,
    api,
    stop: async () => {
      await agent.stop();
      dir.remove();
    },
  };
}

export function mv(type: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: randomUUID(), type, sku: 'SKU-1', qty: 1, ...fields };
}

export const ITEM = {
  name: 'Sparkling water 0.5 l',
  gtins: ['4006381333931'],
  packs: [{ gtin: '14006381333938', qty: 12 }],
  price: { amount: '0.89', currency: 'EUR' },
  unit: 'pc',
};
