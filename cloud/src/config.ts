import { issuerUrlProblem, OIDC_DEFAULTS, type OidcSettings } from './oidc.js';

export interface CloudConfig {
  mysqlUrl: string;
  port: number;
  host: string;
  adminToken: string;
  poolSize: number;
  ingestMaxInFlight: number;
  ingestMaxWaiting: number;
  ingestMaxWaitMs: number;
  webhookIntervalMs: number;
  webhookBaseBackoffMs: number;
  webhookMaxBackoffMs: number;
  webhookMaxAttempts: number;
  webhookRatePerTenant: number;
  staleAfterSeconds: number;
  feedPollIntervalMs: number;
  /** A store whose last health report is older than this is offline (docs/fleet.md). */
  offlineAfterSeconds: number;
  /** Replenishment holds back stores whose last applied batch is older than this. */
  replenishMaxLagMinutes: number;
  /** Head-office sign-in (CONTRACT.md v2 OIDC); null when STORE_EDGE_OIDC_ISSUER is unset (admin and store tokens only). */
  oidc: OidcSettings | null;
  /** Requests per second per store credential, per replica (0: no limit). */
  rateLimitPerStore: number;
  /** Requests per second per tenant (its stores, people and integrations together), per replica (0: no limit). */
  rateLimitPerTenant: number;
  /** pino level; the Helm chart sets STORE_EDGE_LOG_LEVEL from `logLevel` (the edge reads the same name). */
  logLevel: LogLevel;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type ConfigResult = { ok: true; config: CloudConfig } | { ok: false; problems: string[] };

/** Settings from the environment (CONTRACT.md "Cloud HTTP API"); every problem is listed. */
export function loadConfig(env: NodeJS.ProcessEnv): ConfigResult {
  const problems: string[] = [];
  const int = (name: string, dflt: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name}: must be an integer from ${min} to ${max}, got '${raw}'`);
      return dflt;
    }
    return n;
  };
  const adminToken = env.STORE_EDGE_ADMIN_TOKEN ?? '';
  if (adminToken.trim() === '') {
    problems.push(
      'STORE_EDGE_ADMIN_TOKEN: required (the admin API token); the cloud service does not start without it',
    );
  } else if (adminToken.length < 16) {
    problems.push('STORE_EDGE_ADMIN_TOKEN: must be at least 16 characters');
  }
  const mysqlUrl = env.STORE_EDGE_MYSQL_URL || 'mysql://root@127.0.0.1:3306/store_edge';
  try {
    const u = new URL(mysqlUrl);
    if (u.protocol !== 'mysql:') problems.push(`STORE_EDGE_MYSQL_URL: must start with mysql://`);
    if (u.pathname.replace(/^\//, '') === '') problems.push('STORE_EDGE_MYSQL_URL: must name a database');
  } catch {
    problems.push(`STORE_EDGE_MYSQL_URL: not a URL`);
  }
  const rawLevel = env.STORE_EDGE_LOG_LEVEL || 'info';
  const logLevel = LOG_LEVELS.find((l) => l === rawLevel);
  if (!logLevel)
    problems.push(`STORE_EDGE_LOG_LEVEL: must be one of ${LOG_LEVELS.join(', ')}, got '${rawLevel}'`);
  const poolSize = int('STORE_EDGE_MYSQL_POOL_SIZE', 20, 1, 1000);
  const oidc = loadOidc(env, problems, int);
  const ingestMaxInFlight = int('STORE_EDGE_INGEST_MAX_IN_FLIGHT', 2 * poolSize, 1, 100_000);
  const config: CloudConfig = {
    oidc,
    rateLimitPerStore: int('STORE_EDGE_RATE_LIMIT_PER_STORE', 50, 0, 1_000_000),
    rateLimitPerTenant: int('STORE_EDGE_RATE_LIMIT_PER_TENANT', 2000, 0, 1_000_000),
    logLevel: logLevel ?? 'info',
    mysqlUrl,
    port: int('STORE_EDGE_CLOUD_PORT', 8090, 0, 65535),
    host: env.STORE_EDGE_CLOUD_HOST || '0.0.0.0',
    adminToken,
    poolSize,
    ingestMaxInFlight,
    ingestMaxWaiting: int('STORE_EDGE_INGEST_MAX_WAITING', 4 * ingestMaxInFlight, 0, 100_000),
    // A waiting batch must be answered well before the edge's 30 s request timeout.
    ingestMaxWaitMs: int('STORE_EDGE_INGEST_MAX_WAIT_MS', 5000, 0, 20_000),
    webhookIntervalMs: int('STORE_EDGE_WEBHOOK_INTERVAL_MS', 1000, 10, 600_000),
    webhookBaseBackoffMs: int('STORE_EDGE_WEBHOOK_BACKOFF_MS', 1000, 1, 3_600_000),
    webhookMaxBackoffMs: int('STORE_EDGE_WEBHOOK_MAX_BACKOFF_MS', 3_600_000, 1, 86_400_000),
    webhookMaxAttempts: int('STORE_EDGE_WEBHOOK_MAX_ATTEMPTS', 20, 1, 1000),
    webhookRatePerTenant: int('STORE_EDGE_WEBHOOK_RATE_PER_TENANT', 20, 1, 100_000),
    staleAfterSeconds: int('STORE_EDGE_STALE_AFTER_SECONDS', 900, 0, 31_536_000),
    feedPollIntervalMs: int('STORE_EDGE_FEED_POLL_MS', 1000, 10, 30_000),
    offlineAfterSeconds: int('STORE_EDGE_OFFLINE_AFTER_SECONDS', 90, 1, 86_400),
    replenishMaxLagMinutes: int('STORE_EDGE_REPLENISH_MAX_LAG_MINUTES', 120, 1, 525_600),
  };
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}

/**
 * STORE_EDGE_OIDC_*: all of issuer, audience and client id, or none of them. The claim names
 * default to `tenant`, `roles`, `stores` (docs/oidc.md maps them for Keycloak, Entra ID, Auth0, Dex).
 */
function loadOidc(
  env: NodeJS.ProcessEnv,
  problems: string[],
  int: (name: string, dflt: number, min: number, max: number) => number,
): OidcSettings | null {
  const issuer = env.STORE_EDGE_OIDC_ISSUER ?? '';
  const audience = env.STORE_EDGE_OIDC_AUDIENCE ?? '';
  const clientId = env.STORE_EDGE_OIDC_CLIENT_ID ?? '';
  if (issuer === '' && audience === '' && clientId === '') return null;
  if (issuer === '')
    problems.push('STORE_EDGE_OIDC_ISSUER: required when STORE_EDGE_OIDC_AUDIENCE or _CLIENT_ID is set');
  else {
    const p = issuerUrlProblem(issuer);
    if (p) problems.push(`STORE_EDGE_OIDC_ISSUER: ${p}, got '${issuer}'`);
  }
  if (audience === '')
    problems.push(
      'STORE_EDGE_OIDC_AUDIENCE: required with STORE_EDGE_OIDC_ISSUER (the `aud` of access tokens for this API)',
    );
  if (clientId === '')
    problems.push(
      "STORE_EDGE_OIDC_CLIENT_ID: required with STORE_EDGE_OIDC_ISSUER (the console's public client)",
    );
  const claim = (name: string, dflt: string): string => {
    const v = env[name];
    if (v === undefined || v === '') return dflt;
    if (v.length > 255) problems.push(`${name}: at most 255 characters`);
    return v;
  };
  return {
    issuer,
    audience,
    clientId,
    tenantClaim: claim('STORE_EDGE_OIDC_TENANT_CLAIM', OIDC_DEFAULTS.tenantClaim),
    rolesClaim: claim('STORE_EDGE_OIDC_ROLES_CLAIM', OIDC_DEFAULTS.rolesClaim),
    storesClaim: claim('STORE_EDGE_OIDC_STORES_CLAIM', OIDC_DEFAULTS.storesClaim),
    clockSkewSeconds: int('STORE_EDGE_OIDC_CLOCK_SKEW_SECONDS', OIDC_DEFAULTS.clockSkewSeconds, 0, 300),
    jwksCooldownSeconds: int(
      'STORE_EDGE_OIDC_JWKS_COOLDOWN_SECONDS',
      OIDC_DEFAULTS.jwksCooldownSeconds,
      0,
      3600,
    ),
  };
}
