import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const storeEdgeBin = join(repoRoot, 'bin', 'store-edge.mjs');

export interface AgentProcess {
  child: ChildProcess;
  httpPort: number;
  mqttPort: number;
  baseUrl: string;
  /** Everything the process wrote so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): void;
}

export interface StartAgentOptions {
  dataDir: string;
  env?: Record<string, string>;
  args?: string[];
  httpPort?: number;
  mqttPort?: number;
  /** Wait for /readyz (default true). */
  waitReady?: boolean;
  readyTimeoutMs?: number;
}

/** Runs `store-edge edge` as a child process, exactly as `npm start` would, and waits for /readyz. */
export async function startAgent(opts: StartAgentOptions): Promise<AgentProcess> {
  // A port that was free when picked can be taken by a parallel test before the agent binds it:
  // with ports of our own choosing, try again on fresh ones (the agent refuses, never moves).
  for (let attempt = 1; ; attempt++) {
    try {
      return await startAgentOnce(opts);
    } catch (err) {
      const raced =
        opts.httpPort === undefined && opts.mqttPort === undefined && /is already in use/.test(String(err));
      if (!raced || attempt >= 3) throw err;
    }
  }
}

/** The pid a /readyz body names, if any. */
export async function answeredBy(res: Response): Promise<number | undefined> {
  const body: unknown = await res.json().catch(() => undefined);
  if (typeof body !== 'object' || body === null || !('pid' in body)) return undefined;
  return typeof body.pid === 'number' ? body.pid : undefined;
}

async function startAgentOnce(opts: StartAgentOptions): Promise<AgentProcess> {
  const httpPort = opts.httpPort ?? (await freePort());
  const mqttPort = opts.mqttPort ?? (await freePort());
  // The flag `npm start` and the container use: a small young generation keeps a store node's
  // memory low (docs/operations.md).
  const child = spawn(
    process.execPath,
    [
      '--max-semi-space-size=4',
      '--max-old-space-size=128',
      // Extra V8/Node flags for the agent only, e.g. `--cpu-prof` when profiling a benchmark.
      ...(process.env.STORE_EDGE_AGENT_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
      storeEdgeBin,
      'edge',
      ...(opts.args ?? []),
    ],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        STORE_EDGE_DATA_DIR: opts.dataDir,
        STORE_EDGE_HTTP_HOST: '127.0.0.1',
        STORE_EDGE_HTTP_PORT: String(httpPort),
        STORE_EDGE_MQTT_PORT: String(mqttPort),
        STORE_EDGE_ADMIN_PASSWORD: 'admin-test-password',
        ...opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const exited = new Promise<number | string>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit(code ?? signal ?? 'unknown'));
  });
  const agent: AgentProcess = {
    child,
    httpPort,
    mqttPort,
    baseUrl: `http://127.0.0.1:${httpPort}`,
    output: () => out,
    exited,
    kill: (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
  if (opts.waitReady !== false) {
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 20_000);
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`agent exited with ${child.exitCode} before ready:\n${out}`);
      try {
        const res = await fetch(`${agent.baseUrl}/readyz`);
        // Ready only when *our* child answers: another test's server may have taken the port
        // (the agent then exits with "already in use" and we try again on fresh ports).
        if (res.status === 200 && (await answeredBy(res)) === child.pid) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        agent.kill();
        throw new Error(`agent not ready within ${opts.readyTimeoutMs ?? 20_000} ms:\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return agent;
}
