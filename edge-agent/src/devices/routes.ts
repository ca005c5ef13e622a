import { Type } from 'typebox';
import type { DeviceConfig } from '../config/settings.js';
import { DeviceSettings } from '../config/settings.js';
import type { AgentContext } from '../context.js';
import { EdgeError, ErrorCode } from '../errors.js';
import { allow, EVERYONE } from '../http/auth.js';
import { DeviceResponse, NoContent, problems, SECURED } from '../http/schemas.js';
import type { App } from '../http/server.js';
import { type DeviceRegistry, withHashedPassword } from './registry.js';

/** Checks a device's kind-specific fields; each driver module registers its own. */
export type DeviceValidator = (config: DeviceConfig) => Array<{ path: string; message: string }>;

export function deviceRoutes(devices: DeviceRegistry, validators: Map<string, DeviceValidator>) {
  return async (app: App, _ctx: AgentContext): Promise<void> => {
    app.get(
      '/devices',
      {
        preHandler: allow(...EVERYONE),
        schema: {
          summary: 'Devices with live status',
          response: { 200: Type.Object({ devices: Type.Array(DeviceResponse) }), ...problems(...SECURED) },
        },
      },
      async () => ({
        devices: devices.list(),
      }),
    );

    app.get(
      '/devices/:id',
      {
        preHandler: allow(...EVERYONE),
        schema: {
          summary: 'A device with its live status',
          params: Type.Object({ id: Type.String() }),
          response: { 200: DeviceResponse, ...problems(...SECURED, 404) },
        },
      },
      async (req) => {
        const d = devices.get(req.params.id);
        if (!d) throw new EdgeError(ErrorCode.Devices_NotFound, `no device '${req.params.id}'`);
        return d;
      },
    );

    app.put(
      '/devices/:id',
      {
        preHandler: allow('admin', 'manager'),
        schema: {
          summary: 'Add or change a device; its driver restarts with the new settings',
          params: Type.Object({
            id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
          }),
          body: DeviceSettings,
          response: { 200: DeviceResponse, ...problems(400, ...SECURED) },
        },
      },
      async (req) => {
        // A reader's password arrives in clear and is stored hashed; an edit without one (the
        // console is never shown it) keeps the stored hash.
        const prev = devices.configs().find((c) => c.id === req.params.id) ?? null;
        const config = await withHashedPassword({ ...req.body, id: req.params.id } as DeviceConfig, prev);
        const problems = validators.get(config.kind)?.(config) ?? [];
        if (problems.length > 0) {
          throw new EdgeError(
            ErrorCode.Devices_InvalidConfig,
            problems.map((p) => `${p.path}: ${p.message}`).join('; '),
            { extra: { errors: problems } },
          );
        }
        devices.put(config);
        return devices.get(config.id)!;
      },
    );

    app.delete(
      '/devices/:id',
      {
        preHandler: allow('admin', 'manager'),
        schema: {
          summary: 'Remove a device; its driver stops',
          params: Type.Object({ id: Type.String() }),
          response: { 204: NoContent, ...problems(...SECURED, 404) },
        },
      },
      async (req, reply) => {
        if (!devices.remove(req.params.id))
          throw new EdgeError(ErrorCode.Devices_NotFound, `no device '${req.params.id}'`);
        return reply.code(204).send();
      },
    );
  };
}
