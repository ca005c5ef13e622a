// The cloud as deployed (`store-edge cloud`, a child process) configured for OIDC from its
// environment (STORE_EDGE_OIDC_*), against a real provider: a person's token is taken, an
// unsigned one is not, the static admin token still works.
import {
  type CloudProcess,
  createTestDatabase,
  startCloudProcess,
  startOidcProvider,
  type TestDatabase,
  type TestOidcProvider,
} from '@store-edge/testing';
import { UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const ADMIN = 'oidc-process-admin-0123456789';
let db: TestDatabase;
let cloud: CloudProcess;
let idp: TestOidcProvider;

beforeAll(async () => {
  idp = await startOidcProvider({
    machines: { 'acme-viewer': { tenant: 'acme', roles: ['viewer'] } },
    claimNames: { roles: ['realm_access', 'roles'] },
  });
  db = await createTestDatabase(inject('mysqlUrl'), 'se_oidcp');
  cloud = await startCloudProcess({
    mysqlUrl: db.url,
    adminToken: ADMIN,
    env: {
      STORE_EDGE_OIDC_ISSUER: idp.issuer,
      STORE_EDGE_OIDC_AUDIENCE: idp.audience,
      STORE_EDGE_OIDC_CLIENT_ID: idp.consoleClientId,
      // Keycloak's shape: roles nested under realm_access.
      STORE_EDGE_OIDC_ROLES_CLAIM: 'realm_access.roles',
    },
  });
}, 120_000);

afterAll(async () => {
  await cloud?.stop();
  await db?.drop();
  await idp?.stop();
});

const get = (path: string, token: string) =>
  fetch(`${cloud.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });

describe('the cloud process configured for OIDC from its environment', () => {
  it('takes the provider tokens with the configured claim names, refuses unsigned ones, keeps the admin token', async () => {
    const created = await fetch(`${cloud.baseUrl}/v1/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'acme', name: 'Acme' }),
    });
    expect(created.status).toBe(201);
    const ok = await get('/v1/stock?sku=SKU-1', await idp.token('acme-viewer'));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ sku: 'SKU-1', stores: [] });
    const forged = new UnsecuredJWT({ iss: idp.issuer, aud: idp.audience, sub: 'x', tenant: 'acme' })
      .setExpirationTime('5m')
      .encode();
    const refused = await get('/v1/stock?sku=SKU-1', forged);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    // A viewer may not write the catalog.
    const put = await fetch(`${cloud.baseUrl}/v1/items/SKU-1`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${await idp.token('acme-viewer')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        tenantId: 'acme',
        name: 'x',
        gtins: [],
        price: { amount: '1', currency: 'EUR' },
      }),
    });
    expect(put.status).toBe(403);
    expect((await get('/v1/stock?sku=SKU-1', ADMIN)).status).toBe(200);
  });
});
