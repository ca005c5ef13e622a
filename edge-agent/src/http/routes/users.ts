import { Type } from 'typebox';
import { ROLES } from '../../auth/users.js';
import type { AgentContext } from '../../context.js';
import { EdgeError, ErrorCode } from '../../errors.js';
import { literals } from '../../util/schema.js';
import { allow } from '../auth.js';
import { Open, problems, SECURED } from '../schemas.js';
import type { App } from '../server.js';

const Role = literals(ROLES);
const Username = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._@-]+$' });
const Password = Type.String({ minLength: 8, maxLength: 1024 });

export async function userRoutes(app: App, ctx: AgentContext): Promise<void> {
  app.get(
    '/users',
    {
      preHandler: allow('admin'),
      schema: {
        summary: 'Users and their roles',
        response: {
          200: Type.Object({
            users: Type.Array(
              Open({
                username: Type.String(),
                role: Type.String(),
                createdAt: Type.String(),
                disabled: Type.Boolean(),
              }),
            ),
          }),
          ...problems(...SECURED),
        },
      },
    },
    async () => ({ users: ctx.users.list() }),
  );

  app.get(
    '/me',
    {
      schema: {
        summary: 'Who the token belongs to',
        response: { 200: Open({ username: Type.String(), role: Type.String() }), ...problems(401) },
      },
    },
    async (req) => req.caller!,
  );

  app.post(
    '/users',
    {
      preHandler: allow('admin'),
      schema: {
        body: Type.Object(
          { username: Username, password: Password, role: Role },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ username: Type.String(), role: Type.String() }),
          ...problems(400, ...SECURED, 409),
        },
      },
    },
    async (req, reply) => {
      const { username, password, role } = req.body;
      if (ctx.users.exists(username))
        throw new EdgeError(ErrorCode.Users_Exists, `user '${username}' exists`);
      await ctx.users.create(username, password, role);
      return reply.code(201).send({ username, role });
    },
  );

  app.put(
    '/users/:username',
    {
      preHandler: allow('admin'),
      schema: {
        params: Type.Object({ username: Username }),
        body: Type.Object(
          { password: Type.Optional(Password), role: Type.Optional(Role) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            username: Type.String(),
            role: Type.Optional(Type.String({ description: 'the new role, when it changed' })),
          }),
          ...problems(400, ...SECURED, 404),
        },
      },
    },
    async (req) => {
      const { username } = req.params;
      if (!ctx.users.exists(username)) throw new EdgeError(ErrorCode.Users_NotFound, `no user '${username}'`);
      if (req.body.role) ctx.users.setRole(username, req.body.role);
      if (req.body.password) await ctx.users.setPassword(username, req.body.password);
      return { username, role: req.body.role };
    },
  );
}
