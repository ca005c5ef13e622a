// Runs `store-edge cloud` as a child process, exactly as a deployment would (tests, benchmarks).
import { type ChildProcess, spawn } from 'node:child_process';
import { answeredBy, repoRoot, storeEdgeBin } from './agent-process.js';
import { freePort } from './ports.js';

export interface CloudProcess {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  output(): string;
  exited: Promise<number | string>;
  /** SIGTERM, waits for exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
}

export interface StartCloudOptions {
  mysqlUrl: string;
  adminToken: string;
  env?: Record<string, string>;
  args?: string[];
  readyTimeoutMs?: number;
  /** A fixed port (to restart the cloud where the edge expects it); default: a free one. */
  port?: number;
}

export async function startCloudProcess(opts: StartCloudOptions): Promise<CloudProcess> {
  // A port that was free when picked can be taken by a parallel test before the cloud binds it:
  // with a port of our own choosing, try again on a fresh one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startCloudOnce(opts);
    } catch (err) {
      const raced = opts.port === undefined && /EADDRINUSE|already in use/.test(String(err));
      if (!raced || attempt >= 3) throw err;
    }
  }
}

async function startCloudOnce(opts: StartCloudOptions): Promise<CloudProcess> {
  const port = opts.port ?? (await freePort());
  const nodeArgs = process.env.STORE_EDGE_CLOUD_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  // STORE_EDGE_CLOUD_NODE_FLAGS: for profiling a benchmark, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const child = spawn(process.execPath, [...nodeArgs, storeEdgeBin, 'cloud', ...(opts.args ?? [])], {
    cwd: repoRoot,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      STORE_EDGE_MYSQL_URL: opts.mysqlUrl,
      STORE_EDGE_ADMIN_TOKEN: opts.adminToken,
      STORE_EDGE_CLOUD_PORT: String(port),
      STORE_EDGE_CLOUD_HOST: '127.0.0.1',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  const proc: CloudProcess = {
    child,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    output: () => out,
    exited,
    kill: (signal = 'SIGKILL') => {
      if (alive()) child.kill(signal);
    },
    stop: async () => {
      if (!alive()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (!alive()) throw new Error(`store-edge cloud exited before ready:\n${out}`);
    try {
      const res = await fetch(`${proc.baseUrl}/readyz`);
      // Only our child counts: another test's server may have taken the port first.
      if (res.ok && (await answeredBy(res)) === child.pid) return proc;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill();
      throw new Error(`store-edge cloud not ready in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
