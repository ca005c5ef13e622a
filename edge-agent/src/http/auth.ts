import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal, Role, Users } from '../auth/users.js';
import { HttpProblem } from './problem.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Principal | null;
  }
}

/** Reads `Authorization: Bearer <token>`; 401 when missing, unknown or expired. */
export function authenticate(users: Users) {
  return async (req: FastifyRequest): Promise<void> => {
    const header = req.headers.authorization;
    const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    // EventSource cannot send headers: the console passes its token in the query for /events only.
    const query = req.query as Record<string, unknown> | undefined;
    if (!m && req.url.startsWith('/api/v1/events') && typeof query?.access_token === 'string') {
      const principal = users.authenticate(query.access_token);
      if (principal) {
        req.caller = principal;
        return;
      }
    }
    if (!m?.[1]) {
      throw new HttpProblem(
        401,
        'Unauthorized',
        'this route needs Authorization: Bearer <token> (POST /api/v1/auth/token)',
      );
    }
    const principal = users.authenticate(m[1]);
    if (!principal)
      throw new HttpProblem(401, 'Unauthorized', 'the token is unknown or has expired; log in again');
    req.caller = principal;
  };
}

/** A preHandler that lets only the given roles through (403 otherwise). */
export function allow(...roles: Role[]) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const p = req.caller;
    if (!p) throw new HttpProblem(401, 'Unauthorized', 'not logged in');
    if (!roles.includes(p.role)) {
      throw new HttpProblem(
        403,
        'Forbidden',
        `role '${p.role}' may not do this (needs ${roles.join(' or ')})`,
      );
    }
  };
}

export const EVERYONE: Role[] = ['admin', 'manager', 'associate', 'device'];
export const STAFF: Role[] = ['admin', 'manager', 'associate'];
export const MANAGERS: Role[] = ['admin', 'manager'];
