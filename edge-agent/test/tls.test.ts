import { spawnSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AgentProcess,
  freePort,
  makeTempDir,
  startAgent,
  type TempDir,
  which,
} from '@store-edge/testing';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM } from './console-browser.js';
import { zebraBatch } from './rfid-support.js';

/**
 * TLS on the store LAN: a test CA and a server certificate for 127.0.0.1/localhost made here
 * with openssl; the agent (a child process) serves the API and console over HTTPS and readers
 * over MQTTS, and no longer offers plain MQTT.
 */

const READER = { username: 'door-reader', password: 'door-secret-1', topic: 'zebra/door-1/data' };
const EPC = '3034257BF7194E4000001A85';

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

/** A CA, and a server certificate it signs for 127.0.0.1 and localhost (RFC 5280 SAN). */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-days',
      '2',
      '-subj',
      '/CN=store-edge test CA',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
    ].concat([
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]),
    dir,
  );
  openssl(['req', ...ec, '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr'], dir);
  writeFileSync(
    join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n',
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
    ].concat(['-extfile', 'server.ext', '-out', 'server.pem']),
    dir,
  );
  mkdirSync(join(dir, 'empty-capath'));
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
}

function httpsGet(
  url: string,
  ca: string | undefined,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers }, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => {
        body += b.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function httpsPost(
  url: string,
  ca: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ca,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (b: Buffer) => {
          text += b.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const tools = ['openssl', 'mosquitto_pub'].filter((t) => !which(t));

describe.skipIf(tools.length > 0 || !existsSync(CHROMIUM))('TLS on the store LAN', () => {
  let dir: TempDir;
  let agent: AgentProcess;
  let pem: { ca: string; cert: string; key: string };
  let mqttsPort: number;
  let base: string;

  beforeAll(async () => {
    dir = makeTempDir('store-edge-tls-');
    pem = makeCertificates(dir.path);
    mqttsPort = await freePort();
    const config = join(dir.path, 'config.yaml');
    writeFileSync(
      config,
      `devices:
  - id: door-reader
    kind: rfid-reader
    format: zebra-iot
    topic: ${READER.topic}
    username: ${READER.username}
    password: ${READER.password}
    zone: door
`,
    );
    agent = await startAgent({
      dataDir: join(dir.path, 'data'),
      waitReady: false,
      env: {
        STORE_EDGE_CONFIG: config,
        STORE_EDGE_TLS_CERT: pem.cert,
        STORE_EDGE_TLS_KEY: pem.key,
        STORE_EDGE_MQTTS_PORT: String(mqttsPort),
      },
    });
    base = `https://127.0.0.1:${agent.httpPort}`;
    const ca = readFileSync(pem.ca, 'utf8');
    for (let i = 0; ; i++) {
      const ready = await httpsGet(`${base}/readyz`, ca).catch(() => null);
      if (ready?.status === 200) break;
      if (agent.child.exitCode !== null || i > 1000) throw new Error(`agent not ready:\n${agent.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  afterAll(async () => {
    agent?.kill();
    await agent?.exited;
    dir?.remove();
  });

  it('serves the API over HTTPS with a certificate the test CA vouches for, and no plain MQTT', async () => {
    const ca = readFileSync(pem.ca, 'utf8');
    expect((await httpsGet(`${base}/healthz`, ca)).status).toBe(200);
    // Without the CA the certificate is not trusted: nothing is silently accepted.
    await expect(httpsGet(`${base}/healthz`, undefined)).rejects.toThrow(
      /self[- ]signed|unable to verify|certificate/i,
    );
    // Plain HTTP on the same port gets no API.
    const plain = await fetch(`http://127.0.0.1:${agent.httpPort}/healthz`).then(
      (r) => r.status,
      () => 'refused',
    );
    expect(plain === 'refused' || plain === 400).toBe(true);
    // The plain MQTT port is not open once TLS is configured (no mqtt.plainWithTls).
    const mqttPlain = await new Promise<string>((resolve) => {
      const s = netConnect({ host: '127.0.0.1', port: agent.mqttPort });
      s.once('connect', () => {
        s.destroy();
        resolve('open');
      });
      s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(mqttPlain).toBe('ECONNREFUSED');
  });

  it('lets a reader publish over MQTTS with mosquitto_pub --cafile, and its tag shows up', async () => {
    const pub = (extra: string[]) =>
      spawnSync(
        'mosquitto_pub',
        [
          '-h',
          '127.0.0.1',
          '-p',
          String(mqttsPort),
          '-u',
          READER.username,
          '-P',
          READER.password,
          '-t',
          READER.topic,
          '-q',
          '1',
          '-m',
          // Twice: a tag is present from its second read (rfid.smoothing.arriveReads).
          zebraBatch([EPC, EPC]),
          ...extra,
        ],
        { encoding: 'utf8', timeout: 20_000 },
      );
    // Without the CA mosquitto_pub refuses the agent's certificate.
    expect(pub(['--capath', join(dir.path, 'empty-capath')]).status).not.toBe(0);
    const ok = pub(['--cafile', pem.ca]);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);

    const ca = readFileSync(pem.ca, 'utf8');
    const login = await httpsPost(`${base}/api/v1/auth/token`, ca, {
      username: 'admin',
      password: 'admin-test-password',
    });
    const token = (JSON.parse(login.body) as { token: string }).token;
    let tags = '';
    for (let i = 0; i < 200 && !tags.includes(EPC); i++) {
      tags = (await httpsGet(`${base}/api/v1/rfid/tags`, ca, { authorization: `Bearer ${token}` })).body;
      if (!tags.includes(EPC)) await new Promise((r) => setTimeout(r, 50));
    }
    expect(tags).toContain(EPC);
  });

  it('shows the console over HTTPS in Chromium, trusting only the test server key', async () => {
    // Chromium trusts the server's public key (SPKI SHA-256, base64) and nothing else; the
    // certificate chain itself was checked against the CA above.
    const spki = new X509Certificate(readFileSync(pem.cert)).publicKey.export({
      type: 'spki',
      format: 'der',
    });
    const pin = createHash('sha256').update(spki).digest('base64');
    const launch = async (extra: string[]) => {
      const profile = mkdtempSync(join(tmpdir(), 'store-console-tls-'));
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
        ].concat(extra),
        ignoreHTTPSErrors: false,
      });
      context.setDefaultTimeout(10_000);
      return {
        context,
        close: async () => {
          await context.close();
          rmSync(profile, { recursive: true, force: true });
        },
      };
    };
    // Unpinned, Chromium refuses the test CA's certificate: HTTPS errors are not ignored.
    const untrusting = await launch([]);
    try {
      await expect((await untrusting.context.newPage()).goto(`${base}/`)).rejects.toThrow(/ERR_CERT/);
    } finally {
      await untrusting.close();
    }
    const { context, close } = await launch([`--ignore-certificate-errors-spki-list=${pin}`]);
    try {
      const page = await context.newPage();
      const response = await page.goto(`${base}/`);
      expect(response?.status()).toBe(200);
      expect(response?.url()).toMatch(/^https:/);
      expect((await response?.securityDetails())?.subjectName).toBe('localhost');
      await page.getByLabel('Username').fill('admin');
      await page.getByLabel('Password').fill('admin-test-password');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    } finally {
      await close();
    }
  }, 90_000);
});
