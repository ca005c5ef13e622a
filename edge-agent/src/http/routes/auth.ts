import { Type } from 'typebox';
import type { AgentContext } from '../../context.js';
import { EdgeError, ErrorCode } from '../../errors.js';
import { authenticate } from '../auth.js';
import { NoContent, problems } from '../schemas.js';
import type { App } from '../server.js';

const Credentials = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 128 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

export async function authRoutes(app: App, ctx: AgentContext): Promise<void> {
  app.post(
    '/auth/token',
    {
      schema: {
        summary: 'Log in: exchanges a username and password for a bearer token',
        security: [],
        body: Credentials,
        response: {
          200: Type.Object({ token: Type.String(), role: Type.String(), expiresAt: Type.String() }),
          ...problems(400, 401, 429),
        },
      },
    },
    async (req, reply) => {
      const { username, password } = req.body;
      const outcome = await ctx.loginLimiter.attempt({ username, address: req.ip }, () =>
        ctx.users.login(username, password),
      );
      if (outcome.kind === 'locked') {
        ctx.metrics.loginsRefused.inc({ via: 'http' });
        reply.header('retry-after', String(outcome.retryAfter));
        throw new EdgeError(
          ErrorCode.Auth_LoginLocked,
          `too many failed logins; try again in ${outcome.retryAfter} s`,
        );
      }
      if (outcome.kind === 'wrong') {
        ctx.metrics.loginFailures.inc();
        throw new EdgeError(ErrorCode.Auth_WrongPassword, 'wrong username or password');
      }
      const issued = outcome.value;
      return issued;
    },
  );

  app.post(
    '/auth/logout',
    {
      // Outside the secured scope (like /auth/token), so it checks the token itself.
      onRequest: authenticate(ctx.users),
      schema: {
        summary: 'Log out: revokes the presented token (it answers 401 from then on)',
        response: { 204: NoContent, ...problems(401) },
      },
    },
    async (req, reply) => {
      if (req.callerToken) ctx.users.revokeHash(req.callerToken);
      return reply.code(204).send();
    },
  );
}
