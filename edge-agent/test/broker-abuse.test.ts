import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { type AgentProcess, makeTempDir, startAgent, type TempDir } from '@store-edge/testing';
import Database from 'better-sqlite3';
import { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The embedded broker against a hostile client on the store LAN, with the agent as a child
 * process (as `npm start` runs it). Distinct loopback source addresses (127.0.0.x) stand for
 * distinct machines, so the per-address lockout of one case does not decide another.
 */

const READER = { username: 'dock-reader', password: 'dock-secret-1', topic: 'zebra/dock-1/data' };
const DOOR = { username: 'door-reader', password: 'door-secret-1', topic: 'zebra/door-1/data' };
const WILD = { username: 'wild-reader', password: 'wild-secret-1', topic: '#' };
const WATCHER = { username: 'watcher', password: 'watcher-password-1' };
const CONFIG = `
mqtt:
  connectTimeoutMs: 1000
devices:
  - id: dock-reader
    kind: rfid-reader
    format: zebra-iot
    topic: ${READER.topic}
    username: ${READER.username}
    password: ${READER.password}
    zone: dock
  - id: door-reader
    kind: rfid-reader
    format: zebra-iot
    topic: ${DOOR.topic}
    username: ${DOOR.username}
    password: ${DOOR.password}
    zone: dock
  - id: wild-reader
    kind: rfid-reader
    format: zebra-iot
    topic: "${WILD.topic}"
    username: ${WILD.username}
    password: ${WILD.password}
    zone: dock
`;

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error('no VmRSS');
  return Number(m[1]) * 1024;
}

/** An MQTT client connecting from `from` (a loopback address standing for one machine). */
function mqttFrom(
  agent: AgentProcess,
  from: string,
  creds: { username: string; password: string },
): Promise<MqttClient> {
  const client = new MqttClient(
    () => netConnect({ host: '127.0.0.1', port: agent.mqttPort, localAddress: from }),
    {
      username: creds.username,
      password: creds.password,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      protocolVersion: 4,
    },
  );
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

/** The CONNACK return code of a refused connection (MQTT 3.1.1 §3.2.2.3), or 0. */
async function connackCode(p: Promise<MqttClient>): Promise<number> {
  try {
    const c = await p;
    await c.endAsync(true);
    return 0;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'number') throw err;
    return code;
  }
}

function httpLogin(
  agent: AgentProcess,
  from: string,
  body: { username: string; password: string },
): Promise<{ status: number; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: agent.httpPort,
        localAddress: from,
        method: 'POST',
        path: '/api/v1/auth/token',
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers['retry-after'] as string | undefined,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function httpToken(
  agent: AgentProcess,
  from: string,
  body: { username: string; password: string },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: agent.httpPort,
        localAddress: from,
        method: 'POST',
        path: '/api/v1/auth/token',
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (b: Buffer) => {
          text += b.toString();
        });
        res.on('end', () => {
          const parsed: unknown = JSON.parse(text);
          if (res.statusCode !== 200 || typeof parsed !== 'object' || parsed === null || !('token' in parsed))
            return reject(new Error(`login ${res.statusCode}: ${text}`));
          resolve(String(parsed.token));
        });
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** SUBACK return codes (MQTT 3.1.1 §3.9.3: 0x80 = refused); mqtt.js rejects a refusal. */
async function subscribeCodes(client: MqttClient, filter: string, qos: 0 | 1): Promise<number[]> {
  try {
    return (await client.subscribeAsync(filter, { qos })).map((g) => g.qos);
  } catch (err) {
    const packet = (err as { packet?: { granted?: unknown } }).packet;
    if (!packet || !Array.isArray(packet.granted)) throw err;
    return packet.granted.map((g: unknown) => (typeof g === 'number' ? g : -1));
  }
}

async function metric(agent: AgentProcess, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${agent.baseUrl}/metrics`)).text();
  const m = pattern.exec(text);
  return m ? Number(m[1]) : 0;
}

describe('embedded broker under abuse', () => {
  let dir: TempDir;
  let agent: AgentProcess;
  /** Taken before the lockout cases lock `admin` out. */
  let admin: string;

  beforeAll(async () => {
    dir = makeTempDir('store-edge-broker-abuse-');
    const config = join(dir.path, 'config.yaml');
    writeFileSync(config, CONFIG);
    // A loaded CI machine may take a while to compile and start the agent.
    agent = await startAgent({
      dataDir: join(dir.path, 'data'),
      env: { STORE_EDGE_CONFIG: config },
      readyTimeoutMs: 50_000,
    });
    admin = await httpToken(agent, '127.0.0.2', { username: 'admin', password: 'admin-test-password' });
    const created = await fetch(`${agent.baseUrl}/api/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ ...WATCHER, role: 'associate' }),
    });
    expect(created.status).toBeLessThan(300);
  });

  afterAll(async () => {
    agent?.kill();
    await agent?.exited;
    dir?.remove();
  });

  it('cuts a CONNECT declaring 256 MB at its fixed header; the agent’s RSS stays flat', async () => {
    const pid = agent.child.pid as number;
    const before = rssBytes(pid);
    const socket: Socket = netConnect({ host: '127.0.0.1', port: agent.mqttPort });
    await new Promise<void>((r) => socket.once('connect', () => r()));
    let closed = false;
    const closedP = new Promise<void>((r) =>
      socket.once('close', () => {
        closed = true;
        r();
      }),
    );
    socket.on('error', () => {});
    // CONNECT, remaining length 268 435 455 (0xff 0xff 0xff 0x7f: MQTT 3.1.1 §2.2.3), then
    // bytes of it as fast as the socket takes them, until the agent closes or all are sent.
    const declared = 268_435_455;
    socket.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    while (!closed && sent < declared) {
      const ok = socket.write(chunk);
      sent += chunk.length;
      if (!ok) await Promise.race([new Promise((r) => socket.once('drain', r)), closedP]);
    }
    await closedP;
    const after = rssBytes(pid);
    console.log(
      JSON.stringify({
        case: '256 MB CONNECT',
        declaredBytes: declared,
        bytesWrittenByClientBeforeClose: sent,
        agentRssBeforeBytes: before,
        agentRssAfterBytes: after,
      }),
    );
    expect(closed).toBe(true);
    // What the client managed to write before the reset sits in kernel socket buffers; the
    // agent stopped reading at the header.
    expect(sent).toBeLessThan(declared / 8);
    expect(after - before).toBeLessThan(32 * 1024 * 1024);
    expect(
      await metric(agent, /store_edge_mqtt_connections_dropped_total\{reason="packet_too_large"\} (\d+)/),
    ).toBe(1);

    // The header alone is enough: the agent closes with not one byte of the body sent.
    const bare = netConnect({ host: '127.0.0.1', port: agent.mqttPort });
    bare.on('error', () => {});
    bare.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]));
    await new Promise((r) => bare.once('close', r));
  });

  it('drops a client that connects and says nothing', async () => {
    const silent = netConnect({ host: '127.0.0.1', port: agent.mqttPort, localAddress: '127.0.0.9' });
    silent.on('error', () => {});
    let received = 0;
    silent.on('data', (b: Buffer) => {
      received += b.length;
    });
    await new Promise((r) => silent.once('close', r));
    expect(received).toBe(0);
    expect(
      await metric(agent, /store_edge_mqtt_connections_dropped_total\{reason="connect_timeout"\} (\d+)/),
    ).toBe(1);
  });

  it('throttles 200 wrong-password CONNECTs like HTTP logins; HTTP then answers 429 for that user', async () => {
    const failuresBefore = await metric(agent, /store_edge_login_failures_total (\d+)/);
    const codes: number[] = [];
    // 20 at a time: a burst, as a guessing script would send them.
    for (let round = 0; round < 10; round++) {
      codes.push(
        ...(await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            connackCode(mqttFrom(agent, '127.0.0.1', { username: 'admin', password: `guess-${round}-${i}` })),
          ),
        )),
      );
    }
    const wrong = codes.filter((c) => c === 4).length;
    const locked = codes.filter((c) => c === 3).length;
    console.log(
      JSON.stringify({ case: '200 wrong-password CONNECTs', badPassword: wrong, lockedOut: locked }),
    );
    expect(wrong + locked).toBe(200);
    // Only the first few passwords were checked (scrypt); the rest were refused unchecked.
    expect(wrong).toBeLessThanOrEqual(5);
    expect((await metric(agent, /store_edge_login_failures_total (\d+)/)) - failuresBefore).toBe(wrong);
    expect(await metric(agent, /store_edge_logins_refused_total\{via="mqtt"\} (\d+)/)).toBe(locked);

    // From another machine, with the right password: the user is locked out over HTTP too.
    const http = await httpLogin(agent, '127.0.0.3', { username: 'admin', password: 'admin-test-password' });
    expect(http.status).toBe(429);
    expect(Number(http.retryAfter)).toBeGreaterThan(0);
  });

  it('counts wrong HTTP passwords against MQTT logins of the same name, and MQTT logins mint no API token', async () => {
    const tokens = () => {
      const db = new Database(join(dir.path, 'data', 'ledger.sqlite'), { readonly: true });
      try {
        return (db.prepare('SELECT COUNT(*) AS n FROM api_tokens').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    const before = tokens();
    const reader = await mqttFrom(agent, '127.0.0.4', READER);
    await reader.endAsync();
    expect(tokens()).toBe(before);

    for (let i = 0; i < 5; i++) {
      const r = await httpLogin(agent, '127.0.0.5', { username: READER.username, password: `nope-${i}` });
      expect(r.status).toBe(401);
    }
    // The reader's right password, from yet another machine: refused (3) without a check.
    expect(await connackCode(mqttFrom(agent, '127.0.0.6', READER))).toBe(3);
  });

  it('refuses a reader’s subscription to # and its publish to another topic; a wildcard reader cannot publish as the agent', async () => {
    const watcher = await mqttFrom(agent, '127.0.0.10', WATCHER);
    expect(await subscribeCodes(watcher, '#', 1)).toEqual([128]);
    expect(await subscribeCodes(watcher, 'store-edge/store-1/#', 1)).toEqual([1]);
    const seen: string[] = [];
    watcher.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));

    const dock = await mqttFrom(agent, '127.0.0.8', DOOR);
    expect(await subscribeCodes(dock, '#', 0)).toEqual([128]);
    // MQTT 3.1.1 has no negative PUBACK: the broker closes the connection (§3.3.5).
    const dockClosed = new Promise<void>((r) => dock.once('close', () => r()));
    dock.publish('zebra/other-reader/data', '{"x":1}', { qos: 1 });
    await dockClosed;

    const wild = await mqttFrom(agent, '127.0.0.7', WILD);
    expect(await subscribeCodes(wild, '#', 0)).toEqual([128]);
    const wildClosed = new Promise<void>((r) => wild.once('close', () => r()));
    wild.publish('store-edge/store-1/movements', '[{"forged":true}]', { qos: 1, retain: true });
    await wildClosed;

    // A real movement is published to the watcher after the forged one would have been.
    const item = await fetch(`${agent.baseUrl}/api/v1/items/A`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ name: 'A', gtins: [], price: { amount: '1.00', currency: 'EUR' } }),
    });
    expect(item.status).toBeLessThan(300);
    const res = await fetch(`${agent.baseUrl}/api/v1/movements`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({
        movements: [{ id: '6f1c2a4e-9b7d-4c3a-8e2f-1a2b3c4d5e6f', type: 'receive', sku: 'A', qty: 1 }],
      }),
    });
    expect(res.status).toBe(200);
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^store-edge\/store-1\/movements .*6f1c2a4e-9b7d-4c3a-8e2f-1a2b3c4d5e6f/);
    expect(seen.join()).not.toContain('forged');
    await watcher.endAsync();
  });
});
