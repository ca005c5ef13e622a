// What the agent and cloud harnesses share: run `store-edge <command>` as a child process,
// exactly as a deployment would, collect its output, wait until *it* answers /readyz, stop it.
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const storeEdgeBin = join(repoRoot, 'bin', 'store-edge.mjs');

export interface StoreEdgeProcess {
  child: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** Sends `signal` (default SIGKILL) unless the process has exited. */
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, waits for exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
}

export interface SpawnStoreEdgeOptions {
  /** Node flags before the script (V8 heap limits, `--cpu-prof`). */
  nodeArgs?: string[];
  /** `store-edge` arguments: the command and its flags. */
  args: string[];
  /** Added to this process's environment. */
  env: Record<string, string>;
}

export function spawnStoreEdge(opts: SpawnStoreEdgeOptions): StoreEdgeProcess {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), storeEdgeBin, ...opts.args], {
    cwd: repoRoot,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
  const alive = () => child.exitCode === null && child.signalCode === null;
  const proc: StoreEdgeProcess = {
    child,
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
  return proc;
}

/** The pid a /readyz body names, if any. */
export async function answeredBy(res: Response): Promise<number | undefined> {
  const body: unknown = await res.json().catch(() => undefined);
  if (typeof body !== 'object' || body === null || !('pid' in body)) return undefined;
  return typeof body.pid === 'number' ? body.pid : undefined;
}

/**
 * Polls `baseUrl/readyz` until the process answers 200 naming its own pid: another test's
 * server may have taken the port first. Kills the process and throws with its output when it
 * exits first or `timeoutMs` passes.
 */
export async function waitUntilReady(
  proc: StoreEdgeProcess,
  baseUrl: string,
  opts: { name: string; timeoutMs: number; pollMs: number },
): Promise<void> {
  const { child } = proc;
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${opts.name} exited with ${child.exitCode ?? child.signalCode} before ready:\n${proc.output()}`,
      );
    }
    try {
      const res = await fetch(`${baseUrl}/readyz`);
      if (res.status === 200 && (await answeredBy(res)) === child.pid) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill();
      throw new Error(`${opts.name} not ready within ${opts.timeoutMs} ms:\n${proc.output()}`);
    }
    await new Promise((r) => setTimeout(r, opts.pollMs));
  }
}

/**
 * Starts a process on ports of our own choosing, again on fresh ones (up to three times) when
 * a port that was free when picked was taken by a parallel test before the process bound it:
 * the process refuses such a port, it never moves. `ownPorts` false (fixed ports): no retry.
 */
export async function startOnFreePorts<T>(ownPorts: boolean, start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      const raced = ownPorts && /EADDRINUSE|already in use/.test(String(err));
      if (!raced || attempt >= 3) throw err;
    }
  }
}
