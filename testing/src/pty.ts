import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from './temp-dir.js';
import { which } from './which.js';

export interface PtyPair {
  /** The end the agent opens, as if it were the scanner's /dev/ttyUSB0. */
  devicePath: string;
  /** The end a test writes to, as the scanner would. */
  scannerPath: string;
  /** Kills socat: both ends vanish, like unplugging the scanner. */
  stop(): Promise<void>;
}

/**
 * A pseudo-terminal pair made by socat. Pass fixed `devicePath`/`scannerPath` to re-create a
 * pair at the same paths (re-plugging a scanner).
 */
export async function makePtyPair(paths?: {
  devicePath: string;
  scannerPath: string;
}): Promise<PtyPair | { skip: string }> {
  const socat = which('socat');
  if (!socat) return { skip: 'socat is not installed (apt-get install socat)' };
  let devicePath: string;
  let scannerPath: string;
  if (paths) {
    ({ devicePath, scannerPath } = paths);
  } else {
    const dir = makeTempDir('store-edge-pty-');
    devicePath = join(dir.path, 'ttyScanner');
    scannerPath = join(dir.path, 'ttyScannerHost');
  }
  const child: ChildProcess = spawn(
    socat,
    [`pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${scannerPath}`],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 5000;
  while (!(existsSync(devicePath) && existsSync(scannerPath))) {
    if (child.exitCode !== null) throw new Error(`socat exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error('socat did not create the pty pair within 5 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    devicePath,
    scannerPath,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
