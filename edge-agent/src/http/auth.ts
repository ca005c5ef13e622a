import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal, Role, Users } from '../auth/users.js';
import { EdgeError, ErrorCode } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Principal | null;
    /** The hash of the caller's token (logout revokes it; an open event stream checks it). */
    callerToken: string | null;
  }
}

/** The one route a ticket opens, and only by GET (EventSource). */
const TICKET_ROUTE = '/api/v1/events';

/**
 * Reads `Authorization: Bearer <token>`; 401 when missing, unknown or expired. `GET
 * /api/v1/events` also takes `?ticket=` (a one-use ticket from POST /api/v1/events/tickets):
 * EventSource cannot send headers, and the long-lived token must never travel in a URL.
 */
export function authenticate(users: Users) {
  return async (req: FastifyRequest): Promise<void> => {
    const header = req.headers.authorization;
    const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!m?.[1] && req.method === 'GET' && req.routeOptions.url === TICKET_ROUTE) {
      const query = req.query as Record<string, unknown> | undefined;
      if (typeof query?.ticket === 'string') {
        const grant = users.tickets.consume(query.ticket);
        // Bound to the session that asked for it: a logout in between ends the ticket too.
        const session = grant ? users.sessionByHash(grant.tokenHash) : null;
        if (!session || session.principal.username !== grant?.username)
          throw new EdgeError(
            ErrorCode.Auth_TicketInvalid,
            'the ticket is unknown, used or expired; ask POST /api/v1/events/tickets for a new one',
          );
        req.caller = session.principal;
        req.callerToken = session.tokenHash;
        return;
      }
    }
    if (!m?.[1]) {
      throw new EdgeError(
        ErrorCode.Auth_NoToken,
        'this route needs Authorization: Bearer <token> (POST /api/v1/auth/token)',
      );
    }
    const session = users.session(m[1]);
    if (!session)
      throw new EdgeError(ErrorCode.Auth_TokenUnknown, 'the token is unknown or has expired; log in again');
    req.caller = session.principal;
    req.callerToken = session.tokenHash;
  };
}

/** A preHandler that lets only the given roles through (403 otherwise). */
export function allow(...roles: Role[]) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const p = req.caller;
    if (!p) throw new EdgeError(ErrorCode.Auth_NotLoggedIn, 'not logged in');
    if (!roles.includes(p.role)) {
      throw new EdgeError(
        ErrorCode.Auth_RoleForbidden,
        `role '${p.role}' may not do this (needs ${roles.join(' or ')})`,
      );
    }
  };
}

export const EVERYONE: Role[] = ['admin', 'manager', 'associate', 'device'];
export const STAFF: Role[] = ['admin', 'manager', 'associate'];
export const MANAGERS: Role[] = ['admin', 'manager'];
