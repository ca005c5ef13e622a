import { writeFileSync } from 'node:fs';
import { startThrowawayMariadb, type TempDir, which } from '@store-edge/testing';
import { describe, expect, it } from 'vitest';
import {
  cleanupAfterEach,
  createItems,
  edgeToken,
  makeMovements,
  readBoth,
  replicationStatus,
  type Stack,
  stackWithDir,
  startEdge,
  waitReplicated,
} from './harness.js';
import { startChaosProxy } from './proxy.js';

const cleanups = cleanupAfterEach();

const setup = (serverUrl?: string) => stackWithDir(cleanups, 'e2e-faults-', serverUrl);

/** Buffers `n` movements with the cloud unreachable, then stops that edge. */
async function buffer(stack: Stack, dataDir: string, n: number): Promise<void> {
  const edge = await startEdge(stack, dataDir, 'http://127.0.0.1:9');
  const token = await edgeToken(edge);
  await createItems(edge, token);
  await makeMovements(edge, token, n);
  edge.kill('SIGTERM');
  await edge.exited;
}

async function expectEqual(stack: Stack, dataDir: string, expected: number): Promise<void> {
  const both = await readBoth(stack, dataDir);
  expect(both.cloudRows.length).toBe(expected);
  expect(new Set(both.cloudRows.map((r) => r.id)).size).toBe(expected);
  expect(both.cloudRows.map((r) => r.seq)).toEqual(both.cloudRows.map((_, i) => i + 1));
  expect(both.cloudRows).toEqual(both.edgeRows);
  expect(both.cloudStock).toEqual(both.edgeStock);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Small batches: many requests, so faults land in the middle of the stream. */
function smallBatches(dir: TempDir): Record<string, string> {
  const file = `${dir.path}/small-batches.yaml`;
  writeFileSync(file, 'replication:\n  batchSize: 50\n');
  return { STORE_EDGE_CONFIG: file, STORE_EDGE_LOG_LEVEL: 'error' };
}

describe('replication under crashes and a bad link', () => {
  it('survives SIGKILL of the edge at random moments during catch-up (20 rounds), with new movements meanwhile', async () => {
    const { stack, dir } = await setup();
    await buffer(stack, dir.path, 20_000);
    let total = 20_000;
    for (let round = 0; round < 20; round++) {
      const edge = await startEdge(stack, dir.path, stack.cloud!.baseUrl);
      const token = await edgeToken(edge);
      total += await makeMovements(edge, token, 100, 50);
      await sleep(50 + Math.random() * 600);
      edge.kill('SIGKILL');
      await edge.exited;
    }
    const edge = await startEdge(stack, dir.path, stack.cloud!.baseUrl);
    cleanups.push(() => edge.kill('SIGKILL'));
    const token = await edgeToken(edge);
    await waitReplicated(edge, token, 180_000);
    edge.kill('SIGTERM');
    await edge.exited;
    await expectEqual(stack, dir.path, total);
  }, 600_000);

  it('survives SIGKILL of the cloud mid-batch', async () => {
    const { stack, dir } = await setup();
    await buffer(stack, dir.path, 20_000);
    const port = Number(new URL(stack.cloud!.baseUrl).port);
    const edge = await startEdge(stack, dir.path, stack.cloud!.baseUrl, { STORE_EDGE_LOG_LEVEL: 'error' });
    cleanups.push(() => edge.kill('SIGKILL'));
    const token = await edgeToken(edge);
    for (let i = 0; i < 4; i++) {
      await sleep(300 + Math.random() * 700);
      await stack.stopCloud({ kill: true });
      await sleep(500);
      await stack.startCloud({ port });
    }
    await waitReplicated(edge, token, 180_000);
    edge.kill('SIGTERM');
    await edge.exited;
    await expectEqual(stack, dir.path, 20_000);
  }, 300_000);

  it('survives a MariaDB restart mid-stream', async () => {
    const mariadbd = which('mariadbd');
    const installDb = which('mariadb-install-db');
    expect(
      mariadbd && installDb,
      'mariadb-server must be installed (apt-get install mariadb-server)',
    ).toBeTruthy();
    const server = await startThrowawayMariadb(mariadbd as string, installDb as string);
    cleanups.push(() => server.stop());
    const { stack, dir } = await setup(server.url);
    await buffer(stack, dir.path, 20_000);
    const edge = await startEdge(stack, dir.path, stack.cloud!.baseUrl, smallBatches(dir));
    cleanups.push(() => edge.kill('SIGKILL'));
    const token = await edgeToken(edge);
    let before = await replicationStatus(edge, token);
    while (before.lastAckedSeq < 2000) {
      await sleep(20);
      before = await replicationStatus(edge, token);
    }
    await server.restart!(1500);
    await waitReplicated(edge, token, 180_000);
    expect(before.lastAckedSeq).toBeLessThan(20_000);
    edge.kill('SIGTERM');
    await edge.exited;
    await expectEqual(stack, dir.path, 20_000);
  }, 300_000);

  it('stays exactly-once through a proxy that cuts connections mid-request and delivers requests twice', async () => {
    const { stack, dir } = await setup();
    await buffer(stack, dir.path, 15_000);
    const proxy = await startChaosProxy(Number(new URL(stack.cloud!.baseUrl).port), {
      cutRate: 0.2,
      duplicateRate: 0.3,
    });
    cleanups.push(() => proxy.close());
    const edge = await startEdge(stack, dir.path, proxy.url, smallBatches(dir));
    cleanups.push(() => edge.kill('SIGKILL'));
    const token = await edgeToken(edge);
    await makeMovements(edge, token, 1000, 100);
    await waitReplicated(edge, token, 180_000);
    expect(proxy.stats.cut).toBeGreaterThan(0);
    expect(proxy.stats.duplicated).toBeGreaterThan(0);
    edge.kill('SIGTERM');
    await edge.exited;
    await expectEqual(stack, dir.path, 16_000);
  }, 300_000);
});
