import { Type } from 'typebox';
import type { AgentContext } from '../context.js';
import { EdgeError, ErrorCode } from '../errors.js';
import { allow, EVERYONE, MANAGERS, STAFF } from '../http/auth.js';
import {
  NoContent,
  Open,
  problems,
  ScanCountReportResponse,
  ScanCountResponse,
  SECURED,
} from '../http/schemas.js';
import type { App } from '../http/server.js';
import { literals } from '../util/schema.js';
import type { Scanning } from './index.js';

const DeviceParams = Type.Object({ deviceId: Type.String({ minLength: 1, maxLength: 64 }) });

export function scanRoutes(s: Scanning) {
  return async (app: App, _ctx: AgentContext): Promise<void> => {
    app.get(
      '/scans',
      {
        preHandler: allow(...EVERYONE),
        schema: {
          summary: 'Recent decoded scans with their outcome, newest first',
          querystring: Type.Object({
            limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
            deviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            outcome: Type.Optional(literals(['movement', 'lookup', 'counted', 'quarantined'])),
          }),
          response: {
            200: Type.Object({ scans: Type.Array(Open({}, 'a decoded scan with its outcome')) }),
            ...problems(400, ...SECURED),
          },
        },
      },
      async (req) => ({
        scans: s.log.list({
          limit: req.query.limit,
          ...(req.query.deviceId !== undefined ? { deviceId: req.query.deviceId } : {}),
          ...(req.query.outcome !== undefined ? { outcome: req.query.outcome } : {}),
        }),
      }),
    );

    app.get(
      '/scans/count',
      {
        preHandler: allow(...STAFF),
        schema: {
          summary: 'Running scanner counts (count mode), per device',
          response: { 200: Type.Object({ counts: Type.Array(ScanCountResponse) }), ...problems(...SECURED) },
        },
      },
      async () => ({ counts: s.counts.list() }),
    );

    app.get(
      '/scans/count/:deviceId',
      {
        preHandler: allow(...STAFF),
        schema: {
          summary: "A scanner's running count",
          params: DeviceParams,
          response: { 200: ScanCountResponse, ...problems(400, ...SECURED, 404) },
        },
      },
      async (req) => {
        const view = s.counts.get(req.params.deviceId);
        if (!view)
          throw new EdgeError(
            ErrorCode.Scanning_NoRunningCount,
            `no running count on scanner '${req.params.deviceId}'`,
          );
        return view;
      },
    );

    app.post(
      '/scans/count/:deviceId/finish',
      {
        preHandler: allow(...MANAGERS),
        schema: {
          summary: 'Books a scanner count: one count movement per sku, with expected vs counted',
          params: DeviceParams,
          response: { 200: ScanCountReportResponse, ...problems(400, ...SECURED, 404, 409, 422, 503) },
        },
      },
      async (req) => {
        const report = await s.counts.finish(req.params.deviceId, {
          source: `device:${req.params.deviceId}`,
          actor: req.caller?.username ?? 'unknown',
        });
        if (!report)
          throw new EdgeError(
            ErrorCode.Scanning_NoRunningCount,
            `no running count on scanner '${req.params.deviceId}'`,
          );
        return report;
      },
    );

    app.delete(
      '/scans/count/:deviceId',
      {
        preHandler: allow(...MANAGERS),
        schema: {
          summary: 'Discards a running count',
          params: DeviceParams,
          response: { 204: NoContent, ...problems(400, ...SECURED, 404) },
        },
      },
      async (req, reply) => {
        if (!s.counts.discard(req.params.deviceId))
          throw new EdgeError(
            ErrorCode.Scanning_NoRunningCount,
            `no running count on scanner '${req.params.deviceId}'`,
          );
        return reply.code(204).send();
      },
    );
  };
}
