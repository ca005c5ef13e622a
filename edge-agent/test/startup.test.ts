import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { freePort, makeTempDir, repoRoot, startAgent, storeEdgeBin } from '@store-edge/testing';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';

function run(env: Record<string, string>, timeoutMs = 15_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [storeEdgeBin, 'edge'], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      out += b.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(true));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });
}

describe('store-edge edge (as a process)', () => {
  it('starts with embedded defaults, refuses anonymous MQTT, stops on SIGTERM and keeps its data', async () => {
    const dir = makeTempDir();
    try {
      const agent = await startAgent({ dataDir: dir.path, env: { STORE_EDGE_ADMIN_PASSWORD: '' } });
      const out = agent.output();
      const password = /password: (\S+)/.exec(out)?.[1];
      expect(password, out).toBeTruthy();
      expect(out).toContain(`Console: http://127.0.0.1:${agent.httpPort}/`);
      expect((await fetch(`${agent.baseUrl}/healthz`)).status).toBe(200);
      expect((await fetch(`${agent.baseUrl}/readyz`)).status).toBe(200);
      const metrics = await (await fetch(`${agent.baseUrl}/metrics`)).text();
      expect(metrics).toContain('store_edge_process_resident_memory_bytes');
      expect((await fetch(`${agent.baseUrl}/docs/json`)).status).toBe(200);

      const url = `mqtt://127.0.0.1:${agent.mqttPort}`;
      const client = await mqtt.connectAsync(url, { username: 'admin', password, reconnectPeriod: 0 });
      expect(client.connected).toBe(true);
      await client.endAsync();
      await expect(mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3000 })).rejects.toThrow(
        /Not authorized|Bad username/i,
      );
      await expect(
        mqtt.connectAsync(url, {
          username: 'admin',
          password: 'wrong-password',
          reconnectPeriod: 0,
          connectTimeout: 3000,
        }),
      ).rejects.toThrow(/Bad username|Not authorized/i);

      const token = await (
        await fetch(`${agent.baseUrl}/api/v1/auth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'admin', password }),
        })
      ).json();
      expect(token.role).toBe('admin');

      const t0 = Date.now();
      agent.kill('SIGTERM');
      expect(await agent.exited).toBe(0);
      expect(Date.now() - t0).toBeLessThan(5000);

      const again = await startAgent({ dataDir: dir.path, env: { STORE_EDGE_ADMIN_PASSWORD: '' } });
      expect(again.output()).not.toContain('password:');
      const login = await fetch(`${again.baseUrl}/api/v1/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password }),
      });
      expect(login.status).toBe(200);
      again.kill('SIGINT');
      expect(await again.exited).toBe(0);
    } finally {
      dir.remove();
    }
  });

  it('prints every settings problem and exits non-zero without opening a port', async () => {
    const dir = makeTempDir();
    const mqttPort = await freePort();
    try {
      const r = await run({
        STORE_EDGE_DATA_DIR: dir.path,
        STORE_EDGE_HTTP_PORT: 'abc',
        STORE_EDGE_MQTT_PORT: '-1',
      });
      expect(r.code).not.toBe(0);
      expect(r.out).toContain("- STORE_EDGE_HTTP_PORT: must be a port number 0-65535, got 'abc'");
      expect(r.out).toContain("- STORE_EDGE_MQTT_PORT: must be a port number 0-65535, got '-1'");
      expect(await listening(8080)).toBe(false);
      expect(await listening(mqttPort)).toBe(false);
    } finally {
      dir.remove();
    }
  });

  it('refuses to start when a port is taken, naming the port and the setting', async () => {
    const dir = makeTempDir();
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((r) => blocker.listen(port, '0.0.0.0', () => r()));
    try {
      const r = await run({
        STORE_EDGE_DATA_DIR: dir.path,
        STORE_EDGE_HTTP_PORT: String(await freePort()),
        STORE_EDGE_MQTT_PORT: String(port),
        STORE_EDGE_ADMIN_PASSWORD: 'admin-test-password',
      });
      expect(r.code).not.toBe(0);
      expect(r.out).toContain(`port ${port} is already in use`);
      expect(r.out).toContain('STORE_EDGE_MQTT_PORT');
    } finally {
      blocker.close();
      dir.remove();
    }
  });

  it('reads devices and settings from a YAML config file, with the environment winning', async () => {
    const dir = makeTempDir();
    const { writeFileSync } = await import('node:fs');
    const file = `${dir.path}/store-edge.yaml`;
    writeFileSync(
      file,
      [
        'storeId: from-file',
        'devices:',
        '  - id: dock-scanner',
        '    kind: serial-scanner',
        '    path: /dev/null-nothing',
        '    mode: receive',
        '    location: dock',
      ].join('\n'),
    );
    const bad = `${dir.path}/bad.yaml`;
    writeFileSync(bad, ['devices:', '  - id: x', '    kind: toaster', 'colour: blue'].join('\n'));
    try {
      const r = await run({ STORE_EDGE_CONFIG: bad, STORE_EDGE_DATA_DIR: dir.path });
      expect(r.code).not.toBe(0);
      expect(r.out).toMatch(/- devices\.0\.kind: /);
      expect(r.out).toMatch(/- \(root\): .*colour/);

      const agent = await startAgent({
        dataDir: dir.path,
        env: { STORE_EDGE_CONFIG: file, STORE_EDGE_STORE_ID: 'from-env' },
      });
      const token = await (
        await fetch(`${agent.baseUrl}/api/v1/auth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'admin', password: 'admin-test-password' }),
        })
      ).json();
      const rep = await (
        await fetch(`${agent.baseUrl}/api/v1/replication`, {
          headers: { authorization: `Bearer ${token.token}` },
        })
      ).json();
      expect(rep.storeId).toBe('from-env');
      expect(rep.cloudConfigured).toBe(false);
      agent.kill('SIGTERM');
      expect(await agent.exited).toBe(0);
    } finally {
      dir.remove();
    }
  });
});
