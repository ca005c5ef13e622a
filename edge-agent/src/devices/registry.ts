import { hashPassword } from '../auth/passwords.js';
import type { DeviceConfig } from '../config/settings.js';
import type { Db } from '../db/database.js';
import type { EventBus } from '../events.js';

export type DeviceState = 'online' | 'offline' | 'error';

export interface DeviceStatus {
  status: DeviceState;
  lastSeenAt: string | null;
  lastError: string | null;
  /** Kind-specific live details (printer problems, reader read rate, ...). */
  details?: Record<string, unknown>;
}

export interface DeviceView extends DeviceStatus {
  id: string;
  kind: string;
  config: DeviceConfig;
}

/** Keeps the device list (seeded from the config file, managed through the API) and live status. */
export class DeviceRegistry {
  private readonly live = new Map<string, DeviceStatus>();

  constructor(
    private readonly db: Db,
    private readonly events: EventBus,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Config file devices are written over what the API stored: the file is the seed of truth at
   * start. The file gives a reader's password in clear; only its hash is stored.
   */
  async seed(devices: DeviceConfig[]): Promise<void> {
    const stored = await Promise.all(devices.map((d) => withHashedPassword(d, null)));
    const put = this.db.prepare(
      `INSERT INTO devices (id, kind, config, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, config = excluded.config, updated_at = excluded.updated_at`,
    );
    this.db.transaction(() => {
      for (const d of stored) put.run(d.id, d.kind, JSON.stringify(d), this.clock().toISOString());
    })();
  }

  list(): DeviceView[] {
    return (this.db.prepare('SELECT config FROM devices ORDER BY id').all() as Array<{ config: string }>).map(
      (r) => this.view(JSON.parse(r.config) as DeviceConfig),
    );
  }

  get(id: string): DeviceView | null {
    const row = this.db.prepare('SELECT config FROM devices WHERE id = ?').get(id) as
      | { config: string }
      | undefined;
    return row ? this.view(JSON.parse(row.config) as DeviceConfig) : null;
  }

  /** Device configs as stored, password hashes included (for drivers and broker logins; never for the API). */
  configs(kind?: string): DeviceConfig[] {
    return (this.db.prepare('SELECT config FROM devices ORDER BY id').all() as Array<{ config: string }>)
      .map((r) => JSON.parse(r.config) as DeviceConfig)
      .filter((c) => kind === undefined || c.kind === kind);
  }

  put(config: DeviceConfig): void {
    this.db
      .prepare(
        `INSERT INTO devices (id, kind, config, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, config = excluded.config, updated_at = excluded.updated_at`,
      )
      .run(config.id, config.kind, JSON.stringify(config), this.clock().toISOString());
    // Drivers follow (a device's driver is started, restarted or stopped).
    this.events.emit('device.changed', { id: config.id, config });
  }

  remove(id: string): boolean {
    const r = this.db.prepare('DELETE FROM devices WHERE id = ?').run(id);
    this.live.delete(id);
    if (r.changes > 0) this.events.emit('device.changed', { id, config: null });
    return r.changes > 0;
  }

  setStatus(
    id: string,
    status: DeviceState,
    opts: { error?: string | null; details?: Record<string, unknown> } = {},
  ): void {
    const prev = this.live.get(id);
    const now = this.clock().toISOString();
    const next: DeviceStatus = {
      status,
      lastSeenAt: status === 'online' ? now : (prev?.lastSeenAt ?? null),
      lastError: opts.error !== undefined ? opts.error : (prev?.lastError ?? null),
      details: opts.details ?? prev?.details,
    };
    this.live.set(id, next);
    if (prev?.status !== status || opts.error) {
      this.events.emit('device', { id, status, lastError: next.lastError, at: now });
    }
  }

  /**
   * A device was heard from (a scan, a tag read) at `at` (default: now): refreshes lastSeenAt
   * without an event. RFID readers call this for every message, thousands a second, so the
   * timestamp text is reused while the millisecond is the same.
   */
  seen(id: string, at: Date = this.clock()): void {
    const prev = this.live.get(id);
    if (prev?.status !== 'online') {
      this.setStatus(id, 'online');
      return;
    }
    const ms = at.getTime();
    if (ms !== this.seenMs) {
      this.seenMs = ms;
      this.seenIso = at.toISOString();
    }
    prev.lastSeenAt = this.seenIso;
  }

  private seenMs = Number.NaN;
  private seenIso = '';

  status(id: string): DeviceStatus {
    return this.live.get(id) ?? { status: 'offline', lastSeenAt: null, lastError: null };
  }

  private view(config: DeviceConfig): DeviceView {
    return { id: config.id, kind: config.kind, config: redact(config), ...this.status(config.id) };
  }
}

/** Device passwords (hashes, and the clear text of an older database) never leave the agent through the API. */
function redact(config: DeviceConfig): DeviceConfig {
  if (config.password === undefined && config.passwordHash === undefined) return config;
  const { password: _p, passwordHash: _h, ...rest } = config;
  return rest as DeviceConfig;
}

/** What the console sends back for a password it was not shown (older consoles showed this). */
export const PASSWORD_PLACEHOLDER = '********';

/**
 * The config to store for a device given in clear (API body, config file): `password` becomes
 * `passwordHash` (scrypt, as users' passwords); no password (or the placeholder) keeps the
 * stored hash of `prev`. A `passwordHash` given from outside is never taken as is.
 */
export async function withHashedPassword(
  config: DeviceConfig,
  prev: DeviceConfig | null,
): Promise<DeviceConfig> {
  const { password, passwordHash: _ignored, ...rest } = config;
  if (typeof password === 'string' && password !== PASSWORD_PLACEHOLDER && password !== '')
    return { ...rest, passwordHash: await hashPassword(password) } as DeviceConfig;
  if (typeof prev?.passwordHash === 'string')
    return { ...rest, passwordHash: prev.passwordHash } as DeviceConfig;
  return rest as DeviceConfig;
}
