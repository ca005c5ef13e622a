import { readFileSync } from 'node:fs';
import { MovementFields } from '@store-edge/protocol';
import { type Static, Type } from 'typebox';
import Value from 'typebox/value';
import { parse as parseYaml } from 'yaml';
import { hostTimeZone, isTimeZone } from '../prices/zone.js';
import { literals } from '../util/schema.js';

/**
 * Edge agent settings (CONTRACT.md "Edge agent settings"): a config file named by
 * STORE_EDGE_CONFIG (YAML or JSON) and environment variables; the environment wins.
 */
const Port = Type.Integer({ minimum: 0, maximum: 65535, description: 'TCP port (0-65535)' });

const ScannerMode = literals(['lookup', 'receive', 'sale', 'return', 'count', 'damage']);

// Device entries are checked for their common fields here; each device kind's driver checks
// its own fields when the device is added (the same path the devices API takes).
export const DeviceSettings = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
    kind: literals(['serial-scanner', 'hid-scanner', 'rfid-reader', 'zpl-printer']),
    mode: Type.Optional(ScannerMode),
    // A scanner's location and an RFID reader's zone become the `location` of the movements the
    // device books, so they are held to the replication protocol's bound (the cloud's column).
    location: Type.Optional(MovementFields.location),
    zone: Type.Optional(MovementFields.location),
  },
  { additionalProperties: true },
);

export const SettingsSchema = Type.Object(
  {
    dataDir: Type.String({ minLength: 1 }),
    storeId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
    http: Type.Object({ host: Type.String({ minLength: 1 }), port: Port }),
    mqtt: Type.Object({
      /** Embedded broker port; 0 turns the broker off. */
      port: Port,
      /** Optional external broker (e.g. the store's Mosquitto) the agent connects to as a client. */
      url: Type.Optional(Type.String({ pattern: '^mqtts?://' })),
      username: Type.Optional(Type.String()),
      password: Type.Optional(Type.String()),
      /** MQTTS port of the embedded broker when TLS is configured; 0: no MQTTS listener. */
      tlsPort: Port,
      /** With TLS configured, keep plain MQTT on `port` too (old readers); off by default. */
      plainWithTls: Type.Boolean(),
      /** Largest MQTT packet a client may send (MQTT 3.1.1 allows up to 256 MiB). */
      maxPacketBytes: Type.Integer({ minimum: 1024, maximum: 268_435_455 }),
      /** A client that has not sent its CONNECT (and finished TLS) by then is dropped. */
      connectTimeoutMs: Type.Integer({ minimum: 100, maximum: 120_000 }),
    }),
    /** PEM files: with both set the API and console serve HTTPS and readers get MQTTS. */
    tls: Type.Object(
      {
        cert: Type.Optional(Type.String({ minLength: 1 })),
        key: Type.Optional(Type.String({ minLength: 1 })),
      },
      { additionalProperties: false },
    ),
    adminPassword: Type.Optional(Type.String({ minLength: 8 })),
    cloud: Type.Object({
      url: Type.Optional(Type.String({ pattern: '^https?://' })),
      token: Type.Optional(Type.String({ minLength: 1 })),
    }),
    /** RFID presence smoothing and input limits (drivers' PresenceSmoother; unset fields keep its defaults). */
    rfid: Type.Object(
      {
        smoothing: Type.Object(
          {
            arriveReads: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
            arriveWindowMs: Type.Optional(Type.Integer({ minimum: 1 })),
            departAfterMs: Type.Optional(Type.Integer({ minimum: 1 })),
            moveHysteresisDb: Type.Optional(Type.Number({ minimum: 0 })),
          },
          { additionalProperties: false },
        ),
        /** Rejected reader payloads kept in quarantine per reader and second; the rest are only counted. */
        quarantinePerSecond: Type.Integer({ minimum: 0 }),
      },
      { additionalProperties: false },
    ),
    replication: Type.Object({
      /** Records per batch sent to the cloud (the cloud accepts at most 1000). */
      batchSize: Type.Integer({ minimum: 1, maximum: 1000 }),
      /** Upper bound of one batch's JSON before compression. */
      maxBatchBytes: Type.Integer({ minimum: 1024 }),
      /** Longest wait between retries while the cloud cannot be reached. */
      maxBackoffMs: Type.Integer({ minimum: 100 }),
      /** Below this much free disk the console and /metrics warn. */
      diskWarnBytes: Type.Integer({ minimum: 0 }),
      /** Below this much free disk new movements are refused (507) so the buffer never corrupts. */
      diskFloorBytes: Type.Integer({ minimum: 0 }),
      /** Location cloud reservations reserve from. */
      reservationLocation: MovementFields.location,
      /** Seconds between the store's health reports to the cloud (docs/fleet.md). */
      healthReportSeconds: Type.Integer({ minimum: 1, maximum: 3600 }),
    }),
    /** Shelf labels and the print queue (docs/configuration.md "Labels on price changes"). */
    labels: Type.Object({
      /** Queue shelf labels for items whose price changed (local PUT /items and the cloud feed). */
      onPriceChange: Type.Boolean(),
      /** Printer (a `zpl-printer` device id) for automatic labels; default: the only printer there is. */
      printerId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      /** Template of automatic labels. */
      template: literals(['shelf', 'item']),
      /** BCP 47 locale prices are formatted in. */
      locale: Type.String({ minLength: 2, maxLength: 35 }),
      /** ISO 4217 currency for items without one. */
      currency: Type.String({ pattern: '^[A-Z]{3}$' }),
      /** Price changes within this quiet time are batched into one print job. */
      debounceMs: Type.Integer({ minimum: 0, maximum: 60_000 }),
      /** Longest wait between checks of a printer that is off or not ready while jobs wait. */
      retryMaxMs: Type.Integer({ minimum: 100, maximum: 600_000 }),
      /** Store-local `HH:MM` at which the labels for the next opening are queued (docs/labels.md "Labels ready before opening"). */
      prepareAt: Type.String({
        pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
        description: 'HH:MM, store time',
      }),
      /** Store-local `HH:MM` the store opens; prices in force then are what the labels show. */
      openingTime: Type.String({
        pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
        description: 'HH:MM, store time',
      }),
    }),
    scanning: Type.Object(
      {
        /** The same code from the same scanner within this many ms counts once (a device may override). */
        debounceMs: Type.Integer({ minimum: 0, maximum: 60_000 }),
        /** Recent scans kept for GET /api/v1/scans; older ones are pruned. */
        keepScans: Type.Integer({ minimum: 100, maximum: 1_000_000 }),
      },
      { additionalProperties: false },
    ),
    /** API sessions (docs/configuration.md "Sessions and live events"). */
    auth: Type.Object(
      {
        /** Live tokens per user; a login past it ends that user's oldest session. */
        maxTokensPerUser: Type.Integer({ minimum: 1, maximum: 10_000 }),
      },
      { additionalProperties: false },
    ),
    /** Server-sent events, GET /api/v1/events (docs/configuration.md "Sessions and live events"). */
    events: Type.Object(
      {
        /** Open event streams in total; past it a new one answers 503. */
        maxStreams: Type.Integer({ minimum: 1, maximum: 100_000 }),
        /** Open event streams per user; past it a new one answers 429. */
        maxStreamsPerUser: Type.Integer({ minimum: 1, maximum: 100_000 }),
        /** Bytes a stream may have waiting for its reader before it is dropped as a slow reader. */
        maxBufferedBytes: Type.Integer({ minimum: 1024 }),
      },
      { additionalProperties: false },
    ),
    /** IANA time zone of the store (STORE_EDGE_TIMEZONE): local effective times of prices are read in it. */
    timezone: Type.String({ minLength: 1, maxLength: 64 }),
    logLevel: literals(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    devices: Type.Array(DeviceSettings),
  },
  { additionalProperties: false },
);

export type Settings = Static<typeof SettingsSchema>;
export type DeviceConfig = Static<typeof DeviceSettings> & Record<string, unknown>;

export interface SettingsProblem {
  path: string;
  message: string;
}

export class SettingsError extends Error {
  constructor(readonly problems: SettingsProblem[]) {
    super(`invalid settings:\n${problems.map((p) => `- ${p.path}: ${p.message}`).join('\n')}`);
    this.name = 'SettingsError';
  }
}

const defaults: Settings = {
  dataDir: './data',
  storeId: 'store-1',
  http: { host: '0.0.0.0', port: 8080 },
  // 64 KiB: a reader's tag event is a few hundred bytes; Zebra batches over MQTT are off by
  // default, and a batch limit (maxPayloadSizePerReport) set up to this fits.
  mqtt: { port: 1883, tlsPort: 8883, plainWithTls: false, maxPacketBytes: 64 * 1024, connectTimeoutMs: 5000 },
  tls: {},
  cloud: {},
  rfid: { smoothing: {}, quarantinePerSecond: 10 },
  replication: {
    batchSize: 1000,
    maxBatchBytes: 1024 * 1024,
    maxBackoffMs: 30_000,
    diskWarnBytes: 1024 ** 3,
    diskFloorBytes: 100 * 1024 ** 2,
    reservationLocation: 'store',
    healthReportSeconds: 30,
  },
  labels: {
    onPriceChange: false,
    template: 'shelf',
    locale: 'en-IE',
    currency: 'EUR',
    debounceMs: 1000,
    retryMaxMs: 30_000,
    prepareAt: '20:00',
    openingTime: '08:00',
  },
  scanning: { debounceMs: 300, keepScans: 10_000 },
  auth: { maxTokensPerUser: 32 },
  events: { maxStreams: 64, maxStreamsPerUser: 8, maxBufferedBytes: 256 * 1024 },
  logLevel: 'info',
  timezone: hostTimeZone(),
  devices: [],
};

/** Environment variable → settings path (the contract's names). */
const envMap: Array<[string, string[], 'string' | 'port' | 'int' | 'bool']> = [
  ['STORE_EDGE_DATA_DIR', ['dataDir'], 'string'],
  ['STORE_EDGE_STORE_ID', ['storeId'], 'string'],
  ['STORE_EDGE_HTTP_HOST', ['http', 'host'], 'string'],
  ['STORE_EDGE_HTTP_PORT', ['http', 'port'], 'port'],
  ['STORE_EDGE_MQTT_PORT', ['mqtt', 'port'], 'port'],
  ['STORE_EDGE_MQTT_URL', ['mqtt', 'url'], 'string'],
  ['STORE_EDGE_MQTTS_PORT', ['mqtt', 'tlsPort'], 'port'],
  ['STORE_EDGE_MQTT_PLAIN_WITH_TLS', ['mqtt', 'plainWithTls'], 'bool'],
  ['STORE_EDGE_MQTT_MAX_PACKET_BYTES', ['mqtt', 'maxPacketBytes'], 'int'],
  ['STORE_EDGE_TLS_CERT', ['tls', 'cert'], 'string'],
  ['STORE_EDGE_TLS_KEY', ['tls', 'key'], 'string'],
  ['STORE_EDGE_ADMIN_PASSWORD', ['adminPassword'], 'string'],
  ['STORE_EDGE_CLOUD_URL', ['cloud', 'url'], 'string'],
  ['STORE_EDGE_CLOUD_TOKEN', ['cloud', 'token'], 'string'],
  ['STORE_EDGE_LOG_LEVEL', ['logLevel'], 'string'],
  ['STORE_EDGE_TIMEZONE', ['timezone'], 'string'],
  ['STORE_EDGE_DISK_FLOOR_BYTES', ['replication', 'diskFloorBytes'], 'int'],
  ['STORE_EDGE_DISK_WARN_BYTES', ['replication', 'diskWarnBytes'], 'int'],
  ['STORE_EDGE_HEALTH_REPORT_SECONDS', ['replication', 'healthReportSeconds'], 'int'],
  ['STORE_EDGE_MAX_TOKENS_PER_USER', ['auth', 'maxTokensPerUser'], 'int'],
  ['STORE_EDGE_EVENTS_MAX_STREAMS', ['events', 'maxStreams'], 'int'],
  ['STORE_EDGE_EVENTS_MAX_STREAMS_PER_USER', ['events', 'maxStreamsPerUser'], 'int'],
  ['STORE_EDGE_EVENTS_MAX_BUFFERED_BYTES', ['events', 'maxBufferedBytes'], 'int'],
  ['STORE_EDGE_LABELS_PREPARE_AT', ['labels', 'prepareAt'], 'string'],
  ['STORE_EDGE_OPENING_TIME', ['labels', 'openingTime'], 'string'],
];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (!isRecord(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isRecord(b) && isRecord(v) ? merge(b, v) : v;
  }
  return out;
}

/**
 * Reads the config file and the environment, and validates the result. Throws a
 * SettingsError that lists every problem, never only the first.
 */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const problems: SettingsProblem[] = [];
  let fromFile: Record<string, unknown> = {};
  const file = env.STORE_EDGE_CONFIG;
  if (file) {
    try {
      const text = readFileSync(file, 'utf8');
      const parsed: unknown = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
      if (parsed === null || parsed === undefined) fromFile = {};
      else if (isRecord(parsed)) fromFile = parsed;
      else problems.push({ path: 'STORE_EDGE_CONFIG', message: `${file} must hold a mapping of settings` });
    } catch (err) {
      problems.push({ path: 'STORE_EDGE_CONFIG', message: `cannot read ${file}: ${(err as Error).message}` });
    }
  }

  const fromEnv: Record<string, unknown> = {};
  for (const [name, path, kind] of envMap) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    if (kind === 'port') {
      const n = /^\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
      if (!Number.isInteger(n) || n < 0 || n > 65535) {
        problems.push({ path: name, message: `must be a port number 0-65535, got '${raw}'` });
        continue;
      }
      setPath(fromEnv, path, n);
    } else if (kind === 'bool') {
      const v = raw.trim().toLowerCase();
      if (!['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'].includes(v)) {
        problems.push({ path: name, message: `must be true or false, got '${raw}'` });
        continue;
      }
      setPath(fromEnv, path, ['true', '1', 'yes', 'on'].includes(v));
    } else if (kind === 'int') {
      if (!/^\d+$/.test(raw.trim())) {
        problems.push({ path: name, message: `must be a whole number, got '${raw}'` });
        continue;
      }
      setPath(fromEnv, path, Number(raw));
    } else {
      setPath(fromEnv, path, raw);
    }
  }

  const candidate = merge(merge(defaults as unknown as Record<string, unknown>, fromFile), fromEnv);
  for (const e of Value.Errors(SettingsSchema, candidate)) {
    const path = e.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(root)';
    const extra =
      e.keyword === 'additionalProperties' &&
      isRecord(e.params) &&
      Array.isArray(e.params.additionalProperties)
        ? ` (${e.params.additionalProperties.join(', ')})`
        : '';
    problems.push({ path, message: `${e.message}${extra}` });
  }
  const ids = new Set<string>();
  if (Array.isArray(candidate.devices)) {
    candidate.devices.forEach((d: unknown, i: number) => {
      if (isRecord(d) && typeof d.id === 'string') {
        if (ids.has(d.id))
          problems.push({ path: `devices.${i}.id`, message: `duplicate device id '${d.id}'` });
        ids.add(d.id);
      }
    });
  }
  problems.push(...tlsProblems(candidate.tls));
  if (typeof candidate.timezone === 'string' && !isTimeZone(candidate.timezone))
    problems.push({
      path: 'timezone',
      message: `'${candidate.timezone}' is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)`,
    });
  if (problems.length > 0) throw new SettingsError(dedupe(problems));
  return candidate as unknown as Settings;
}

/** Both PEM files or neither, each readable and PEM (checked before any port opens). */
function tlsProblems(tls: unknown): SettingsProblem[] {
  if (!isRecord(tls)) return [];
  const { cert, key } = tls;
  if (cert === undefined && key === undefined) return [];
  if (typeof cert !== 'string' || typeof key !== 'string')
    return [{ path: 'tls', message: 'set both STORE_EDGE_TLS_CERT and STORE_EDGE_TLS_KEY, or neither' }];
  const out: SettingsProblem[] = [];
  for (const [path, file, label] of [
    ['tls.cert', cert, 'CERTIFICATE'],
    ['tls.key', key, 'PRIVATE KEY'],
  ] as const) {
    try {
      if (!readFileSync(file, 'utf8').includes(`${label}-----`))
        out.push({ path, message: `${file} holds no PEM ${label.toLowerCase()}` });
    } catch (err) {
      out.push({ path, message: `cannot read ${file}: ${(err as Error).message}` });
    }
  }
  return out;
}

function dedupe(problems: SettingsProblem[]): SettingsProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
