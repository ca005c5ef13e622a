import type { Db } from '../db/database.js';

export interface QuarantineEntry {
  id: number;
  at: string;
  source: string;
  deviceId: string | null;
  raw: string;
  reason: string;
}

/** Input that could not become a movement is kept here with its raw form and the reason. */
export class Quarantine {
  private readonly insert;

  constructor(
    private readonly db: Db,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.insert = db.prepare(
      'INSERT INTO quarantine (at, source, device_id, raw, reason) VALUES (?, ?, ?, ?, ?)',
    );
  }

  add(entry: { source: string; deviceId?: string | null; raw: string | Buffer; reason: string }): number {
    const raw = typeof entry.raw === 'string' ? entry.raw : entry.raw.toString('base64');
    // A flood of garbage must not fill the disk: keep at most 64 KiB of any one input.
    const r = this.insert.run(
      this.clock().toISOString(),
      entry.source,
      entry.deviceId ?? null,
      raw.slice(0, 65536),
      entry.reason,
    );
    return Number(r.lastInsertRowid);
  }

  list(limit: number, afterId = 0): QuarantineEntry[] {
    return (
      this.db
        .prepare(
          'SELECT id, at, source, device_id, raw, reason FROM quarantine WHERE id > ? ORDER BY id DESC LIMIT ?',
        )
        .all(afterId, limit) as Array<{
        id: number;
        at: string;
        source: string;
        device_id: string | null;
        raw: string;
        reason: string;
      }>
    ).map((r) => ({
      id: r.id,
      at: r.at,
      source: r.source,
      deviceId: r.device_id,
      raw: r.raw,
      reason: r.reason,
    }));
  }
}
