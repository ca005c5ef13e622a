import type { FastifyRequest } from 'fastify';
import type { Pool } from './db.js';
import { forbidden, unauthorized } from './problem.js';
import { bearerToken, hashToken, tokensEqual } from './tokens.js';

export type Principal =
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
 * again in the statement that locks the store's row (ingest.ts).
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
