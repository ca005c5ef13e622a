// The OIDC verifier against a real provider (testing/src/oidc-provider.ts), no stubs: every
// way a token can be wrong answers 401 naming why; a key rotation is picked up by itself.
import { randomUUID } from 'node:crypto';
import { startOidcProvider, type TestOidcProvider } from '@store-edge/testing';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { createOidcVerifier, OIDC_DEFAULTS, type OidcSettings, readClaim } from './oidc.js';
import { HttpProblem } from './problem.js';

let idp: TestOidcProvider;
let other: TestOidcProvider;
let settings: OidcSettings;
const machines = {
  'a-viewer': { tenant: 'a', roles: ['viewer'], stores: ['s1'] },
  'no-tenant': { roles: ['viewer'] },
  'short-lived': { tenant: 'a', roles: ['viewer'], ttlSeconds: 1 },
};

beforeAll(async () => {
  idp = await startOidcProvider({
    accounts: { ana: { tenant: 'a', roles: ['buyer', 'other-app-role'] } },
    machines,
    otherAudiences: ['https://another-api.test'],
  });
  // Another issuer with the same clients and claims: its tokens are foreign here.
  other = await startOidcProvider({ machines });
  settings = { issuer: idp.issuer, audience: idp.audience, clientId: idp.consoleClientId, ...OIDC_DEFAULTS };
});
afterAll(async () => {
  await idp?.stop();
  await other?.stop();
});

/** The 401 detail the verifier answers for `token`. */
async function refusal(v: ReturnType<typeof createOidcVerifier>, token: string): Promise<string> {
  const err = await v.verify(token).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpProblem);
  expect((err as HttpProblem).status).toBe(401);
  return (err as HttpProblem).message;
}

describe('OIDC verifier against a real provider', () => {
  it('turns a client-credentials token into a person principal (RFC 6749 §4.4, RFC 9068)', async () => {
    const v = createOidcVerifier(settings);
    await expect(v.verify(await idp.token('a-viewer'))).resolves.toEqual({
      kind: 'person',
      subject: 'a-viewer',
      tenantId: 'a',
      roles: ['viewer'],
      stores: ['s1'],
    });
  });

  it('signs a person in with Authorization Code + PKCE through the login page; unknown roles are ignored', async () => {
    const v = createOidcVerifier(settings);
    const { accessToken, idToken } = await idp.signIn('ana');
    await expect(v.verify(accessToken)).resolves.toEqual({
      kind: 'person',
      subject: 'ana',
      tenantId: 'a',
      roles: ['buyer'],
      stores: null,
    });
    // The ID token is for the console (aud = its client id), not for the API.
    expect(await refusal(v, idToken)).toMatch(/'aud' claim/);
  });

  it('refuses expired, wrong-audience, wrong-issuer, unsigned, self-signed and tenant-less tokens with 401', async () => {
    const v = createOidcVerifier({ ...settings, clockSkewSeconds: 0 });
    const short = await idp.token('short-lived');
    expect(await refusal(v, await idp.token('a-viewer', { resource: 'https://another-api.test' }))).toMatch(
      /'aud'/,
    );
    expect(await refusal(v, await other.token('a-viewer'))).toMatch(/'iss'/);
    expect(await refusal(v, await idp.token('no-tenant'))).toMatch(/'tenant' claim/);
    const claims = { iss: idp.issuer, aud: idp.audience, sub: 'x', tenant: 'a', roles: ['hq-admin'] };
    // RFC 8725 §3.1: alg none is refused before any key is looked at.
    const unsigned = new UnsecuredJWT(claims).setExpirationTime('5m').encode();
    expect(await refusal(v, unsigned)).toMatch(/algorithm 'none'/);
    // Signed by a key the issuer never published, with a made-up kid.
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: randomUUID() })
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(await refusal(v, forged)).toMatch(/key is not among/);
    // HS256 with the issuer's public key as the secret (the classic confusion): refused by alg.
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(
        new TextEncoder().encode(JSON.stringify(await exportJWK((await generateKeyPair('RS256')).publicKey))),
      );
    expect(await refusal(v, hs)).toMatch(/algorithm 'HS256'/);
    await new Promise((r) => setTimeout(r, 2100));
    expect(await refusal(v, short)).toMatch(/expired/);
  });

  it('accepts tokens signed with a rotated key without being restarted', async () => {
    const v = createOidcVerifier({ ...settings, jwksCooldownSeconds: 0 });
    const before = await idp.token('a-viewer');
    await v.verify(before);
    const oldKid = idp.kid;
    await idp.rotateKeys();
    expect(idp.kid).not.toBe(oldKid);
    const after = await idp.token('a-viewer');
    await expect(v.verify(after)).resolves.toMatchObject({ tenantId: 'a' });
    // The previous key is still published: tokens issued before the rotation stay good.
    await expect(v.verify(before)).resolves.toMatchObject({ tenantId: 'a' });
  });

  it('reads claims by exact name first, then as a dotted path', () => {
    expect(readClaim({ 'https://x.example/roles': ['viewer'] }, 'https://x.example/roles')).toEqual([
      'viewer',
    ]);
    expect(readClaim({ realm_access: { roles: ['buyer'] } }, 'realm_access.roles')).toEqual(['buyer']);
    expect(readClaim({ a: 1 }, 'a.b')).toBeUndefined();
  });
});

describe('OIDC settings', () => {
  const base = { STORE_EDGE_ADMIN_TOKEN: 'an-admin-token-0123456789' };
  it('are all of issuer, audience and client id, or none; https except on loopback; each problem named', () => {
    const none = loadConfig(base);
    expect(none.ok && none.config.oidc).toBe(null);
    const partial = loadConfig({ ...base, STORE_EDGE_OIDC_ISSUER: 'http://sso.example.com/realms/r' });
    expect(partial.ok).toBe(false);
    expect(!partial.ok && partial.problems).toEqual([
      "STORE_EDGE_OIDC_ISSUER: must be https:// (http:// only on 127.0.0.1, localhost or [::1]), got 'http://sso.example.com/realms/r'",
      'STORE_EDGE_OIDC_AUDIENCE: required with STORE_EDGE_OIDC_ISSUER (the `aud` of access tokens for this API)',
      "STORE_EDGE_OIDC_CLIENT_ID: required with STORE_EDGE_OIDC_ISSUER (the console's public client)",
    ]);
    const full = loadConfig({
      ...base,
      STORE_EDGE_OIDC_ISSUER: 'https://sso.example.com/realms/r',
      STORE_EDGE_OIDC_AUDIENCE: 'store-edge-api',
      STORE_EDGE_OIDC_CLIENT_ID: 'console',
      STORE_EDGE_OIDC_ROLES_CLAIM: 'realm_access.roles',
    });
    expect(full.ok && full.config.oidc).toEqual({
      issuer: 'https://sso.example.com/realms/r',
      audience: 'store-edge-api',
      clientId: 'console',
      tenantClaim: 'tenant',
      rolesClaim: 'realm_access.roles',
      storesClaim: 'stores',
      clockSkewSeconds: 30,
      jwksCooldownSeconds: 30,
    });
    expect(
      loadConfig({
        ...base,
        STORE_EDGE_OIDC_ISSUER: 'http://127.0.0.1:4000',
        STORE_EDGE_OIDC_AUDIENCE: 'a',
        STORE_EDGE_OIDC_CLIENT_ID: 'c',
      }).ok,
    ).toBe(true);
  });
});
