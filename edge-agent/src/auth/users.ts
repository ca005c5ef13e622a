import { hash, randomBytes } from 'node:crypto';
import type { Db } from '../db/database.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { EventTickets } from './tickets.js';

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

export function sha256(token: string): string {
  return hash('sha256', token, 'base64url');
}

/** A caller's token as the store knows it: who, and which row (the hash), for revocation. */
export interface Session {
  principal: Principal;
  tokenHash: string;
}

/** Sessions that just ended: one token (logout), or all of a user's. */
export type RevokedSessions = { tokenHash: string } | { username: string };

export interface UsersOptions {
  /**
   * Live tokens kept per user; a new login past it ends that user's oldest session, so a loop
   * of logins (or a misbehaving client) cannot grow the table without bound.
   */
  maxTokensPerUser?: number;
}

/** Expired rows removed per login at most: the cost of a login stays bounded however many expired. */
const PRUNE_BATCH = 100;

/**
 * Users and opaque bearer tokens. Tokens are stored only as SHA-256 hashes, with expiry, so a
 * backup of the database holds no live bearer token. The table stays bounded: at most
 * `maxTokensPerUser` rows per user, expired rows are pruned on every login and on use.
 */
export class Users {
  /** Prepared once: every API request authenticates. */
  private readonly tokenRow;
  private readonly maxTokensPerUser: number;
  /** Short-lived, one-use tickets for the console's EventSource (which cannot send headers). */
  readonly tickets: EventTickets;

  constructor(
    private readonly db: Db,
    private readonly clock: () => Date = () => new Date(),
    opts: UsersOptions = {},
  ) {
    this.maxTokensPerUser = opts.maxTokensPerUser ?? 32;
    this.tickets = new EventTickets(() => this.clock().getTime());
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
    this.revokeUser(username);
    return r.changes > 0;
  }

  /**
   * A role change ends the user's sessions: a token carries its role's expiry (a device's is a
   * year), so keeping it would give a demoted user the old lifetime, or the new role a device's.
   */
  setRole(username: string, role: Role): boolean {
    const r = this.db.prepare('UPDATE users SET role = ? WHERE username = ?').run(role, username);
    this.revokeUser(username);
    return r.changes > 0;
  }

  /** Ends every session of a user (their tokens answer 401 from then on). */
  revokeUser(username: string): number {
    const n = this.db.prepare('DELETE FROM api_tokens WHERE username = ?').run(username).changes;
    this.notifyRevoked({ username });
    return n;
  }

  private readonly revokedListeners = new Set<(ended: RevokedSessions) => void>();

  /** Calls `fn` when sessions end by logout or by a change of the user (open event streams close). */
  onRevoked(fn: (ended: RevokedSessions) => void): () => void {
    this.revokedListeners.add(fn);
    return () => this.revokedListeners.delete(fn);
  }

  private notifyRevoked(ended: RevokedSessions): void {
    for (const fn of this.revokedListeners) fn(ended);
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

  /**
   * Checks a password without issuing a token; null when the user is unknown, disabled or the
   * password is wrong. MQTT logins use this: a CONNECT is not a session of the API.
   */
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

  /** Checks a password and issues a token; null when `verify` says no. */
  async login(username: string, password: string): Promise<IssuedToken | null> {
    const principal = await this.verify(username, password);
    return principal ? this.issue(principal.username, principal.role) : null;
  }

  issue(username: string, role: Role): IssuedToken {
    const token = `se_${randomBytes(32).toString('base64url')}`;
    const now = this.clock();
    const expiresAt = new Date(now.getTime() + TOKEN_TTL_MS[role]).toISOString();
    this.db.transaction(() => {
      this.pruneExpired(PRUNE_BATCH);
      this.db
        .prepare(
          'INSERT INTO api_tokens (token_hash, username, role, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
        )
        .run(sha256(token), username, role, now.toISOString(), expiresAt);
      // Oldest sessions first out (rowid breaks ties within one millisecond).
      this.db
        .prepare(
          `DELETE FROM api_tokens WHERE username = ? AND rowid NOT IN (
             SELECT rowid FROM api_tokens WHERE username = ? ORDER BY created_at DESC, rowid DESC LIMIT ?)`,
        )
        .run(username, username, this.maxTokensPerUser);
    })();
    return { token, role, expiresAt };
  }

  authenticate(token: string): Principal | null {
    return this.sessionByHash(sha256(token))?.principal ?? null;
  }

  /** The session a token belongs to; null when unknown or expired (an expired row is removed). */
  session(token: string): Session | null {
    return this.sessionByHash(sha256(token));
  }

  /** As `session`, by the stored hash (tickets and open event streams hold the hash, not the token). */
  sessionByHash(tokenHash: string): Session | null {
    const row = this.tokenRow.get(tokenHash);
    if (!row) return null;
    if (row.expires_at <= this.clock().toISOString()) {
      this.db.prepare('DELETE FROM api_tokens WHERE token_hash = ?').run(tokenHash);
      return null;
    }
    return { principal: { username: row.username, role: row.role }, tokenHash };
  }

  /** Ends one session (logout); true when the token was live. */
  revoke(token: string): boolean {
    return this.revokeHash(sha256(token));
  }

  revokeHash(tokenHash: string): boolean {
    const live = this.db.prepare('DELETE FROM api_tokens WHERE token_hash = ?').run(tokenHash).changes > 0;
    if (live) this.notifyRevoked({ tokenHash });
    return live;
  }

  /** Removes up to `limit` expired tokens (bounded work per call); answers how many went. */
  pruneExpired(limit = PRUNE_BATCH): number {
    return this.db
      .prepare(
        'DELETE FROM api_tokens WHERE rowid IN (SELECT rowid FROM api_tokens WHERE expires_at <= ? LIMIT ?)',
      )
      .run(this.clock().toISOString(), limit).changes;
  }

  /** Live tokens of a user (tests and operators: the per-user cap holds). */
  tokenCount(username?: string): number {
    const row = (
      username === undefined
        ? this.db.prepare('SELECT COUNT(*) AS n FROM api_tokens').get()
        : this.db.prepare('SELECT COUNT(*) AS n FROM api_tokens WHERE username = ?').get(username)
    ) as { n: number };
    return row.n;
  }
}
