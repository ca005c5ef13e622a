import { randomUUID } from 'node:crypto';
import { type AgentProcess, makeTempDir, startAgent, type TempDir } from '@store-edge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ITEM, type Json } from './helpers.js';

// Sessions, roles and the event stream's entrance against `store-edge edge` as a child process.
let agent: AgentProcess;
let dir: TempDir;
let admin: string;

async function call(
  path: string,
  init: { method?: string; body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Json; headers: Headers }> {
  const token = init.token === undefined ? admin : init.token;
  const res = await fetch(`${agent.baseUrl}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body, headers: res.headers };
}

async function login(username: string, password: string): Promise<string> {
  const r = await call('/api/v1/auth/token', { token: null, body: { username, password } });
  expect(r.status).toBe(200);
  return r.body.token as string;
}

async function addUser(username: string, role: string): Promise<string> {
  const r = await call('/api/v1/users', { body: { username, password: 'password-1234', role } });
  expect(r.status).toBe(201);
  return login(username, 'password-1234');
}

/** Opens GET /api/v1/events and answers its status (and content type); the stream is closed again. */
async function openEvents(
  query: string,
  token: string | null,
): Promise<{ status: number; type: string | null; body: Json }> {
  const ctrl = new AbortController();
  const res = await fetch(`${agent.baseUrl}/api/v1/events${query}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: ctrl.signal,
  });
  const type = res.headers.get('content-type');
  const body = res.status === 200 ? null : await res.json();
  ctrl.abort();
  return { status: res.status, type, body };
}

async function metrics(): Promise<string> {
  return (await fetch(`${agent.baseUrl}/metrics`)).text();
}

/** Waits until the agent reports this many open event streams. */
async function streamsOpen(n: number): Promise<void> {
  for (let i = 0; ; i++) {
    if (new RegExp(`^store_edge_event_streams ${n}$`, 'm').test(await metrics())) return;
    if (i > 200) throw new Error(`the agent never reported ${n} open event streams:\n${await metrics()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  dir = makeTempDir('store-edge-auth-');
  agent = await startAgent({
    dataDir: dir.path,
    // A loaded CI machine (2 cores, parallel test files) can take longer than the default 20 s.
    readyTimeoutMs: 90_000,
    env: { STORE_EDGE_EVENTS_MAX_STREAMS: '6', STORE_EDGE_EVENTS_MAX_STREAMS_PER_USER: '2' },
  });
  admin = await login('admin', 'admin-test-password');
  expect((await call('/api/v1/items/SKU-1', { method: 'PUT', body: ITEM })).status).toBe(200);
}, 120_000);

afterAll(async () => {
  agent?.kill('SIGTERM');
  await agent?.exited;
  dir?.remove();
});

describe('sessions', () => {
  it('logout revokes the presented token: it answers 401 from then on, other sessions live on', async () => {
    const other = await login('admin', 'admin-test-password');
    const mine = await login('admin', 'admin-test-password');
    expect((await call('/api/v1/me', { token: mine })).status).toBe(200);
    const out = await call('/api/v1/auth/logout', { method: 'POST', token: mine });
    expect(out.status).toBe(204);
    const after = await call('/api/v1/stock', { token: mine });
    expect(after.status).toBe(401);
    expect(after.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await call('/api/v1/auth/logout', { method: 'POST', token: mine })).status).toBe(401);
    expect((await call('/api/v1/me', { token: other })).status).toBe(200);
  });

  it('a role change ends the user’s sessions; the next login has the new role', async () => {
    const token = await addUser('till-2', 'manager');
    expect((await call('/api/v1/movements?afterSeq=0', { token })).status).toBe(200);
    expect((await call('/api/v1/users/till-2', { method: 'PUT', body: { role: 'associate' } })).status).toBe(
      200,
    );
    expect((await call('/api/v1/me', { token })).status).toBe(401);
    const again = await login('till-2', 'password-1234');
    expect((await call('/api/v1/me', { token: again })).body).toEqual({
      username: 'till-2',
      role: 'associate',
    });
    // An associate may not adjust stock, which the old manager token could have.
    const adjust = await call('/api/v1/movements', {
      token: again,
      body: { movements: [{ id: randomUUID(), type: 'adjust', sku: 'SKU-1', qty: 1, reason: 'x' }] },
    });
    expect(adjust.status).toBe(403);
  });

  it('a password change ends the user’s sessions', async () => {
    const token = await addUser('anna', 'associate');
    expect((await call('/api/v1/me', { token })).status).toBe(200);
    const r = await call('/api/v1/users/anna', { method: 'PUT', body: { password: 'new-password-99' } });
    expect(r.status).toBe(200);
    expect((await call('/api/v1/me', { token })).status).toBe(401);
    await login('anna', 'new-password-99');
  });
});

describe('the device role (CONTRACT.md)', () => {
  let device: string;
  beforeAll(async () => {
    device = await addUser('handheld-1', 'device');
  });

  it('posts receive, sale, return, transfer_out and transfer_in', async () => {
    const r = await call('/api/v1/movements', {
      token: device,
      body: {
        movements: [
          { id: randomUUID(), type: 'receive', sku: 'SKU-1', qty: 10, location: 'store' },
          { id: randomUUID(), type: 'sale', sku: 'SKU-1', qty: 1, location: 'store' },
          { id: randomUUID(), type: 'return', sku: 'SKU-1', qty: 1, location: 'store' },
          { id: randomUUID(), type: 'transfer_out', sku: 'SKU-1', qty: 2, location: 'store', ref: 'T-1' },
          { id: randomUUID(), type: 'transfer_in', sku: 'SKU-1', qty: 2, location: 'store', ref: 'T-2' },
        ],
      },
    });
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: Json) => x.status)).toEqual(Array(5).fill('created'));
    expect((await call('/api/v1/stock?sku=SKU-1', { token: device })).status).toBe(200);
  });

  it.each(['count', 'damage', 'adjust', 'reserve'])('gets 403 naming the movement for %s', async (type) => {
    const r = await call('/api/v1/movements', {
      token: device,
      body: {
        movements: [
          { id: randomUUID(), type: 'receive', sku: 'SKU-1', qty: 1, location: 'store' },
          { id: randomUUID(), type, sku: 'SKU-1', qty: 1, location: 'store', ref: 'R-1', reason: 'r' },
        ],
      },
    });
    expect(r.status).toBe(403);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(r.body.errors).toEqual([
      { path: '/movements/1/type', message: `role 'device' may not post ${type} movements` },
    ]);
  });
});

describe('the event stream’s entrance', () => {
  it('takes the token in the Authorization header, never in the URL', async () => {
    const token = await login('admin', 'admin-test-password');
    expect(await openEvents('', token)).toMatchObject({ status: 200, type: 'text/event-stream' });
    const inUrl = await openEvents(`?access_token=${token}`, null);
    expect(inUrl.status).toBe(401);
  });

  it('takes a one-use ticket bound to the session that asked for it', async () => {
    const token = await login('admin', 'admin-test-password');
    const t = await call('/api/v1/events/tickets', { method: 'POST', token });
    expect(t.status).toBe(201);
    expect(Date.parse(t.body.expiresAt) - Date.now()).toBeLessThanOrEqual(30_000);
    expect(await openEvents(`?ticket=${t.body.ticket}`, null)).toMatchObject({ status: 200 });
    const twice = await openEvents(`?ticket=${t.body.ticket}`, null);
    expect(twice.status).toBe(401);
    expect(twice.body.detail).toMatch(/ticket/);
    // A ticket opens the event stream and nothing else.
    const t2 = await call('/api/v1/events/tickets', { method: 'POST', token });
    const other = await fetch(`${agent.baseUrl}/api/v1/stock?ticket=${t2.body.ticket}`);
    expect(other.status).toBe(401);
    // Logging out ends the tickets of that session.
    await call('/api/v1/auth/logout', { method: 'POST', token });
    expect((await openEvents(`?ticket=${t2.body.ticket}`, null)).status).toBe(401);
  });

  it('closes an open stream when its session ends: logout, or a change of the user', async () => {
    const token = await addUser('watcher', 'associate');
    const other = await login('watcher', 'password-1234');
    const ended = async (t: string, end: () => Promise<unknown>) => {
      const res = await fetch(`${agent.baseUrl}/api/v1/events`, {
        headers: { authorization: `Bearer ${t}` },
      });
      expect(res.status).toBe(200);
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      await reader.read(); // `retry:` — the stream is open
      await end();
      // The agent closes it: the read ends (done, or the connection is reset), no timeout.
      for (;;) {
        const r = await reader.read().catch(() => ({ done: true }));
        if (r.done) return;
      }
    };
    await ended(token, () => call('/api/v1/auth/logout', { method: 'POST', token }));
    await ended(other, () => call('/api/v1/users/watcher', { method: 'PUT', body: { role: 'manager' } }));
    expect(await metrics()).toMatch(/^store_edge_event_streams_dropped_total\{reason="revoked"\} 2$/m);
  });

  it('caps streams per user (429) and in total (503), as problem+json naming the setting', async () => {
    const users = await Promise.all(['ev-1', 'ev-2', 'ev-3', 'ev-4'].map((u) => addUser(u, 'associate')));
    // The responses are kept: undici cancels the body of a Response that is garbage-collected.
    const held: Array<{ ctrl: AbortController; res: Response }> = [];
    const hold = async (token: string) => {
      const ctrl = new AbortController();
      const res = await fetch(`${agent.baseUrl}/api/v1/events`, {
        headers: { authorization: `Bearer ${token}` },
        signal: ctrl.signal,
      });
      if (res.status === 200) {
        held.push({ ctrl, res });
        return { status: res.status, body: null };
      }
      return { status: res.status, body: (await res.json()) as Json };
    };
    // Streams of the tests before are closed by now (the agent saw their sockets go).
    await streamsOpen(0);
    try {
      const [u1, u2, u3, u4] = users as [string, string, string, string];
      expect((await hold(u1)).status).toBe(200);
      expect((await hold(u1)).status).toBe(200);
      const third = await hold(u1);
      expect(third.status).toBe(429);
      expect(third.body.detail).toMatch(/events\.maxStreamsPerUser/);
      for (const u of [u2, u2, u3, u3]) expect((await hold(u)).status).toBe(200);
      const over = await hold(u4);
      expect(over.status).toBe(503);
      expect(over.body.detail).toMatch(/events\.maxStreams\b/);
      const text = await metrics();
      expect(text).toMatch(/store_edge_event_streams 6\b/);
      expect(text).toMatch(/store_edge_event_streams_refused_total\{cap="user"\} 1\b/);
      expect(text).toMatch(/store_edge_event_streams_refused_total\{cap="total"\} 1\b/);
    } finally {
      for (const h of held) h.ctrl.abort();
    }
  });
});
