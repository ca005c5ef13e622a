import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, type TestAgent } from './helpers.js';

describe('console served by the agent', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('serves the app at / and at any page path, with its script and styles, nothing from elsewhere', async () => {
    for (const path of ['/', '/stock', '/book/receive?sku=SKU-1']) {
      const res = await fetch(`${t.baseUrl}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html).toMatch(/<script type="module" src="\/app\.js\?v=[0-9a-f]+">/);
      // Offline store: every URL in the page is the agent's own.
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    }
    const js = await fetch(`${t.baseUrl}/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(await js.text()).not.toMatch(/https?:\/\/(cdn|unpkg|fonts\.googleapis)/);
    expect((await fetch(`${t.baseUrl}/app.css`)).status).toBe(200);
  });

  it('keeps 404s for unknown API routes and missing files', async () => {
    const api = await fetch(`${t.baseUrl}/api/v1/no-such-route`);
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toMatch(/problem\+json/);
    expect((await fetch(`${t.baseUrl}/missing.js`)).status).toBe(404);
    expect((await fetch(`${t.baseUrl}/build.json`)).status).toBe(404);
    expect((await fetch(`${t.baseUrl}/healthz`)).status).toBe(200);
  });
});
