import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OidcSettings } from '../oidc.js';
import { ensureHqConsoleBuilt } from './bundle.js';

/** What the browser needs to sign in; served as `/console/config.json`, so one bundle fits every deployment. */
export interface ConsoleSettings {
  /** The OpenID issuer (discovery at `{issuer}/.well-known/openid-configuration`); null: sign-in is not set up. */
  issuer: string | null;
  /** The console's public client (Authorization Code + PKCE, no secret). */
  clientId: string | null;
  /** The API's audience (STORE_EDGE_OIDC_AUDIENCE): the `aud` the console's tokens must carry. */
  audience: string | null;
  /**
   * How the console names the audience when it asks for a token: `resource` (RFC 8707, e.g.
   * oidc-provider), `audience` (Auth0), or `none` where scopes pick the API (Entra ID, Keycloak, Dex).
   */
  audienceParam: 'resource' | 'audience' | 'none';
  /** Scopes asked for besides `openid` (Entra ID: the API's `api://…/scope`). */
  scopes: string[];
  /** Claim names (CONTRACT.md v2: configurable) the console reads to show who is signed in. */
  claims: { tenant: string; roles: string; stores: string };
}

/** Paths that are never the console's page: the API and the cloud's own endpoints keep their 404s. */
const NOT_CONSOLE = /^\/(v1|docs|healthz|readyz|metrics|console)(\/|$|\?)/;

/**
 * The head-office console at `/` (CONTRACT.md v2 "Fleet"): the built single-page app served
 * with @fastify/static, `index.html` for any other page path (the app routes in the browser),
 * and its settings at `/console/config.json`. `/v1` stays the API.
 */
export async function registerConsole(app: FastifyInstance, settings: ConsoleSettings): Promise<void> {
  let root: string | null = null;
  try {
    root = await ensureHqConsoleBuilt({ fallbackDir: join(tmpdir(), 'store-edge-hq-console') });
  } catch (err) {
    app.log.error({ err }, 'head-office console build failed; the API works, the console does not');
  }
  // The browser talks to the issuer (discovery, token endpoint) and to this origin only. The
  // access token lives in this page's memory and sessionStorage, so scripts from anywhere else
  // must not run here: a strict policy, no inline script or style.
  let issuerOrigin = '';
  try {
    if (settings.issuer) issuerOrigin = ` ${new URL(settings.issuer).origin}`;
  } catch {
    // an invalid issuer is the verifier's problem to report; the console then cannot sign in
  }
  const csp = [
    "default-src 'self'",
    `connect-src 'self'${issuerOrigin}`,
    "img-src 'self' data:",
    "style-src 'self'",
    "script-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');

  await app.register(async (scope) => {
    scope.get('/console/config.json', { schema: { hide: true } }, async (_req, reply) => {
      reply.header('cache-control', 'no-cache');
      return settings;
    });
    if (!root) {
      scope.get('/', { schema: { hide: true } }, async (_req, reply) =>
        reply
          .code(503)
          .type('text/plain; charset=utf-8')
          .send('The head-office console is not built. Run `npm run build` and restart the cloud.\n'),
      );
      return;
    }
    await scope.register(fastifyStatic, {
      root,
      wildcard: false,
      index: false,
      globIgnore: ['build.json', '**/*.tmp'],
      // Revalidate every time (ETag): an upgrade shows the new console at once.
      cacheControl: false,
      setHeaders: (res) => {
        res.setHeader('cache-control', 'no-cache');
        res.setHeader('x-content-type-options', 'nosniff');
      },
    });
    const page = (req: FastifyRequest, reply: FastifyReply) => {
      const path = req.url.split('?')[0] ?? '/';
      // A missing asset (has an extension) or an API path stays a 404, not the app's page.
      if (NOT_CONSOLE.test(path) || /\.[a-z0-9]+$/i.test(path)) return reply.callNotFound();
      reply.header('cache-control', 'no-cache');
      reply.header('content-security-policy', csp);
      // The authorization code arrives in this page's URL (RFC 6749 §4.1.2); it must not leak
      // to another origin through the Referer header.
      reply.header('referrer-policy', 'no-referrer');
      reply.header('x-content-type-options', 'nosniff');
      return reply.sendFile('index.html');
    };
    scope.get('/', { schema: { hide: true } }, page);
    scope.get('/*', { schema: { hide: true } }, page);
  });
}

/**
 * The console's settings: issuer, client id, audience and claim names from the cloud's OIDC
 * settings (STORE_EDGE_OIDC_*, config.ts), and two the console alone uses:
 * STORE_EDGE_OIDC_CONSOLE_SCOPES (default `profile`) and STORE_EDGE_OIDC_CONSOLE_AUDIENCE_PARAM.
 */
export function consoleSettings(oidc: OidcSettings | null, env: NodeJS.ProcessEnv): ConsoleSettings {
  const param = env.STORE_EDGE_OIDC_CONSOLE_AUDIENCE_PARAM?.trim();
  return {
    issuer: oidc?.issuer ?? null,
    clientId: oidc?.clientId ?? null,
    audience: oidc?.audience ?? null,
    audienceParam: param === 'audience' || param === 'none' ? param : 'resource',
    scopes: (env.STORE_EDGE_OIDC_CONSOLE_SCOPES?.trim() || 'profile').split(/[\s,]+/).filter(Boolean),
    claims: {
      tenant: oidc?.tenantClaim ?? 'tenant',
      roles: oidc?.rolesClaim ?? 'roles',
      stores: oidc?.storesClaim ?? 'stores',
    },
  };
}
