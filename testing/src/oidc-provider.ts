// A real OpenID provider for tests: the `oidc-provider` package (a certified OpenID Connect
// implementation) on a free loopback port. It issues what a production provider issues to
// store-edge: JWT access tokens (RFC 9068) whose `aud` is the API's resource indicator
// (RFC 8707), carrying the tenant/roles/stores claims, to
//  - the console, a public client using Authorization Code with PKCE (RFC 7636), signing in
//    on the provider's own login page (devInteractions: type the account id, any password);
//  - integrations, confidential clients using client credentials (RFC 6749 §4.4), which also
//    mint a person's token in one round trip (`token(clientId)`) for table-driven tests.
// `rotateKeys()` restarts it on the same port with a new signing key (the old one still
// published), as a provider rolls its keys: tokens signed since name a `kid` the cloud has
// not seen, and it must fetch the key set again by itself.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
// Types only here: the package (and Koa under it) loads when a test starts a provider, not in
// every test that imports @store-edge/testing.
import type Provider from 'oidc-provider';
import type { ClientMetadata, Configuration } from 'oidc-provider';
import { freePort } from './ports.js';

/** The store-edge claims of an account or an integration. */
export interface TestClaims {
  tenant?: string;
  roles?: string[];
  stores?: string[];
  /** Extra claims as they are (e.g. a provider's own names for mapping tests). */
  extra?: Record<string, unknown>;
}

export interface TestOidcProviderOptions {
  /** The API's resource indicator: the `aud` of access tokens (STORE_EDGE_OIDC_AUDIENCE). */
  audience?: string;
  /** Other resource indicators a client may ask tokens for (wrong-audience tests). */
  otherAudiences?: string[];
  /** The console's public client id (STORE_EDGE_OIDC_CLIENT_ID) and where it may be sent back to. */
  consoleClientId?: string;
  redirectUris?: string[];
  /** People: account id (typed on the login page) → claims. */
  accounts?: Record<string, TestClaims>;
  /** Integrations (confidential clients, client credentials): client id → claims. */
  machines?: Record<string, TestClaims & { ttlSeconds?: number }>;
  /** Claim names the tokens carry (default tenant, roles, stores). */
  claimNames?: { tenant?: string; roles?: string[] | string; stores?: string };
  /** Access token lifetime (seconds, default 300). */
  accessTokenTtlSeconds?: number;
  /** A fixed port (default a free one). */
  port?: number;
}

export interface TestOidcProvider {
  /** `http://127.0.0.1:<port>` (STORE_EDGE_OIDC_ISSUER). */
  issuer: string;
  audience: string;
  consoleClientId: string;
  /** Every confidential client's secret (client id → secret). */
  secrets: Record<string, string>;
  /** The current signing key's id. */
  readonly kid: string;
  /** An access token for integration `clientId` by client credentials (default audience: the API). */
  token(clientId: string, opts?: { resource?: string }): Promise<string>;
  /**
   * Signs `accountId` in as the console would (Authorization Code + PKCE through the login
   * page, without a browser): the access token for the API, and the ID token.
   */
  signIn(
    accountId: string,
    opts?: { redirectUri?: string },
  ): Promise<{ accessToken: string; idToken: string }>;
  /** Adds or replaces an account or integration while running (takes effect for new tokens). */
  setAccount(id: string, claims: TestClaims): void;
  setMachine(id: string, claims: TestClaims & { ttlSeconds?: number }): Promise<void>;
  /** The console's redirect URIs, e.g. once the cloud's port is known (restarts the provider). */
  setRedirectUris(uris: string[]): Promise<void>;
  /** Restart with a fresh signing key first in the key set (the previous one still published). */
  rotateKeys(): Promise<void>;
  stop(): Promise<void>;
}

async function newSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return {
    ...jwk,
    kid: `k-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    alg: 'RS256',
    use: 'sig',
  };
}

const listen = (server: Server, port: number) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });

/** Starts the provider; stop() it in afterAll. */
export async function startOidcProvider(opts: TestOidcProviderOptions = {}): Promise<TestOidcProvider> {
  const { default: ProviderClass, errors: oidcErrors } = await import('oidc-provider');
  const port = opts.port ?? (await freePort());
  const issuer = `http://127.0.0.1:${port}`;
  const audience = opts.audience ?? 'https://api.store-edge.test';
  const resources = new Set([audience, ...(opts.otherAudiences ?? [])]);
  const consoleClientId = opts.consoleClientId ?? 'store-edge-console';
  let redirectUris = opts.redirectUris ?? ['http://127.0.0.1/callback'];
  const accounts = new Map(Object.entries(opts.accounts ?? {}));
  const machines = new Map(Object.entries(opts.machines ?? {}));
  const secrets: Record<string, string> = {};
  for (const id of machines.keys()) secrets[id] = `secret-${id}-0123456789abcdef`;
  const names = {
    tenant: opts.claimNames?.tenant ?? 'tenant',
    roles: opts.claimNames?.roles ?? 'roles',
    stores: opts.claimNames?.stores ?? 'stores',
  };
  const ttl = opts.accessTokenTtlSeconds ?? 300;
  let keys: JWK[] = [await newSigningKey()];

  /** The claims as a token carries them, under the configured names. */
  const tokenClaims = (c: TestClaims | undefined): Record<string, unknown> => {
    if (!c) return {};
    const out: Record<string, unknown> = { ...(c.extra ?? {}) };
    if (c.tenant !== undefined) out[names.tenant] = c.tenant;
    if (c.roles !== undefined) {
      // A dotted roles name nests (Keycloak's realm_access.roles).
      const path = Array.isArray(names.roles) ? names.roles : [names.roles];
      let at = out;
      for (const part of path.slice(0, -1)) {
        at[part] = {};
        at = at[part] as Record<string, unknown>;
      }
      at[path[path.length - 1] as string] = c.roles;
    }
    if (c.stores !== undefined) out[names.stores] = c.stores;
    return out;
  };

  const clients = (): ClientMetadata[] => [
    {
      client_id: consoleClientId,
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: redirectUris,
      post_logout_redirect_uris: redirectUris.map((u) => new URL(u).origin),
    },
    ...[...machines.keys()].map((id) => ({
      client_id: id,
      client_secret: secrets[id] as string,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    })),
  ];

  const build = (): Provider => {
    const configuration: Configuration = {
      clients: clients(),
      jwks: { keys },
      findAccount: async (_ctx, sub) =>
        accounts.has(sub)
          ? { accountId: sub, claims: async () => ({ sub, ...tokenClaims(accounts.get(sub)) }) }
          : undefined,
      claims: { openid: ['sub'], profile: ['name'] },
      features: {
        devInteractions: { enabled: true },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          // The console need not name the API: its grant and its tokens are for the API.
          defaultResource: async (_ctx, _client, oneOf) => oneOf ?? audience,
          useGrantedResource: async () => true,
          getResourceServerInfo: async (_ctx, resource) => {
            if (!resources.has(resource)) throw new oidcErrors.InvalidTarget();
            return {
              scope: 'api',
              audience: resource,
              accessTokenFormat: 'jwt',
              accessTokenTTL: ttl,
              // RFC 9068 §2.1: JWT access tokens are typed at+jwt, signed asymmetrically.
              jwt: { sign: { alg: 'RS256' } },
            };
          },
        },
      },
      // The store-edge claims go into the access token itself (RFC 9068 §2.2.3.1 leaves room
      // for such authorization claims), for people and integrations alike.
      extraTokenClaims: async (_ctx, token) => {
        const t = token as { accountId?: string; clientId?: string };
        if (t.accountId) return tokenClaims(accounts.get(t.accountId));
        if (t.clientId && machines.has(t.clientId)) return tokenClaims(machines.get(t.clientId));
        return undefined;
      },
      // Consent is not what these tests are about: the console gets everything it asks for.
      loadExistingGrant: async (ctx) => {
        const accountId = ctx.oidc.session?.accountId;
        const client = ctx.oidc.client;
        if (!accountId || !client) return undefined;
        const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId });
        grant.addOIDCScope('openid profile offline_access');
        grant.addResourceScope(audience, 'api');
        await grant.save();
        return grant;
      },
      ttl: {
        ClientCredentials: (_ctx, _token, client) => machines.get(client.clientId)?.ttlSeconds ?? ttl,
        AccessToken: ttl,
        IdToken: 3600,
        Interaction: 3600,
        Session: 86_400,
        Grant: 86_400,
        RefreshToken: 86_400,
      },
      pkce: { required: () => true },
      // Cookies signed with a fixed key, so a session survives a key rotation restart.
      cookies: { keys: ['store-edge-test-cookie-key-0123456789'] },
      renderError: async (ctx, out) => {
        ctx.type = 'application/json';
        ctx.body = out;
      },
    };
    const p = new ProviderClass(issuer, configuration);
    // Plain http on loopback: no proxy in front, nothing to trust.
    p.proxy = false;
    return p;
  };

  let provider = build();
  // No keep-alive: a restart (key rotation) must not leave clients holding sockets to the
  // stopped server (their next request would fail with "other side closed").
  const serve = (p: Provider) => {
    const handle = p.callback();
    return createServer((req, res) => {
      res.setHeader('connection', 'close');
      handle(req, res);
    });
  };
  let server = serve(provider);
  await listen(server, port);

  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  /** Clients and keys are fixed at construction: changing them restarts on the same port. */
  const restart = async () => {
    await close();
    provider = build();
    server = serve(provider);
    await listen(server, port);
  };

  return {
    issuer,
    audience,
    consoleClientId,
    secrets,
    get kid() {
      return keys[0]?.kid as string;
    },
    async token(clientId, o = {}) {
      const secret = secrets[clientId];
      if (!secret) throw new Error(`no integration '${clientId}' in the test provider`);
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
        },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          resource: o.resource ?? audience,
          scope: 'api',
        }),
      });
      const body = (await res.json()) as {
        access_token?: string;
        error?: string;
        error_description?: string;
      };
      if (!res.ok || !body.access_token) {
        throw new Error(
          `token for ${clientId}: HTTP ${res.status} ${body.error ?? ''} ${body.error_description ?? ''}`,
        );
      }
      return body.access_token;
    },
    async signIn(accountId, o = {}) {
      const redirectUri = o.redirectUri ?? (redirectUris[0] as string);
      const verifier = randomBytes(32).toString('base64url');
      // RFC 7636 §4.2: S256 challenge of the verifier.
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const jar = new Map<string, string>();
      const go = async (url: string, init: RequestInit = {}): Promise<Response> => {
        const res = await fetch(new URL(url, issuer), {
          ...init,
          redirect: 'manual',
          headers: {
            ...(init.headers as Record<string, string>),
            cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
          },
        });
        for (const c of res.headers.getSetCookie()) {
          const [pair] = c.split(';');
          const eq = (pair ?? '').indexOf('=');
          if (eq > 0) jar.set((pair as string).slice(0, eq), (pair as string).slice(eq + 1));
        }
        return res;
      };
      const auth = new URL('/auth', issuer);
      auth.search = new URLSearchParams({
        client_id: consoleClientId,
        response_type: 'code',
        redirect_uri: redirectUri,
        scope: 'openid profile',
        state: randomBytes(8).toString('hex'),
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }).toString();
      let res = await go(auth.href);
      let code: string | null = null;
      for (let hop = 0; hop < 10 && !code; hop++) {
        const location = res.headers.get('location');
        if (res.status >= 300 && res.status < 400 && location) {
          const next = new URL(location, issuer);
          if (next.href.startsWith(redirectUri)) {
            code = next.searchParams.get('code');
            if (!code) throw new Error(`sign-in refused: ${next.search}`);
            break;
          }
          res = await go(next.href);
          continue;
        }
        const html = await res.text();
        const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
        if (res.status !== 200 || !action)
          throw new Error(`sign-in: HTTP ${res.status} ${html.slice(0, 300)}`);
        res = await go(action, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ prompt: 'login', login: accountId, password: 'any' }).toString(),
        });
      }
      if (!code) throw new Error('sign-in: no code came back');
      const tokenRes = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri,
          client_id: consoleClientId,
          code_verifier: verifier,
        }),
      });
      const body = (await tokenRes.json()) as { access_token?: string; id_token?: string; error?: string };
      if (!tokenRes.ok || !body.access_token || !body.id_token) {
        throw new Error(`sign-in token exchange: HTTP ${tokenRes.status} ${body.error ?? ''}`);
      }
      return { accessToken: body.access_token, idToken: body.id_token };
    },
    setAccount(id, claims) {
      accounts.set(id, claims);
    },
    async setMachine(id, claims) {
      const known = machines.has(id);
      machines.set(id, claims);
      if (!known) {
        secrets[id] = `secret-${id}-0123456789abcdef`;
        await restart();
      }
    },
    async setRedirectUris(uris) {
      redirectUris = uris;
      await restart();
    },
    async rotateKeys() {
      keys = [await newSigningKey(), ...keys].slice(0, 3);
      await restart();
    },
    stop: close,
  };
}
