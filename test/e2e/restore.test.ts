import { randomUUID } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { makeTempDir } from '@store-edge/testing';
import Database from 'better-sqlite3';
import { describe, expect, inject, it } from 'vitest';
import {
  cleanupAfterEach,
  createItems,
  edgeApi,
  edgeToken,
  makeMovements,
  readBoth,
  replicationStatus,
  startEdge,
  startStack,
  waitReplicated,
} from './harness.js';

const cleanups = cleanupAfterEach();

/**
 * An HTTP proxy to the cloud that lets the first `pages` pages of the store's history through
 * (pulls of 1,000, however often asked), then holds every pull after them unanswered: the edge
 * is caught in the middle of a restore.
 */
async function gate(
  cloudUrl: string,
  pages: number,
): Promise<{ url: string; passed(): number; close(): Promise<void> }> {
  let passed = 0;
  const server: Server = createServer(async (req, res) => {
    const body = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
    });
    // Held by position, not by count: a page the edge timed out on and asks for again (a busy
    // machine) must still come through, or the restore would stop a page short.
    const pull = /\/movements\?afterSeq=(\d+)&limit=1000$/.exec(req.url ?? '');
    if (pull) {
      if (Number(pull[1]) >= pages * 1000) return; // held: never answered
      passed++;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === 'string' && k !== 'host' && k !== 'connection') headers[k] = v;
    const up = await fetch(`${cloudUrl}${req.url}`, {
      method: req.method,
      headers,
      body: body.length > 0 ? body : undefined,
    });
    const out = Buffer.from(await up.arrayBuffer());
    res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' });
    res.end(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    passed: () => passed,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function until<T>(
  what: string,
  get: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('restore from the cloud, real processes', () => {
  it('a replaced node (empty disk) pulls the history in pages; killed midway it continues where it stopped; ledger equals the cloud row for row', async () => {
    const stack = await startStack(inject('mysqlUrl'), 'store-restore');
    const old = makeTempDir('e2e-old-node-');
    const fresh = makeTempDir('e2e-new-node-');
    cleanups.push(
      () => stack.stop(),
      () => old.remove(),
      () => fresh.remove(),
    );
    const cloudUrl = stack.cloud?.baseUrl ?? '';

    // The store's history, made by the node that is then lost: receipts, sales and counts.
    const first = await startEdge(stack, old.path, cloudUrl);
    const t1 = await edgeToken(first);
    await createItems(first, t1);
    await makeMovements(first, t1, 2500);
    const counted = await edgeApi(first, t1, 'POST', '/movements', {
      movements: [{ id: randomUUID(), type: 'count', sku: 'A', location: 'backroom', qty: 7 }],
    });
    expect(counted.status).toBe(200);
    await makeMovements(first, t1, 2499);
    await waitReplicated(first, t1);
    first.kill('SIGKILL');
    await first.exited;

    // The replacement: an empty disk with the store's installation id (so the cloud's agent
    // lease, docs/operations.md, does not make it wait a minute), behind a gate that lets three
    // pages through and then holds the fourth.
    copyFileSync(join(old.path, 'installation-id'), join(fresh.path, 'installation-id'));
    const held = await gate(cloudUrl, 3);
    cleanups.push(() => held.close());
    let edge = await startEdge(stack, fresh.path, held.url);
    cleanups.push(() => edge.kill('SIGKILL'));
    let token = await edgeToken(edge);
    const midway = await until(
      'restore midway',
      () => replicationStatus(edge, token) as Promise<{ restore?: { done: number; total: number } | null }>,
      (s) => s.restore?.done === 3000,
    );
    expect(midway.restore).toMatchObject({ done: 3000, total: 5000 });
    // New movements wait until the history is in: their seqs are the cloud's.
    const refused = await edgeApi(edge, token, 'POST', '/movements', {
      movements: [{ id: randomUUID(), type: 'receive', sku: 'A', qty: 1 }],
    });
    expect(refused.status).toBe(503);
    expect(String(refused.body.detail)).toMatch(/being restored from the cloud \(3000 of 5000 movements\)/);

    edge.kill('SIGKILL');
    await edge.exited;
    const disk = new Database(join(fresh.path, 'ledger.sqlite'), { readonly: true });
    expect(disk.prepare('SELECT COUNT(*) AS n, MAX(seq) AS last FROM movements').get()).toEqual({
      n: 3000,
      last: 3000,
    });
    expect(disk.prepare('SELECT after_seq, target_seq FROM restore_state').get()).toEqual({
      after_seq: 3000,
      target_seq: 5000,
    });
    disk.close();

    // Started again (the link is back): the restore continues after seq 3,000, writes nothing
    // twice, and the store goes on making movements after the cloud's history.
    edge = await startEdge(stack, fresh.path, cloudUrl);
    token = await edgeToken(edge);
    await until(
      'restored',
      () => replicationStatus(edge, token),
      (s) => s.lastAckedSeq === 5000 && !(s as { restore?: unknown }).restore,
    );
    expect(edge.output()).toMatch(/continuing the restore from the cloud where it stopped/);
    await createItems(edge, token);
    await makeMovements(edge, token, 50);
    await waitReplicated(edge, token);
    edge.kill('SIGTERM');
    await edge.exited;

    const both = await readBoth(stack, fresh.path);
    expect(both.cloudRows.length).toBe(5050);
    expect(both.edgeRows).toEqual(both.cloudRows);
    expect(both.edgeStock).toEqual(both.cloudStock);
    // Each movement has the stock effect the lost node recorded (a count's difference included).
    const effects = (dir: string) => {
      const db = new Database(join(dir, 'ledger.sqlite'), { readonly: true });
      const rows = db
        .prepare(
          'SELECT seq, id, delta_on_hand, delta_reserved FROM movements WHERE seq <= 5000 ORDER BY seq',
        )
        .all();
      const pending = db.prepare('SELECT COUNT(*) AS n FROM restore_state').get();
      db.close();
      return { rows, pending };
    };
    const restored = effects(fresh.path);
    expect(restored.rows).toEqual(effects(old.path).rows);
    expect(restored.pending).toEqual({ n: 0 });
  }, 300_000);
});
