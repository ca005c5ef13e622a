// Head-office people and machines: bearer JWTs from one OpenID Connect issuer (CONTRACT.md v2
// "Head-office people and machines (OIDC)"), verified with `jose` and turned into a
// PersonPrincipal. People come through the console (Authorization Code + PKCE, RFC 7636),
// integrations through client credentials (RFC 6749 §4.4); both present a JWT access token
// (RFC 9068) whose audience is this API, with the same tenant/roles/stores claims.
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  type JWTPayload,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import { Type } from 'typebox';
import Value from 'typebox/value';
import { type PersonPrincipal, ROLES, type Role } from './auth.js';
import { cloudProblem, unauthorized } from './problem.js';

export interface OidcSettings {
  /** `STORE_EDGE_OIDC_ISSUER`: https, or http on a loopback address (development, tests). */
  issuer: string;
  /** `STORE_EDGE_OIDC_AUDIENCE`: the `aud` every token must name (this API's resource id). */
  audience: string;
  /** `STORE_EDGE_OIDC_CLIENT_ID`: the console's public client (served to the console, not checked here). */
  clientId: string;
  /** Claim names (`STORE_EDGE_OIDC_*_CLAIM`); a name not found as is is read as a dotted path. */
  tenantClaim: string;
  rolesClaim: string;
  storesClaim: string;
  /** Leeway for `exp`/`nbf`/`iat` between the issuer's clock and ours (seconds, default 30). */
  clockSkewSeconds: number;
  /**
   * Least time between two JWKS downloads (seconds, default 30): a token with an unknown `kid`
   * fetches the key set again, at most this often, so garbage tokens cannot make the cloud
   * hammer the provider.
   */
  jwksCooldownSeconds: number;
}

export const OIDC_DEFAULTS = {
  tenantClaim: 'tenant',
  rolesClaim: 'roles',
  storesClaim: 'stores',
  clockSkewSeconds: 30,
  jwksCooldownSeconds: 30,
} as const;

/**
 * Asymmetric algorithms only (RFC 8725 §3.1, §3.2): `none` and the HMAC family are never
 * accepted, so a token cannot be "signed" with a public key used as an HMAC secret.
 */
export const OIDC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Null when `url` may serve keys: https, or http on loopback only (CONTRACT.md). */
export function issuerUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (u.protocol === 'https:') return null;
  if (u.protocol === 'http:' && LOOPBACK.has(u.hostname)) return null;
  return 'must be https:// (http:// only on 127.0.0.1, localhost or [::1])';
}

/** OpenID Connect Discovery 1.0 §3: the members the verifier needs. */
const DiscoverySchema = Type.Object({ issuer: Type.String(), jwks_uri: Type.String() });

/** The scope claims, parsed from the token's unknown JSON (never trusted as typed). */
const TenantSchema = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });
const StoresSchema = Type.Array(
  Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }),
  { maxItems: 10_000 },
);
const RolesSchema = Type.Union([Type.Array(Type.String(), { maxItems: 100 }), Type.String()]);

/** A claim by exact name (Auth0's namespaced `https://x/roles`), else as a dotted path (Keycloak's `realm_access.roles`). */
export function readClaim(payload: Record<string, unknown>, name: string): unknown {
  if (name in payload) return payload[name];
  let at: unknown = payload;
  for (const part of name.split('.')) {
    if (typeof at !== 'object' || at === null || Array.isArray(at)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/** The principal of a verified token's claims; a claim that is missing or malformed answers 401 naming it. */
export function principalFromClaims(
  payload: JWTPayload,
  settings: Pick<OidcSettings, 'tenantClaim' | 'rolesClaim' | 'storesClaim'>,
): PersonPrincipal {
  const claims = payload as Record<string, unknown>;
  const tenant = readClaim(claims, settings.tenantClaim);
  if (!Value.Check(TenantSchema, tenant)) {
    throw unauthorized(`the token's '${settings.tenantClaim}' claim must name one tenant id`);
  }
  const rawRoles = readClaim(claims, settings.rolesClaim) ?? [];
  if (!Value.Check(RolesSchema, rawRoles)) {
    throw unauthorized(`the token's '${settings.rolesClaim}' claim must be an array of role names`);
  }
  // A space-separated string is accepted too (some providers map roles into one string claim).
  const list = typeof rawRoles === 'string' ? rawRoles.split(/\s+/) : rawRoles;
  // Roles of other applications in the same claim are ignored, not refused.
  const roles = [...new Set(list.filter((r): r is Role => (ROLES as readonly string[]).includes(r)))];
  const rawStores = readClaim(claims, settings.storesClaim);
  if (rawStores !== undefined && !Value.Check(StoresSchema, rawStores)) {
    throw unauthorized(`the token's '${settings.storesClaim}' claim must be an array of store ids`);
  }
  const sub = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : null;
  if (!sub) throw unauthorized("the token has no 'sub' claim");
  return {
    kind: 'person',
    subject: sub,
    tenantId: tenant,
    roles,
    stores: rawStores === undefined ? null : [...new Set(rawStores)],
  };
}

export interface OidcVerifier {
  readonly settings: OidcSettings;
  /** A verified principal, or a 401 problem saying what is wrong with the token. */
  verify(token: string): Promise<PersonPrincipal>;
}

export interface OidcVerifierOptions {
  /** Current time for `exp`/`nbf` checks (tests); default the system clock. */
  now?: () => Date;
  /** Least time between two failed discovery attempts (ms, default 5000). */
  discoveryRetryMs?: number;
}

/** 503: the token cannot be checked now (the provider's keys are out of reach); the caller retries. */
function providerUnreachable(reason: string) {
  return cloudProblem(
    'oidc-unreachable',
    `the OpenID provider cannot be reached to check the token: ${reason}`,
  );
}

/** True for a compact JWS (three base64url parts): store tokens (`set_…`) and the admin token are not. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

/**
 * The verifier: discovery is fetched on first use (the cloud starts even when the provider is
 * down; people get 401 meanwhile), the key set from its `jwks_uri` through jose's remote key
 * set, which holds one document and downloads it again when a token names an unknown `kid`
 * (a rotated key), at most once per cooldown.
 */
export function createOidcVerifier(settings: OidcSettings, opts: OidcVerifierOptions = {}): OidcVerifier {
  const problem = issuerUrlProblem(settings.issuer);
  if (problem) throw new Error(`STORE_EDGE_OIDC_ISSUER: ${problem}`);
  const retryMs = opts.discoveryRetryMs ?? 5000;
  let keys: ReturnType<typeof createRemoteJWKSet> | null = null;
  let discovering: Promise<ReturnType<typeof createRemoteJWKSet>> | null = null;
  let failedAt = 0;
  let lastFailure = '';

  async function discover(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    const url = `${settings.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const res = await fetch(url, { signal: AbortSignal.timeout(5000), redirect: 'error' });
    if (!res.ok) throw new Error(`discovery ${url} answered HTTP ${res.status}`);
    const doc: unknown = await res.json();
    if (!Value.Check(DiscoverySchema, doc)) throw new Error(`discovery ${url}: no issuer or jwks_uri`);
    // OpenID Connect Discovery 1.0 §4.3: the document's issuer must be the one configured.
    if (doc.issuer !== settings.issuer) {
      throw new Error(`discovery ${url} names issuer '${doc.issuer}', not '${settings.issuer}'`);
    }
    const jwksProblem = issuerUrlProblem(doc.jwks_uri);
    if (jwksProblem) throw new Error(`jwks_uri ${doc.jwks_uri}: ${jwksProblem}`);
    return createRemoteJWKSet(new URL(doc.jwks_uri), {
      cooldownDuration: settings.jwksCooldownSeconds * 1000,
      timeoutDuration: 5000,
    });
  }

  async function keySet(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (keys) return keys;
    if (!discovering) {
      if (Date.now() - failedAt < retryMs) throw providerUnreachable(lastFailure);
      discovering = discover()
        .then((k) => {
          keys = k;
          return k;
        })
        .catch((err: unknown) => {
          failedAt = Date.now();
          lastFailure = (err as Error).message;
          throw providerUnreachable(lastFailure);
        })
        .finally(() => {
          discovering = null;
        });
    }
    return discovering;
  }

  return {
    settings,
    async verify(token) {
      let alg: string | undefined;
      try {
        alg = decodeProtectedHeader(token).alg;
      } catch {
        throw unauthorized('the bearer token is not a JWT');
      }
      // RFC 8725 §2.1, §3.1: an unsecured JWT (`alg: none`) is refused before any key is looked at.
      if (!alg || !OIDC_ALGORITHMS.includes(alg)) {
        throw unauthorized(`the token's algorithm '${alg ?? 'none'}' is not accepted`);
      }
      // A token from another issuer is refused before its unknown `kid` could make us download
      // the key set again (RFC 8725 §3.8: check the issuer; the signature check below repeats it).
      let iss: unknown;
      try {
        iss = decodeJwt(token).iss;
      } catch {
        throw unauthorized('the bearer token is not a JWT');
      }
      if (iss !== settings.issuer) {
        throw unauthorized(`the token's 'iss' claim names another issuer ('${String(iss).slice(0, 200)}')`);
      }
      const jwks = await keySet();
      let payload: JWTPayload;
      try {
        // RFC 7519 §4.1 / RFC 9068 §4: issuer, audience and expiry are required and checked.
        // RFC 9068 §4 also asks for `typ: at+jwt`; it is not required here because Keycloak,
        // Entra ID and Auth0 type their access tokens `JWT`. What typ would prevent, an ID token
        // used as an access token (RFC 8725 §3.11), the audience check prevents: an ID token's
        // `aud` is the console's client id, not this API.
        ({ payload } = await jwtVerify(token, jwks, {
          issuer: settings.issuer,
          audience: settings.audience,
          algorithms: OIDC_ALGORITHMS,
          clockTolerance: settings.clockSkewSeconds,
          requiredClaims: ['exp', 'iss', 'aud', 'sub'],
          ...(opts.now ? { currentDate: opts.now() } : {}),
        }));
      } catch (err) {
        if (err instanceof joseErrors.JWTExpired) throw unauthorized('the token has expired');
        if (err instanceof joseErrors.JWTClaimValidationFailed) {
          throw unauthorized(`the token's '${err.claim}' claim is not accepted: ${err.reason}`);
        }
        if (err instanceof joseErrors.JWKSNoMatchingKey) {
          throw unauthorized("the token's key is not among the issuer's keys");
        }
        if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
          throw unauthorized("the token's signature does not verify");
        }
        if (err instanceof joseErrors.JWKSTimeout) throw providerUnreachable(err.message);
        if (err instanceof joseErrors.JOSEError)
          throw unauthorized(`the token is not accepted: ${err.message}`);
        // Anything else came from downloading the key set (connection refused, bad JSON).
        throw providerUnreachable((err as Error).message);
      }
      return principalFromClaims(payload, settings);
    },
  };
}
