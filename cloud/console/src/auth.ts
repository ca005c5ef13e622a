// Sign-in of a person with OpenID Connect: the Authorization Code flow (OpenID Connect Core 1.0
// §3.1, RFC 6749 §4.1) for a public client, protected by PKCE with S256 (RFC 7636). The console
// has no secret; the access token lives in this tab (memory, mirrored to sessionStorage so a
// reload keeps the session) and never in a URL, a cookie or localStorage.
import { asRecord, type Json, optString, str } from './json.js';

/** What the cloud tells the console at `/console/config.json` (cloud/src/console/index.ts). */
export interface ConsoleConfig {
  issuer: string | null;
  clientId: string | null;
  audience: string | null;
  audienceParam: 'resource' | 'audience' | 'none';
  scopes: string[];
  claims: { tenant: string; roles: string; stores: string };
}

export interface Session {
  accessToken: string;
  /** Kept for sign-out (`id_token_hint`, OpenID Connect RP-Initiated Logout 1.0 §2). */
  idToken: string | null;
  /** ms since the epoch; the session ends then (the API would answer 401 anyway). */
  expiresAt: number;
  name: string;
  tenant: string | null;
  roles: string[];
  stores: string[] | null;
}

/** Why there is no session: never signed in, signed out, expired, or the provider refused. */
export type SignedOutReason = 'none' | 'signed-out' | 'expired' | 'failed';

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint: string | null;
}

interface Pending {
  verifier: string;
  state: string;
  nonce: string;
  returnTo: string;
}

const SESSION_KEY = 'hq-console.session';
const PENDING_KEY = 'hq-console.pkce';
export const CALLBACK_PATH = '/callback';

/** A sign-in that failed: `code` is the OAuth error code (RFC 6749 §4.1.2.1) or ours. */
export class SignInError extends Error {
  constructor(
    readonly code: string,
    readonly description: string,
  ) {
    super(`${code}: ${description}`);
  }
}

// --- configuration and discovery -------------------------------------------------------------

/** What this tab left in sessionStorage before leaving for the provider, checked field by field. */
function parsePending(raw: string): Pending | null {
  try {
    const r = asRecord(JSON.parse(raw) as Json);
    const p = {
      verifier: str(r.verifier),
      state: str(r.state),
      nonce: str(r.nonce),
      returnTo: str(r.returnTo),
    };
    return p.verifier && p.state && p.nonce ? p : null;
  } catch {
    return null;
  }
}

let configPromise: Promise<ConsoleConfig> | null = null;

export function loadConfig(): Promise<ConsoleConfig> {
  configPromise ??= fetch('/console/config.json', { headers: { accept: 'application/json' } })
    .then(async (res) => {
      if (!res.ok) throw new SignInError('config', `GET /console/config.json answered ${res.status}`);
      return parseConfig((await res.json()) as Json);
    })
    .catch((err: unknown) => {
      configPromise = null;
      throw err;
    });
  return configPromise;
}

function parseConfig(raw: Json): ConsoleConfig {
  const r = asRecord(raw);
  const claims = asRecord(r.claims);
  return {
    issuer: optString(r.issuer),
    clientId: optString(r.clientId),
    audience: optString(r.audience),
    audienceParam:
      r.audienceParam === 'audience' || r.audienceParam === 'none' ? r.audienceParam : 'resource',
    scopes: Array.isArray(r.scopes) ? r.scopes.filter((s): s is string => typeof s === 'string') : [],
    claims: {
      tenant: optString(claims.tenant) ?? 'tenant',
      roles: optString(claims.roles) ?? 'roles',
      stores: optString(claims.stores) ?? 'stores',
    },
  };
}

let discoveryPromise: Promise<Discovery> | null = null;

/** OpenID Connect Discovery 1.0 §4: `{issuer}/.well-known/openid-configuration`. */
function discover(issuer: string): Promise<Discovery> {
  discoveryPromise ??= fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, {
    headers: { accept: 'application/json' },
  })
    .then(async (res) => {
      if (!res.ok) throw new SignInError('discovery', `discovery answered ${res.status}`);
      const r = asRecord((await res.json()) as Json);
      const d: Discovery = {
        issuer: str(r.issuer),
        authorization_endpoint: str(r.authorization_endpoint),
        token_endpoint: str(r.token_endpoint),
        end_session_endpoint: optString(r.end_session_endpoint),
      };
      // Discovery §4.3: the issuer in the document must be the one asked for.
      if (d.issuer.replace(/\/$/, '') !== issuer.replace(/\/$/, ''))
        throw new SignInError('discovery', `the provider names itself ${d.issuer}, not ${issuer}`);
      if (!d.authorization_endpoint || !d.token_endpoint)
        throw new SignInError('discovery', 'the provider names no authorization or token endpoint');
      return d;
    })
    .catch((err: unknown) => {
      discoveryPromise = null;
      throw err instanceof SignInError ? err : new SignInError('discovery', String(err));
    });
  return discoveryPromise;
}

// --- PKCE (RFC 7636) -------------------------------------------------------------------------

/** base64url without padding (RFC 7636 Appendix A). */
function base64url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(bytes: number): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** RFC 7636 §4.2: code_challenge = BASE64URL(SHA256(ASCII(code_verifier))). */
export async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

function redirectUri(): string {
  return `${location.origin}${CALLBACK_PATH}`;
}

/**
 * Leaves for the provider's sign-in page. The verifier, state and nonce wait in sessionStorage
 * (this tab only) for the way back; only the challenge travels.
 */
export async function signIn(returnTo: string, uiLocale: string): Promise<void> {
  const cfg = await loadConfig();
  if (!cfg.issuer || !cfg.clientId) throw new SignInError('not-configured', 'no issuer or client id');
  const d = await discover(cfg.issuer);
  // RFC 7636 §4.1: 32 random octets make a 43-character verifier, the least the RFC allows
  // and as much entropy as it recommends.
  const pending: Pending = {
    verifier: randomString(32),
    state: randomString(16),
    nonce: randomString(16),
    returnTo: returnTo.startsWith('/') && !returnTo.startsWith('//') ? returnTo : '/',
  };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const u = new URL(d.authorization_endpoint);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('client_id', cfg.clientId);
  u.searchParams.set('redirect_uri', redirectUri());
  u.searchParams.set('scope', ['openid', ...cfg.scopes.filter((s) => s !== 'openid')].join(' '));
  u.searchParams.set('state', pending.state);
  u.searchParams.set('nonce', pending.nonce);
  u.searchParams.set('code_challenge', await s256(pending.verifier));
  u.searchParams.set('code_challenge_method', 'S256');
  // The API the token is for: RFC 8707 `resource` (or Auth0's `audience`), so the provider
  // issues an access token the API takes; where scopes name the API, nothing.
  if (cfg.audience && cfg.audienceParam !== 'none') u.searchParams.set(cfg.audienceParam, cfg.audience);
  // OpenID Connect Core §3.1.2.1: the provider's page in the console's language where it can.
  u.searchParams.set('ui_locales', uiLocale);
  location.assign(u.toString());
}

function decodeJwtPayload(jwt: string): Record<string, Json> | null {
  const part = jwt.split('.')[1];
  if (!part) return null;
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    return asRecord(JSON.parse(new TextDecoder().decode(bytes)) as Json);
  } catch {
    return null;
  }
}

/**
 * The way back from the provider (`/callback?code=…&state=…`): checks the state, trades the code
 * and the verifier for tokens at the token endpoint, and answers where the user was going.
 * The code leaves the address bar and the history first, whatever happens next.
 */
export async function completeSignIn(): Promise<string> {
  const q = new URLSearchParams(location.search);
  history.replaceState(null, '', '/');
  const raw = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  const error = q.get('error');
  if (error) throw new SignInError(error, q.get('error_description') ?? '');
  const pending = raw ? parsePending(raw) : null;
  // RFC 6749 §10.12: a code for a sign-in this tab did not start is refused (login CSRF).
  if (!pending || q.get('state') !== pending.state)
    throw new SignInError('state', 'this sign-in was not started here');
  const code = q.get('code');
  if (!code) throw new SignInError('invalid_request', 'no code');
  const cfg = await loadConfig();
  if (!cfg.issuer || !cfg.clientId) throw new SignInError('not-configured', 'no issuer or client id');
  const d = await discover(cfg.issuer);
  // RFC 9207 §2.4: when the provider names itself in the answer, it must be our issuer (mix-up).
  const iss = q.get('iss');
  if (iss !== null && iss !== d.issuer) throw new SignInError('issuer', `answer from ${iss}`);
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri(),
    client_id: cfg.clientId,
    code_verifier: pending.verifier, // RFC 7636 §4.5
  });
  // RFC 8707 §2.2: the token request names the resource again (Auth0 takes it at authorize only).
  if (cfg.audience && cfg.audienceParam === 'resource') body.set('resource', cfg.audience);
  let res: Response;
  try {
    res = await fetch(d.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
    });
  } catch {
    throw new SignInError('unreachable', 'the sign-in service cannot be reached');
  }
  const r = asRecord((await res.json().catch(() => ({}))) as Json);
  if (!res.ok) throw new SignInError(optString(r.error) ?? 'token', optString(r.error_description) ?? '');
  const accessToken = str(r.access_token);
  if (!accessToken || str(r.token_type).toLowerCase() !== 'bearer')
    throw new SignInError('token', 'the provider answered no bearer access token');
  const idToken = optString(r.id_token);
  const id = idToken ? decodeJwtPayload(idToken) : null;
  if (id) {
    // OpenID Connect Core §3.1.3.7: issuer, audience and nonce of the ID token. Its signature
    // need not be checked here: it came straight from the token endpoint over TLS (item 6),
    // and the console grants nothing from it; the API verifies the access token on every call.
    const aud = id.aud;
    const auds = Array.isArray(aud) ? aud : [aud];
    if (id.iss !== d.issuer || !auds.includes(cfg.clientId) || id.nonce !== pending.nonce)
      throw new SignInError('id_token', 'the ID token is not for this sign-in');
  }
  const access = decodeJwtPayload(accessToken);
  const expiresIn = typeof r.expires_in === 'number' ? r.expires_in : null;
  const exp = typeof access?.exp === 'number' ? access.exp * 1000 : null;
  // The claims to show: the access token's when it is a JWT (what the API goes by), else the ID token's.
  const claims = access ?? id ?? {};
  const roles = claims[cfg.claims.roles];
  const stores = claims[cfg.claims.stores];
  const session: Session = {
    accessToken,
    idToken,
    expiresAt: exp ?? Date.now() + (expiresIn ?? 300) * 1000,
    name: optString(id?.name) ?? optString(id?.email) ?? optString(claims.sub) ?? '?',
    tenant: optString(claims[cfg.claims.tenant]),
    roles: Array.isArray(roles) ? roles.filter((x): x is string => typeof x === 'string') : [],
    stores: Array.isArray(stores) ? stores.filter((x): x is string => typeof x === 'string') : null,
  };
  setSession(session);
  return pending.returnTo;
}

// --- the session -----------------------------------------------------------------------------

let session: Session | null = restore();
let reason: SignedOutReason = 'none';
const listeners = new Set<() => void>();
let expiryTimer: ReturnType<typeof setTimeout> | undefined;

function restore(): Session | null {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    if (!raw) return null;
    const r = asRecord(JSON.parse(raw) as Json);
    const strings = (v: Json | undefined) =>
      Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : null;
    const s: Session = {
      accessToken: str(r.accessToken),
      idToken: optString(r.idToken),
      expiresAt: typeof r.expiresAt === 'number' ? r.expiresAt : 0,
      name: str(r.name),
      tenant: optString(r.tenant),
      roles: strings(r.roles) ?? [],
      stores: strings(r.stores),
    };
    return s.accessToken && s.expiresAt > Date.now() ? s : null;
  } catch {
    return null;
  }
}

export function getSession(): Session | null {
  return session;
}

export function signedOutReason(): SignedOutReason {
  return reason;
}

export function onSession(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function armExpiry(): void {
  clearTimeout(expiryTimer);
  if (!session) return;
  // setTimeout holds at most ~24.8 days; a token never lives that long, but stay in range.
  const ms = Math.min(Math.max(0, session.expiresAt - Date.now()), 2 ** 31 - 1);
  expiryTimer = setTimeout(() => endSession('expired'), ms);
}

export function setSession(s: Session | null, why: SignedOutReason = 'signed-out'): void {
  session = s;
  if (s) sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
  else {
    sessionStorage.removeItem(SESSION_KEY);
    reason = why;
  }
  armExpiry();
  for (const l of listeners) l();
}

/** Ends the session here: expiry, a 401 from the API, or a sign-in that failed. */
export function endSession(why: SignedOutReason): void {
  if (session || why !== reason) setSession(null, why);
}

export function markFailed(): void {
  reason = 'failed';
  for (const l of listeners) l();
}

/**
 * Signs out here, then at the provider when it offers RP-Initiated Logout (OpenID Connect
 * RP-Initiated Logout 1.0 §2), so the next sign-in asks for the password again.
 */
export async function signOut(): Promise<void> {
  const idToken = session?.idToken ?? null;
  setSession(null, 'signed-out');
  try {
    const cfg = await loadConfig();
    if (!cfg.issuer || !cfg.clientId) return;
    const d = await discover(cfg.issuer);
    if (!d.end_session_endpoint) return;
    const u = new URL(d.end_session_endpoint);
    u.searchParams.set('client_id', cfg.clientId);
    if (idToken) u.searchParams.set('id_token_hint', idToken);
    // Registered with the provider as the console's origin (docs/head-office-console.md).
    u.searchParams.set('post_logout_redirect_uri', location.origin);
    location.assign(u.toString());
  } catch {
    // signed out here; the provider's session ends with its own lifetime
  }
}

armExpiry();
