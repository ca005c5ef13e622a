import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// The head-office console's build, the same way the store console is built
// (edge-agent/src/console/bundle.ts): sources hashed, bundled by esbuild on demand, written
// through temporary names. Kept separate so the cloud never imports the edge agent's code.

/** The console's sources and the default place of its built files (git-ignored). */
export const HQ_CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url));
export const HQ_SOURCE_DIR = join(HQ_CONSOLE_DIR, 'src');
export const HQ_DIST_DIR = join(HQ_CONSOLE_DIR, 'dist');
const STAMP = 'build.json';

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else out.push(full);
  }
  return out.sort();
}

/** A hash over every source file: the built files are current when their stamp carries it. */
export async function hqSourceHash(): Promise<string | null> {
  let files: string[];
  try {
    files = await listFiles(HQ_SOURCE_DIR);
  } catch {
    return null;
  }
  const h = createHash('sha256');
  for (const f of files) {
    h.update(relative(HQ_SOURCE_DIR, f));
    h.update('\0');
    h.update(await readFile(f));
    h.update('\0');
  }
  h.update(await readFile(fileURLToPath(import.meta.url)));
  return h.digest('hex').slice(0, 16);
}

/** Bundles the console with esbuild into memory: `index.html`, `app.js`, `app.css`. */
export async function bundleHqConsole(hash: string): Promise<Map<string, Uint8Array>> {
  // Loaded only when a build is needed: a cloud with current files never loads esbuild.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [join(HQ_SOURCE_DIR, 'main.tsx')],
    bundle: true,
    write: false,
    outdir: '/',
    entryNames: 'app',
    format: 'esm',
    // Head-office desktops: evergreen browsers of the last few years.
    target: ['chrome100', 'edge100', 'firefox100', 'safari15'],
    minify: true,
    sourcemap: false,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'silent',
    absWorkingDir: HQ_CONSOLE_DIR,
  });
  const files = new Map<string, Uint8Array>();
  for (const f of result.outputFiles) files.set(f.path.replace(/^\//, ''), f.contents);
  const html = (await readFile(join(HQ_SOURCE_DIR, 'index.html'), 'utf8')).replaceAll('%HASH%', hash);
  files.set('index.html', Buffer.from(html));
  return files;
}

async function stampOf(dir: string): Promise<string | null> {
  try {
    const parsed = JSON.parse(await readFile(join(dir, STAMP), 'utf8')) as { hash?: unknown };
    return typeof parsed.hash === 'string' ? parsed.hash : null;
  } catch {
    return null;
  }
}

/** Each file through a temporary name and a rename: two replicas building at once never serve half a file. */
export async function writeHqBundle(
  dir: string,
  files: Map<string, Uint8Array>,
  hash: string,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const all = new Map(files);
  all.set(STAMP, Buffer.from(`${JSON.stringify({ hash, builtAt: new Date().toISOString() })}\n`));
  for (const [name, contents] of all) {
    const target = join(dir, name);
    const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, contents);
    await rename(tmp, target);
  }
}

/**
 * The directory to serve. From a checkout (sources present) it builds into `cloud/console/dist`
 * when that is missing or from other sources, or into `fallbackDir` where that cannot be
 * written. The built cloud (dist/, the image) has no sources and serves the prebuilt files.
 */
export async function ensureHqConsoleBuilt(opts: { fallbackDir: string }): Promise<string | null> {
  const hash = await hqSourceHash();
  if (hash === null) return (await stampOf(HQ_DIST_DIR)) !== null ? HQ_DIST_DIR : null;
  for (const dir of [HQ_DIST_DIR, opts.fallbackDir]) {
    if ((await stampOf(dir)) === hash) return dir;
  }
  const files = await bundleHqConsole(hash);
  try {
    await writeHqBundle(HQ_DIST_DIR, files, hash);
    return HQ_DIST_DIR;
  } catch {
    await writeHqBundle(opts.fallbackDir, files, hash);
    return opts.fallbackDir;
  }
}
