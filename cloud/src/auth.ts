import type { FastifyRequest } from 'fastify';
import type { Pool } from './db.js';
import { forbidden, unauthorized } from './problem.js';
import { bearerToken, hashToken, tokensEqual } from './tokens.js';

export type Principal = { kind: 'admin' } | { kind: 'store'; storeId: string; tenantId: string };

export interface Authenticator {
  authenticate(request: FastifyRequest): Promise<Principal>;
}

export function createAuthenticator(pool: Pool, adminToken: string): Authenticator {
  return {
    async authenticate(request) {
      const token = bearerToken(request.headers.authorization);
      if (!token) throw unauthorized('missing Authorization: Bearer <token>');
      if (tokensEqual(token, adminToken)) return { kind: 'admin' };
      const [rows] = await pool.query(
        'SELECT store_id, tenant_id FROM store_tokens WHERE token_hash = ? AND revoked_at IS NULL',
        [hashToken(token)],
      );
      const row = (rows as Array<{ store_id: string; tenant_id: string }>)[0];
      if (!row) throw unauthorized('unknown or revoked token');
      return { kind: 'store', storeId: row.store_id, tenantId: row.tenant_id };
    },
  };
}

export function requireAdmin(p: Principal): void {
  if (p.kind !== 'admin') throw forbidden('this route needs the admin token');
}

/** A store token acts only for its own store; admin is refused where only the store may act. */
export function requireStore(p: Principal, storeId: string): { storeId: string; tenantId: string } {
  if (p.kind !== 'store') throw forbidden('this route needs the store token');
  if (p.storeId !== storeId) throw forbidden(`this token belongs to store '${p.storeId}', not '${storeId}'`);
  return p;
}

export function requireAdminOrStore(p: Principal, storeId: string): void {
  if (p.kind === 'admin') return;
  requireStore(p, storeId);
}
