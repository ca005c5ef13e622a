import { type Static, Type } from 'typebox';
import { AT_PATTERN } from './movement.js';

/**
 * Store health, edge → cloud (issue 17, docs/fleet.md).
 *
 * `POST /v1/stores/{storeId}/health` with the store's token, every `healthReportSeconds` (30 s)
 * and at once when the cloud answers again after an outage. The store opens the connection, as
 * for every other call: the cloud never reaches into a store.
 *
 * Every list and string is bounded here, so one report is at most a few tens of kilobytes
 * whatever a store holds: a store with more devices sends the first `HEALTH_LIMITS.devices`
 * (those in trouble first) and says how many it left out.
 */
export const HEALTH_LIMITS = {
  devices: 200,
  deviceId: 64,
  kind: 32,
  detail: 256,
  agentVersion: 64,
} as const;

export const DEVICE_HEALTH_STATUSES = ['online', 'offline', 'error'] as const;
export type DeviceHealthStatus = (typeof DEVICE_HEALTH_STATUSES)[number];

// Null first in every union: the cloud's validator coerces types, and tried first a string or
// integer branch would turn a null into "" or 0.
const Instant = (description: string) => Type.String({ pattern: AT_PATTERN, maxLength: 40, description });

export const DeviceHealthSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: HEALTH_LIMITS.deviceId }),
    kind: Type.String({ minLength: 1, maxLength: HEALTH_LIMITS.kind }),
    status: Type.Enum([...DEVICE_HEALTH_STATUSES], { type: 'string' }),
    /** Why it is not online: a printer's `~HS` problems ("paper out, head open"), a driver's error. */
    detail: Type.Union([Type.Null(), Type.String({ maxLength: HEALTH_LIMITS.detail })]),
  },
  { additionalProperties: false },
);
export type DeviceHealth = Static<typeof DeviceHealthSchema>;

export const HealthReportSchema = Type.Object(
  {
    agentVersion: Type.String({ minLength: 1, maxLength: HEALTH_LIMITS.agentVersion }),
    /** The store's clock when it sent the report. */
    sentAt: Instant("The store's clock when it sent the report"),
    backlog: Type.Object(
      {
        pending: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
        oldestPendingAt: Type.Union([
          Type.Null(),
          Instant('When the oldest movement not yet replicated was recorded'),
        ]),
      },
      { additionalProperties: false },
    ),
    devices: Type.Array(DeviceHealthSchema, { maxItems: HEALTH_LIMITS.devices }),
    /** Devices the store has beyond the ones listed. */
    devicesLeftOut: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    diskFreeBytes: Type.Union([Type.Null(), Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })]),
    /**
     * Store clock minus cloud clock (ms), as the store measured it from the cloud's previous
     * answer (its `receivedAt`, half the round trip allowed for); null before the first answer.
     */
    clockOffsetMs: Type.Union([Type.Null(), Type.Integer({ minimum: -1e12, maximum: 1e12 })]),
  },
  { additionalProperties: false },
);
export type HealthReport = Static<typeof HealthReportSchema>;

export const HealthAckSchema = Type.Object({
  /** The cloud's clock when it took the report (the store measures its clock offset from it). */
  receivedAt: Type.String(),
});
export type HealthAck = Static<typeof HealthAckSchema>;
