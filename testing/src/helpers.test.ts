import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import mqtt from 'mqtt';
import mysql from 'mysql2/promise';
import { describe, expect, inject, it } from 'vitest';
import { startMosquitto } from './mosquitto.js';
import { createTestDatabase } from './mysql.js';
import { makePtyPair } from './pty.js';

describe('test-support helpers', () => {
  it('gives a MySQL server where a fresh database can be created and used', async () => {
    const url = inject('mysqlUrl');
    expect(url, inject('mysqlSkipReason')).not.toBe('');
    const db = await createTestDatabase(url);
    const conn = await mysql.createConnection({ uri: db.url });
    await conn.query('CREATE TABLE t (id INT PRIMARY KEY)');
    await conn.query('INSERT INTO t VALUES (1), (2)');
    const [rows] = await conn.query('SELECT COUNT(*) AS n FROM t');
    expect(rows).toEqual([{ n: 2 }]);
    await conn.end();
    await db.drop();
  });

  it('starts a private Mosquitto that refuses anonymous clients when users are set', async () => {
    const m = await startMosquitto({ users: [{ username: 'reader', password: 'pw' }] });
    if ('skip' in m) throw new Error(m.skip);
    try {
      const good = await mqtt.connectAsync(m.url, { username: 'reader', password: 'pw', reconnectPeriod: 0 });
      expect(good.connected).toBe(true);
      await good.endAsync();
      await expect(mqtt.connectAsync(m.url, { reconnectPeriod: 0, connectTimeout: 2000 })).rejects.toThrow();
    } finally {
      await m.stop();
    }
  });

  it('makes a socat pty pair that carries bytes from the scanner end to the device end', async () => {
    const pair = await makePtyPair();
    if ('skip' in pair) throw new Error(pair.skip);
    try {
      const received = new Promise<string>((resolve) => {
        const rs = createReadStream(pair.devicePath);
        rs.once('data', (b) => {
          rs.destroy();
          resolve(b.toString());
        });
      });
      const ws = createWriteStream(pair.scannerPath);
      // Wait for the write itself: destroying the stream while fs.write was still completing
      // threw "write after destroyed" from the write's callback (seen once in a full run).
      await new Promise<void>((resolve, reject) =>
        ws.write('4006381333931\r', (err) => (err ? reject(err) : resolve())),
      );
      expect(await received).toBe('4006381333931\r');
      await new Promise<void>((resolve) => ws.end(resolve));
    } finally {
      await pair.stop();
    }
    expect(spawnSync('test', ['-e', pair.devicePath]).status).not.toBe(0);
  });
});
