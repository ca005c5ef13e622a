import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '@store-edge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '../src/console/bundle.js';
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

describe('console build', () => {
  it('builds into the data dir when the install cannot be written, and reuses that build', async () => {
    const dir = makeTempDir('store-console-build-');
    try {
      // A regular file where the dist folder's parent should be: nothing can be written there.
      writeFileSync(join(dir.path, 'blocked'), '');
      const opts = {
        distDir: join(dir.path, 'blocked', 'dist'),
        fallbackDir: join(dir.path, 'data', 'console'),
      };
      expect(await ensureConsoleBuilt(opts)).toBe(opts.fallbackDir);
      const html = readFileSync(join(opts.fallbackDir, 'index.html'), 'utf8');
      expect(html).toContain('/app.js?v=');
      expect(statSync(join(opts.fallbackDir, 'app.js')).size).toBeGreaterThan(10_000);
      const built = statSync(join(opts.fallbackDir, 'app.js')).mtimeMs;
      expect(await ensureConsoleBuilt(opts)).toBe(opts.fallbackDir);
      expect(statSync(join(opts.fallbackDir, 'app.js')).mtimeMs).toBe(built);
    } finally {
      dir.remove();
    }
  });
});
