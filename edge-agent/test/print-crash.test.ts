import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AgentProcess,
  type FakeZebra,
  makeTempDir,
  startAgent,
  startFakeZebra,
} from '@store-edge/testing';
import { describe, expect, it } from 'vitest';
import { ITEM, type Json } from './helpers.js';
import { holdNextJob, until } from './print-helpers.js';

/**
 * The agent is SIGKILLed while two printers are taking a job each (the fakes hold the
 * connections open, like a printer mid-job). After the restart both jobs are `uncertain` and
 * neither prints again by itself; a person confirms one and reprints the other.
 */
async function client(agent: AgentProcess) {
  const r = await fetch(`${agent.baseUrl}/api/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'admin-test-password' }),
  });
  const { token } = (await r.json()) as { token: string };
  return async (path: string, body?: unknown, method?: string): Promise<{ status: number; body: Json }> => {
    const res = await fetch(`${agent.baseUrl}/api/v1${path}`, {
      method: method ?? (body === undefined ? 'GET' : 'POST'),
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
}

describe('print queue across a SIGKILL', () => {
  it('marks jobs cut off mid-send uncertain and never prints them twice', async () => {
    const dir = makeTempDir('store-edge-print-crash-');
    const fakes = [
      await startFakeZebra({ state: { replyDelayMs: 300 } }),
      await startFakeZebra({ state: { replyDelayMs: 300 } }),
    ];
    const [f1, f2] = fakes as [FakeZebra, FakeZebra];
    const config = join(dir.path, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        devices: [
          { id: 'p1', kind: 'zpl-printer', address: f1.address },
          { id: 'p2', kind: 'zpl-printer', address: f2.address },
        ],
        labels: { retryMaxMs: 200 },
      }),
    );
    const env = { STORE_EDGE_CONFIG: config, STORE_EDGE_LOG_LEVEL: 'warn' };
    let agent: AgentProcess | null = null;
    try {
      agent = await startAgent({ dataDir: join(dir.path, 'data'), env });
      let api = await client(agent);
      expect((await api('/items/SKU-1', { ...ITEM, packs: [] }, 'PUT')).status).toBe(200);
      for (const id of ['p1', 'p2'])
        await until(`${id} online`, async () =>
          (await api(`/devices/${id}`)).body.status === 'online' ? true : undefined,
        );

      const job = (id: string, printerId: string) => ({
        id,
        printerId,
        template: 'shelf',
        items: [{ sku: 'SKU-1', copies: 1 }],
      });
      const connectionsBefore = fakes.map((f) => f.connections.length);
      const held = Promise.all([holdNextJob(f1), holdNextJob(f2)]);
      expect((await api('/print-jobs', job('crash-1', 'p1'))).status).toBe(202);
      expect((await api('/print-jobs', job('crash-2', 'p2'))).status).toBe(202);
      await held;
      for (const id of ['crash-1', 'crash-2'])
        await until(`${id} printing`, async () =>
          (await api(`/print-jobs/${id}`)).body.status === 'printing' ? true : undefined,
        );
      // The job's own connection (after the status query's) is open and holds the bytes.
      await until('job connections', () =>
        fakes.every((f, i) => f.connections.length >= (connectionsBefore[i] ?? 0) + 2) ? true : undefined,
      );
      await new Promise((r) => setTimeout(r, 200));
      agent.kill('SIGKILL');
      expect(await agent.exited).toBe('SIGKILL');

      // The printers now read what the dead agent had sent: one label each.
      for (const f of fakes) f.set({ hold: false, replyDelayMs: 0 });
      await f1.waitForJobs(1);
      await f2.waitForJobs(1);

      agent = await startAgent({ dataDir: join(dir.path, 'data'), env });
      api = await client(agent);
      for (const id of ['crash-1', 'crash-2']) {
        const j = (await api(`/print-jobs/${id}`)).body;
        expect(j.status).toBe('uncertain');
        expect(j.error).toMatch(/stopped while sending/);
      }
      const replay = await api('/print-jobs', job('crash-1', 'p1'));
      expect(replay.status).toBe(200);
      expect(replay.body.status).toBe('uncertain');
      expect((await api('/print-jobs?status=uncertain')).body.jobs).toHaveLength(2);

      // A later job on p1 prints: the worker ran past the uncertain one without resending it.
      expect((await api('/print-jobs', job('after', 'p1'))).status).toBe(202);
      await until('after done', async () =>
        (await api('/print-jobs/after')).body.status === 'done' ? true : undefined,
      );
      expect(f1.jobs).toHaveLength(2);

      const confirmed = await api('/print-jobs/crash-1/confirm', {});
      expect(confirmed.status).toBe(200);
      expect(confirmed.body.status).toBe('done');
      expect((await api('/print-jobs/after/confirm', {})).status).toBe(200);

      const reprint = await api('/print-jobs/crash-2/reprint', { id: 'crash-2-again' });
      expect(reprint.status).toBe(202);
      expect(reprint.body.reprintOf).toBe('crash-2');
      await until('reprint done', async () =>
        (await api('/print-jobs/crash-2-again')).body.status === 'done' ? true : undefined,
      );
      const original = (await api('/print-jobs/crash-2')).body;
      expect(original.status).toBe('failed');
      expect(original.error).toMatch(/reprinted it as job crash-2-again/);
      expect((await api('/print-jobs/crash-2/confirm', {})).status).toBe(409);
      expect(f2.jobs).toHaveLength(2);
      expect(f2.jobs[1]?.zpl).toBe(f2.jobs[0]?.zpl);
      expect(f1.jobs).toHaveLength(2);
    } finally {
      agent?.kill('SIGKILL');
      if (agent) await agent.exited;
      for (const f of fakes) await f.stop();
      dir.remove();
    }
  }, 60_000);
});
