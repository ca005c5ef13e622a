import { hash, randomBytes } from 'node:crypto';
import type { Db } from '../db/database.js';
import { hashPassword, verifyPassword } from './passwords.js';

export const ROLES = ['admin', 'manager', 'associate', 'device'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  username: string;
  role: Role;
}

export interface IssuedToken {
  token: string;
  role: Role;
  expiresAt: string;
}

const TOKEN_TTL_MS: Record<Role, number> = {
  // Shared PCs in a back office: a person's session expires within a shift.
  admin: 8 * 3600_000,
  manager: 12 * 3600_000,
  associate: 12 * 3600_000,
  device: 365 * 24 * 3600_000,
};

function sha256(token: string): string {
  return hash('sha256', token, 'base64url');
}

/** Users and opaque bearer tokens. Tokens are stored only as SHA-256 hashes, with expiry. */
export class Users {
  /** Prepared once: every API request authenticates. */
  private readonly tokenRow;

  constructor(
    private readonly db: Db,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.tokenRow = db.prepare<[string], { username: string; role: Role; expires_at: string }>(
      'SELECT username, role, expires_at FROM api_tokens WHERE token_hash = ?',
    );
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
  }

  exists(username: string): boolean {
    return this.db.prepare('SELECT 1 FROM users WHERE username = ?').get(username) !== undefined;
  }

  async create(username: string, password: string, role: Role): Promise<void> {
    const hash = await hashPassword(password);
    this.db
      .prepare('INSERT INTO users (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)')
      .run(username, hash, role, this.clock().toISOString());
  }

  async setPassword(username: string, password: string): Promise<boolean> {
    const hash = await hashPassword(password);
    const r = this.db.prepare('UPDATE users SET password_hash = ? WHERE username = ?').run(hash, username);
    // A new password ends every session of the old one.
    this.db.prepare('DELETE FROM api_tokens WHERE username = ?').run(username);
    return r.changes > 0;
  }

  setRole(username: string, role: Role): boolean {
    const r = this.db.prepare('UPDATE users SET role = ? WHERE username = ?').run(role, username);
    this.db.prepare('UPDATE api_tokens SET role = ? WHERE username = ?').run(role, username);
    return r.changes > 0;
  }

  list(): Array<{ username: string; role: Role; createdAt: string; disabled: boolean }> {
    return (
      this.db
        .prepare('SELECT username, role, created_at, disabled FROM users ORDER BY username')
        .all() as Array<{
        username: string;
        role: Role;
        created_at: string;
        disabled: number;
      }>
    ).map((u) => ({
      username: u.username,
      role: u.role,
      createdAt: u.created_at,
      disabled: u.disabled === 1,
    }));
  }

  /** Checks a password; null when the user is unknown, disabled or the password is wrong. */
  async login(username: string, password: string): Promise<IssuedToken | null> {
    const who = await this.verify(username, password);
    return who ? this.issue(who.username, who.role) : null;
  }

  /** Checks a password without issuing a token (MQTT CONNECT); null as for login(). */
  async verify(username: string, password: string): Promise<Principal | null> {
    const row = this.db
      .prepare('SELECT password_hash, role, disabled FROM users WHERE username = ?')
      .get(username) as { password_hash: string; role: Role; disabled: number } | undefined;
    // Hash anyway when the user is unknown so response time does not reveal which users exist.
    const ok = await verifyPassword(
      password,
      row?.password_hash ?? 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAA',
    );
    if (!row || row.disabled || !ok) return null;
    return { username, role: row.role };
  }

  issue(username: string, role: Role): IssuedToken {
    const token = `se_${randomBytes(32).toString('base64url')}`;
    const now = this.clock();
    const expiresAt = new Date(now.getTime() + TOKEN_TTL_MS[role]).toISOString();
    this.db
      .prepare(
        'INSERT INTO api_tokens (token_hash, username, role, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(sha256(token), username, role, now.toISOString(), expiresAt);
    return { token, role, expiresAt };
  }

  authenticate(token: string): Principal | null {
    const row = this.tokenRow.get(sha256(token));
    if (!row || row.expires_at <= this.clock().toISOString()) return null;
    return { username: row.username, role: row.role };
  }

  revoke(token: string): void {
    this.db.prepare('DELETE FROM api_tokens WHERE token_hash = ?').run(sha256(token));
  }

  pruneExpired(): void {
    this.db.prepare('DELETE FROM api_tokens WHERE expires_at <= ?').run(this.clock().toISOString());
  }
}
