import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '@store-edge/testing';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../src/auth/passwords.js';
import { checkpointAndClose, loadMigrations, migrate, openDatabase } from '../src/db/database.js';
import { type Json, startTestAgent } from './helpers.js';
import { rfidConfig } from './rfid-support.js';

describe('reader passwords', () => {
  it('migration 009 replaces a clear reader password by its hash, and leaves no clear text in the file', async () => {
    const dir = makeTempDir('store-edge-009-');
    try {
      const file = join(dir.path, 'ledger.sqlite');
      const db = openDatabase(file, { migrate: false });
      migrate(
        db,
        loadMigrations().filter((m) => m.version < 9),
      );
      const clear = 'Clear-Reader-Secret-4711';
      db.prepare('INSERT INTO devices (id, kind, config, updated_at) VALUES (?, ?, ?, ?)').run(
        'door-1',
        'rfid-reader',
        JSON.stringify({
          id: 'door-1',
          kind: 'rfid-reader',
          username: 'door1',
          password: clear,
          topic: 'd/1',
        }),
        new Date().toISOString(),
      );
      db.prepare('INSERT INTO devices (id, kind, config, updated_at) VALUES (?, ?, ?, ?)').run(
        'scanner-1',
        'serial-scanner',
        JSON.stringify({ id: 'scanner-1', kind: 'serial-scanner', path: '/dev/ttyACM0' }),
        new Date().toISOString(),
      );
      checkpointAndClose(db);

      const upgraded = openDatabase(file);
      const rows = upgraded.prepare('SELECT id, config FROM devices ORDER BY id').all() as Array<{
        id: string;
        config: string;
      }>;
      const door: Json = JSON.parse(rows[0]!.config);
      expect(door.password).toBeUndefined();
      expect(door).toMatchObject({ username: 'door1', topic: 'd/1' });
      expect(await verifyPassword(clear, door.passwordHash)).toBe(true);
      expect(JSON.parse(rows[1]!.config)).toEqual({
        id: 'scanner-1',
        kind: 'serial-scanner',
        path: '/dev/ttyACM0',
      });
      checkpointAndClose(upgraded);
      // The file a backup copies: the old bytes were overwritten, not left in free space.
      expect(readFileSync(file).includes(Buffer.from(clear))).toBe(false);
    } finally {
      dir.remove();
    }
  });

  it('stores a reader password from the config file and the API only hashed, never shows it, and keeps it on an edit without one', async () => {
    const config = rfidConfig();
    const t = await startTestAgent({ mqtt: true, env: { STORE_EDGE_CONFIG: config.file } });
    try {
      const stored = t.agent.parts!.devices.configs('rfid-reader');
      expect(stored.length).toBeGreaterThan(0);
      for (const c of stored) {
        expect(c.password).toBeUndefined();
        expect(String(c.passwordHash)).toMatch(/^scrypt\$/);
      }
      const put = await t.api('/api/v1/devices/door-9', {
        method: 'PUT',
        body: {
          id: 'door-9',
          kind: 'rfid-reader',
          format: 'zebra-iot',
          topic: 'zebra/door-9/data',
          username: 'door9',
          password: 'door9-secret',
          zone: 'dock',
        },
      });
      expect(put.status).toBe(200);
      expect(put.body.config.password).toBeUndefined();
      expect(put.body.config.passwordHash).toBeUndefined();
      const listed = await t.api('/api/v1/devices');
      expect(JSON.stringify(listed.body)).not.toMatch(/door9-secret|scrypt\$|passwordHash/);

      // The console edits a reader without being shown its password: the stored one stays.
      const edit = await t.api('/api/v1/devices/door-9', {
        method: 'PUT',
        body: {
          id: 'door-9',
          kind: 'rfid-reader',
          format: 'zebra-iot',
          topic: 'zebra/door-9/data',
          username: 'door9',
          zone: 'backroom',
        },
      });
      expect(edit.status).toBe(200);
      expect(edit.body.config.zone).toBe('backroom');
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${t.settings.mqtt.port}`, {
        username: 'door9',
        password: 'door9-secret',
        reconnectPeriod: 0,
      });
      await c.endAsync();

      // A hash given from outside is not taken as the password.
      const forged = await t.api('/api/v1/devices/door-10', {
        method: 'PUT',
        body: {
          id: 'door-10',
          kind: 'rfid-reader',
          format: 'zebra-iot',
          topic: 'zebra/door-10/data',
          username: 'door10',
          passwordHash: stored[0]!.passwordHash,
          zone: 'dock',
        },
      });
      expect(forged.status).toBe(400);
      expect(forged.body.errors.map((e: Json) => e.path)).toEqual(['/password']);
    } finally {
      await t.stop();
      config.remove();
    }
  });
});
