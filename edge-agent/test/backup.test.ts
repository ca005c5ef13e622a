import { spawnSync } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, repoRoot, startAgent, storeEdgeBin } from '@store-edge/testing';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

async function token(baseUrl: string): Promise<string> {
  const r = await fetch(`${baseUrl}/api/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'admin-test-password' }),
  });
  return ((await r.json()) as { token: string }).token;
}

describe('store-edge edge backup', () => {
  it('copies a consistent ledger while the agent writes, and the copy restores', async () => {
    const dir = makeTempDir();
    const backupFile = join(dir.path, 'backup.sqlite');
    const dataDir = join(dir.path, 'data');
    try {
      const agent = await startAgent({ dataDir });
      const t = await token(agent.baseUrl);
      const headers = { authorization: `Bearer ${t}`, 'content-type': 'application/json' };
      await fetch(`${agent.baseUrl}/api/v1/items/A`, {
        method: 'PUT',
        headers,
        body: JSON.stringify({ name: 'A', gtins: [], price: { amount: '1.00', currency: 'EUR' } }),
      });
      let writing = true;
      let acked = 0;
      const writer = (async () => {
        while (writing) {
          const movements = Array.from({ length: 50 }, () => ({
            id: crypto.randomUUID(),
            type: 'receive',
            sku: 'A',
            qty: 1,
          }));
          const r = await fetch(`${agent.baseUrl}/api/v1/movements`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ movements }),
          });
          if (r.status === 200) acked += 50;
        }
      })();
      await new Promise((r) => setTimeout(r, 300));
      const b = spawnSync(process.execPath, [storeEdgeBin, 'edge', 'backup', '--out', backupFile], {
        cwd: repoRoot,
        env: { ...process.env, STORE_EDGE_DATA_DIR: dataDir },
        encoding: 'utf8',
      });
      expect(b.status, b.stderr).toBe(0);
      expect(b.stderr).toContain('backup written to');
      writing = false;
      await writer;
      const ackedBeforeStop = acked;
      agent.kill('SIGTERM');
      await agent.exited;

      // The copy is a consistent ledger: gapless seq, stock equal to the movements.
      const copy = new Database(backupFile, { readonly: true });
      const n = copy.prepare('SELECT COUNT(*) AS n, MAX(seq) AS m FROM movements').get() as {
        n: number;
        m: number;
      };
      expect(n.n).toBeGreaterThan(0);
      expect(n.m).toBe(n.n);
      expect(n.n).toBeLessThanOrEqual(ackedBeforeStop);
      const onHand = (copy.prepare("SELECT on_hand FROM stock WHERE sku = 'A'").get() as { on_hand: number })
        .on_hand;
      expect(onHand).toBe(n.n);
      copy.close();

      // Restore (docs/operations.md): stop, replace the ledger file, drop WAL/SHM, start.
      for (const f of ['ledger.sqlite-wal', 'ledger.sqlite-shm']) rmSync(join(dataDir, f), { force: true });
      copyFileSync(backupFile, join(dataDir, 'ledger.sqlite'));
      const restored = await startAgent({ dataDir });
      const t2 = await token(restored.baseUrl);
      const stock = await (
        await fetch(`${restored.baseUrl}/api/v1/stock?sku=A`, { headers: { authorization: `Bearer ${t2}` } })
      ).json();
      expect(stock.items[0].onHand).toBe(n.n);
      restored.kill('SIGTERM');
      expect(await restored.exited).toBe(0);
    } finally {
      dir.remove();
    }
  });
});
