import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '@store-edge/testing';
import { describe, expect, it } from 'vitest';
import {
  adminCall,
  cleanupAfterEach,
  createItems,
  edgeApi,
  edgeToken,
  makeMovements,
  readBoth,
  replicationStatus,
  stackWithDir,
  startEdge,
  waitReplicated,
} from './harness.js';

const cleanups = cleanupAfterEach();

const setup = () => stackWithDir(cleanups, 'e2e-edge-');

describe('replication edge → cloud, real processes', () => {
  it('ships 50,000 movements made while the cloud was down, exactly once, row for row', async () => {
    const { stack, dir } = await setup();
    const cloudUrl = stack.cloud!.baseUrl;
    await stack.stopCloud();
    const edge = await startEdge(stack, dir.path, cloudUrl);
    cleanups.push(() => edge.kill('SIGKILL'));
    const token = await edgeToken(edge);
    await createItems(edge, token);
    await makeMovements(edge, token, 50_000);
    const offline = await replicationStatus(edge, token);
    expect(offline.online).toBe(false);
    expect(offline.pending).toBe(50_000);
    expect(offline.lastError).toMatch(/not reachable/);

    await stack.startCloud({ port: Number(new URL(cloudUrl).port) });
    await waitReplicated(edge, token, 180_000);
    // A catch-up after an outage raises no alarm.
    const after = await replicationStatus(edge, token);
    expect(after.alarm ?? null, JSON.stringify(after)).toBeNull();
    expect(edge.output()).not.toMatch(/replication alarm/);
    edge.kill('SIGTERM');
    await edge.exited;
    const both = await readBoth(stack, dir.path);
    expect(both.cloudRows.length).toBe(50_000);
    expect(both.cloudRows).toEqual(both.edgeRows);
    expect(both.cloudStock).toEqual(both.edgeStock);
  }, 300_000);

  it('a restored edge pulls back what it lacks and continues after it, nothing lost or doubled', async () => {
    const { stack, dir } = await setup();
    const cloudUrl = stack.cloud!.baseUrl;
    let edge = await startEdge(stack, dir.path, cloudUrl);
    const token = await edgeToken(edge);
    await createItems(edge, token);
    await makeMovements(edge, token, 300);
    await waitReplicated(edge, token);
    const backup = join(dir.path, 'backup.sqlite');
    const { spawnSync } = await import('node:child_process');
    const { storeEdgeBin, repoRoot } = await import('@store-edge/testing');
    const b = spawnSync(process.execPath, [storeEdgeBin, 'edge', 'backup', '--out', backup], {
      cwd: repoRoot,
      env: { ...process.env, STORE_EDGE_DATA_DIR: dir.path },
      encoding: 'utf8',
    });
    expect(b.status, b.stderr).toBe(0);
    await makeMovements(edge, token, 200);
    await waitReplicated(edge, token);
    edge.kill('SIGTERM');
    await edge.exited;

    // Restore last night's backup: the ledger is 200 movements behind the cloud.
    for (const f of ['ledger.sqlite-wal', 'ledger.sqlite-shm']) rmSync(join(dir.path, f), { force: true });
    copyFileSync(backup, join(dir.path, 'ledger.sqlite'));
    // Start it with the cloud unreachable first, so the store makes new movements before it
    // learns it is behind (the hard case: its new seqs collide with the cloud's).
    edge = await startEdge(stack, dir.path, 'http://127.0.0.1:9');
    const t2 = await edgeToken(edge);
    await makeMovements(edge, t2, 150);
    edge.kill('SIGTERM');
    await edge.exited;
    edge = await startEdge(stack, dir.path, cloudUrl);
    cleanups.push(() => edge.kill('SIGKILL'));
    const t3 = await edgeToken(edge);
    await waitReplicated(edge, t3);
    await makeMovements(edge, t3, 50);
    await waitReplicated(edge, t3);
    edge.kill('SIGTERM');
    await edge.exited;
    const both = await readBoth(stack, dir.path);
    expect(both.cloudRows.length).toBe(300 + 200 + 150 + 50);
    expect(new Set(both.cloudRows.map((r) => r.id)).size).toBe(700);
    expect(both.cloudRows).toEqual(both.edgeRows);
    expect(both.cloudStock).toEqual(both.edgeStock);
  }, 180_000);

  it('a cloud restored from an old backup gets the lost movements again, with a loud alarm', async () => {
    const { stack, dir } = await setup();
    const edge = await startEdge(stack, dir.path, stack.cloud!.baseUrl);
    cleanups.push(() => edge.kill('SIGKILL'));
    const token = await edgeToken(edge);
    await createItems(edge, token);
    await makeMovements(edge, token, 3000);
    await waitReplicated(edge, token);

    // What restoring last night's MySQL backup looks like to this store: its last 1,200
    // movements are gone from the cloud, and the cloud's mark is back at seq 1,800.
    const mysql = (await import('mysql2/promise')).default;
    const conn = await mysql.createConnection({ uri: stack.db.url });
    await conn.query('DELETE FROM movements WHERE store_id = ? AND seq > 1800', [stack.storeId]);
    await conn.query('UPDATE stores SET applied_seq = 1800 WHERE id = ?', [stack.storeId]);
    await conn.query('DELETE FROM stock WHERE store_id = ?', [stack.storeId]);
    await conn.query(
      `INSERT INTO stock (store_id, sku, location, tenant_id, on_hand, reserved)
       SELECT store_id, sku, location, tenant_id,
              SUM(CASE WHEN type = 'sale' THEN -qty ELSE qty END), 0
       FROM movements WHERE store_id = ? GROUP BY store_id, sku, location, tenant_id`,
      [stack.storeId],
    );
    await conn.end();

    await makeMovements(edge, token, 100);
    await waitReplicated(edge, token);
    const status = await replicationStatus(edge, token);
    expect(status.alarm).toMatch(/the cloud lost movements from seq 1801/);
    const both = await readBoth(stack, dir.path);
    expect(both.cloudRows.length).toBe(3100);
    expect(both.cloudRows).toEqual(both.edgeRows);
    expect(both.cloudStock).toEqual(both.edgeStock);
  }, 180_000);

  it('a price change made in the cloud reaches the store once; reservations are accepted or rejected', async () => {
    const { stack, dir } = await setup();
    const cloud = stack.cloud!;
    const edge = await startEdge(stack, dir.path, cloud.baseUrl);
    cleanups.push(() => edge.kill('SIGKILL'));
    const token = await edgeToken(edge);
    await createItems(edge, token);
    await edgeApi(edge, token, 'POST', '/movements', {
      movements: [{ id: crypto.randomUUID(), type: 'receive', sku: 'A', location: 'store', qty: 5 }],
    });
    const put = await adminCall(cloud, 'PUT', '/v1/items/A', {
      tenantId: stack.tenantId,
      name: 'Item A (new name)',
      gtins: ['4006381333931'],
      price: { amount: 2.49, currency: 'EUR' },
    });
    expect(put.status).toBeLessThan(300);
    const deadline = Date.now() + 30_000;
    let item: Record<string, unknown> = {};
    while (Date.now() < deadline) {
      item = (await edgeApi(edge, token, 'GET', '/items/A')).body;
      if ((item.price as { amount?: string } | undefined)?.amount === '2.49') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(item).toMatchObject({
      name: 'Item A (new name)',
      price: { amount: '2.49', currency: 'EUR' },
      gtins: ['4006381333931'],
    });

    const ok = await adminCall(cloud, 'POST', '/v1/reservations', {
      storeId: stack.storeId,
      sku: 'A',
      qty: 2,
      ref: 'WEB-1001',
    });
    const tooMany = await adminCall(cloud, 'POST', '/v1/reservations', {
      storeId: stack.storeId,
      sku: 'A',
      qty: 50,
      ref: 'WEB-1002',
    });
    expect(ok.status).toBe(201);
    expect(tooMany.status).toBe(201);
    const statusOf = async (id: unknown) =>
      (await adminCall(cloud, 'GET', `/v1/reservations/${id}`)).body.status;
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      if ((await statusOf(ok.body.id)) === 'accepted' && (await statusOf(tooMany.body.id)) === 'rejected')
        break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(await statusOf(ok.body.id)).toBe('accepted');
    expect(await statusOf(tooMany.body.id)).toBe('rejected');
    const stock = (await edgeApi(edge, token, 'GET', '/stock?sku=A&location=store')).body as {
      items: Array<{ reserved: number; available: number }>;
    };
    expect(stock.items[0]).toMatchObject({ reserved: 2, available: 3 });

    // The price change was applied once: one catalog write, however often the feed is read.
    await waitReplicated(edge, token);
    edge.kill('SIGTERM');
    await edge.exited;
    const both = await readBoth(stack, dir.path);
    expect(both.cloudRows).toEqual(both.edgeRows);
    expect(both.cloudRows.filter((r) => r.type === 'reserve')).toHaveLength(1);
    expect(both.cloudRows.filter((r) => r.type === 'reject')).toHaveLength(1);
  }, 120_000);

  it('tells a second agent using the same store credential so, instead of interleaving ledgers', async () => {
    const { stack, dir } = await setup();
    const other = makeTempDir('e2e-second-');
    cleanups.push(() => other.remove());
    const first = await startEdge(stack, dir.path, stack.cloud!.baseUrl);
    cleanups.push(() => first.kill('SIGKILL'));
    const t1 = await edgeToken(first);
    await createItems(first, t1);
    await makeMovements(first, t1, 10);
    await waitReplicated(first, t1);
    const second = await startEdge(stack, other.path, stack.cloud!.baseUrl);
    cleanups.push(() => second.kill('SIGKILL'));
    const t2 = await edgeToken(second);
    await createItems(second, t2);
    await makeMovements(second, t2, 5);
    let status = await replicationStatus(second, t2);
    const deadline = Date.now() + 30_000;
    while (!status.alarm && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      status = await replicationStatus(second, t2);
    }
    expect(`${status.alarm}`, `${JSON.stringify(status)}\n${second.output().slice(-2000)}`).toMatch(
      /another edge agent installation/,
    );
    expect(status.lastAckedSeq).toBe(0);
    const both = await readBoth(stack, dir.path);
    expect(both.cloudRows).toEqual(both.edgeRows);
  }, 120_000);
});
