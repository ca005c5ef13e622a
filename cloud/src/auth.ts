import type { FastifyRequest } from 'fastify';
import type { Pool } from './db.js';
import { looksLikeJwt, type OidcVerifier } from './oidc.js';
import { forbidden, unauthorized } from './problem.js';
import { bearerToken, hashToken, tokensEqual } from './tokens.js';

export type Principal =
  | PersonPrincipal
  | { kind: 'admin' }
  | {
      kind: 'store';
      storeId: string;
      tenantId: string;
      /** SHA-256 of the presented token: ingest checks it again under the store's row lock. */
      tokenHash?: Buffer;
    };

export interface Authenticator {
  authenticate(request: FastifyRequest): Promise<Principal>;
}

export interface AuthOptions {
  /** How long a store credential looked up is believed without asking again (default 5 s). */
  cacheTtlMs?: number;
  /** Credentials remembered at most (default 10,000; the oldest goes first). */
  cacheMax?: number;
  /** Bearer JWTs from the OpenID provider (oidc.ts); without it a JWT is an unknown token (401). */
  oidc?: OidcVerifier;
}

interface Remembered {
  storeId: string;
  tenantId: string;
  until: number;
}

/**
 * Store credentials looked up in the last few seconds, per pool (one cloud process), so a store
 * sending a batch a second costs one lookup every few seconds, not one per batch. A rotation in
 * this process forgets the store's entries at once (forgetStoreCredentials); another replica
 * believes a revoked token for at most the TTL on reads, never on ingest, which checks the token
 * again in the statement that locks the store's row (ingest/batch.ts).
 */
const caches = new WeakMap<Pool, Map<string, Remembered>>();

function cacheOf(pool: Pool): Map<string, Remembered> {
  let cache = caches.get(pool);
  if (!cache) {
    cache = new Map();
    caches.set(pool, cache);
  }
  return cache;
}

/** Forgets every remembered credential of `storeId` (its tokens were rotated). */
export function forgetStoreCredentials(pool: Pool, storeId: string): void {
  const cache = caches.get(pool);
  if (!cache) return;
  for (const [key, entry] of cache) if (entry.storeId === storeId) cache.delete(key);
}

export function createAuthenticator(pool: Pool, adminToken: string, opts: AuthOptions = {}): Authenticator {
  const ttlMs = opts.cacheTtlMs ?? 5000;
  const max = opts.cacheMax ?? 10_000;
  const cache = cacheOf(pool);
  return {
    async authenticate(request) {
      const token = bearerToken(request.headers.authorization);
      if (!token) throw unauthorized('missing Authorization: Bearer <token>');
      if (tokensEqual(token, adminToken)) return { kind: 'admin' };
      // A JWT is never a store token (`set_…`): it is checked against the issuer, not the table.
      if (looksLikeJwt(token)) {
        if (!opts.oidc)
          throw unauthorized('a JWT was presented but this cloud has no OpenID issuer configured');
        return opts.oidc.verify(token);
      }
      const tokenHash = hashToken(token);
      const key = tokenHash.toString('base64');
      const now = Date.now();
      const known = cache.get(key);
      if (known && known.until > now) {
        return { kind: 'store', storeId: known.storeId, tenantId: known.tenantId, tokenHash };
      }
      const [rows] = await pool.query(
        'SELECT store_id, tenant_id FROM store_tokens WHERE token_hash = ? AND revoked_at IS NULL',
        [tokenHash],
      );
      const row = (rows as Array<{ store_id: string; tenant_id: string }>)[0];
      if (!row) {
        cache.delete(key);
        throw unauthorized('unknown or revoked token');
      }
      cache.delete(key);
      if (cache.size >= max) cache.delete(cache.keys().next().value as string);
      cache.set(key, { storeId: row.store_id, tenantId: row.tenant_id, until: now + ttlMs });
      return { kind: 'store', storeId: row.store_id, tenantId: row.tenant_id, tokenHash };
    },
  };
}

export function requireAdmin(p: Principal): void {
  if (p.kind !== 'admin') throw forbidden('this route needs the admin token');
}

/** A store token acts only for its own store; admin is refused where only the store may act. */
export function requireStore(
  p: Principal,
  storeId: string,
): { storeId: string; tenantId: string; tokenHash?: Buffer } {
  if (p.kind !== 'store') throw forbidden('this route needs the store token');
  if (p.storeId !== storeId) throw forbidden(`this token belongs to store '${p.storeId}', not '${storeId}'`);
  return p;
}

export function requireAdminOrStore(p: Principal, storeId: string): void {
  if (p.kind === 'admin') return;
  requireStore(p, storeId);
}

// ---------------------------------------------------------------------------------------------
// Head-office people and machines (CONTRACT.md v2 "Head-office people and machines (OIDC)").
// The OIDC verifier (issue 17) turns a bearer JWT into a `person` principal; every /v1 route
// then asks `requireRole` for a Scope and puts it into its query (scopeWhere), so another
// tenant's rows are never read, not read and filtered.

export const ROLES = ['hq-admin', 'merchandiser', 'buyer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** A person (Authorization Code) or an integration (client credentials) from the OIDC issuer. */
export interface PersonPrincipal {
  kind: 'person';
  subject: string;
  tenantId: string;
  roles: Role[];
  /** Store ids the person may see; null: every store of the tenant. */
  stores: string[] | null;
}

/** What a request may touch: null tenant = every tenant (admin token); null stores = all. */
export interface Scope {
  tenantId: string | null;
  stores: string[] | null;
}

/** Any tenant role may read. */
export const READERS: readonly Role[] = ROLES;

/**
 * The scope of a request allowed for `roles` (hq-admin may do everything in its tenant; the
 * admin token everything everywhere). A store token or a person without one of the roles: 403.
 */
export function requireRole(p: Principal, roles: readonly Role[]): Scope {
  if (p.kind === 'admin') return { tenantId: null, stores: null };
  if (p.kind === 'person') {
    if (p.roles.includes('hq-admin') || p.roles.some((r) => roles.includes(r))) {
      return { tenantId: p.tenantId, stores: p.stores };
    }
    throw forbidden(`this route needs one of the roles ${roles.join(', ')}`);
  }
  throw forbidden('this route is not for a store token');
}

/**
 * A WHERE fragment (starting with ' AND ') limiting `tenantCol`/`storeCol` to the scope, and its
 * parameters. Pass storeCol null for tenant-wide rows (catalog, price changes).
 */
export function scopeWhere(
  scope: Scope,
  tenantCol: string,
  storeCol: string | null,
): { sql: string; params: unknown[] } {
  let sql = '';
  const params: unknown[] = [];
  if (scope.tenantId !== null) {
    sql += ` AND ${tenantCol} = ?`;
    params.push(scope.tenantId);
  }
  if (storeCol && scope.stores !== null) {
    if (scope.stores.length === 0) sql += ' AND FALSE';
    else {
      sql += ` AND ${storeCol} IN (?)`;
      params.push(scope.stores);
    }
  }
  return { sql, params };
}

/** True when a row of (tenantId, storeId) is inside the scope; outside answers 404 at the caller. */
export function inScope(scope: Scope, tenantId: string, storeId: string | null): boolean {
  if (scope.tenantId !== null && scope.tenantId !== tenantId) return false;
  if (storeId !== null && scope.stores !== null && !scope.stores.includes(storeId)) return false;
  return true;
}
