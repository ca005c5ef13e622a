import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.js';
import { makeTempDir } from './temp-dir.js';
import { which } from './which.js';

export interface MosquittoUser {
  username: string;
  password: string;
  /** ACL lines for this user, e.g. ['topic write readers/dock/#']. Omitted: full access. */
  acl?: string[];
}

export interface Mosquitto {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/**
 * A private Mosquitto on a free port (the system one holds 1883). With `users`, anonymous
 * clients are refused and each user gets its ACL; without, anyone may connect.
 */
export async function startMosquitto(
  opts: { users?: MosquittoUser[] } = {},
): Promise<Mosquitto | { skip: string }> {
  const bin = which('mosquitto');
  if (!bin) return { skip: 'mosquitto is not installed (apt-get install mosquitto)' };
  const dir = makeTempDir('store-edge-mosquitto-');
  const port = await freePort();
  const lines = [`listener ${port} 127.0.0.1`, 'persistence false'];
  // As root, mosquitto drops to user "mosquitto", which cannot read our 0700 temp dir.
  if (process.getuid?.() === 0) lines.push('user root');
  if (opts.users && opts.users.length > 0) {
    const passwd = which('mosquitto_passwd');
    if (!passwd) return { skip: 'mosquitto_passwd is not installed' };
    const pwFile = join(dir.path, 'passwd');
    writeFileSync(pwFile, '');
    for (const u of opts.users) {
      const r = spawnSync(passwd, ['-b', pwFile, u.username, u.password], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`mosquitto_passwd: ${r.stderr}`);
    }
    const acl: string[] = [];
    for (const u of opts.users) {
      acl.push(`user ${u.username}`, ...(u.acl ?? ['topic readwrite #']), '');
    }
    writeFileSync(join(dir.path, 'acl'), acl.join('\n'));
    lines.push('allow_anonymous false', `password_file ${pwFile}`, `acl_file ${join(dir.path, 'acl')}`);
  } else {
    lines.push('allow_anonymous true');
  }
  const conf = join(dir.path, 'mosquitto.conf');
  writeFileSync(conf, `${lines.join('\n')}\n`);
  const child: ChildProcess = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  try {
    await waitForPort(port, '127.0.0.1', 10_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`mosquitto did not start: ${stderr}`, { cause: err });
  }
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      dir.remove();
    },
  };
}
