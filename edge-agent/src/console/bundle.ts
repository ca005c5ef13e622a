import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The console's sources and the default place of its built files (git-ignored). */
export const CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url));
export const SOURCE_DIR = join(CONSOLE_DIR, 'src');
export const DIST_DIR = join(CONSOLE_DIR, 'dist');
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
export async function sourceHash(): Promise<string | null> {
  let files: string[];
  try {
    files = await listFiles(SOURCE_DIR);
  } catch {
    return null;
  }
  const h = createHash('sha256');
  for (const f of files) {
    h.update(relative(SOURCE_DIR, f));
    h.update('\0');
    h.update(await readFile(f));
    h.update('\0');
  }
  h.update(await readFile(fileURLToPath(import.meta.url)));
  return h.digest('hex').slice(0, 16);
}

/** Bundles the console with esbuild into memory: `index.html`, `app.js`, `app.css`. */
export async function bundleConsole(hash: string): Promise<Map<string, Uint8Array>> {
  // Loaded only when a build is needed: a running agent with current files never loads esbuild.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [join(SOURCE_DIR, 'main.tsx')],
    bundle: true,
    write: false,
    outdir: '/',
    entryNames: 'app',
    format: 'esm',
    // Back-office PCs and store tablets: evergreen browsers of the last few years.
    target: ['chrome100', 'edge100', 'firefox100', 'safari15'],
    minify: true,
    sourcemap: false,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'silent',
    absWorkingDir: CONSOLE_DIR,
  });
  const files = new Map<string, Uint8Array>();
  for (const f of result.outputFiles) files.set(f.path.replace(/^\//, ''), f.contents);
  const html = (await readFile(join(SOURCE_DIR, 'index.html'), 'utf8')).replaceAll('%HASH%', hash);
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

/**
 * Writes each file through a temporary name and a rename, so two agents building at once (tests
 * in parallel) never serve half a file; both builds come from the same sources.
 */
export async function writeBundle(dir: string, files: Map<string, Uint8Array>, hash: string): Promise<void> {
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
 * Makes sure built console files exist and match the sources; answers the directory to serve.
 * Builds into `edge-agent/console/dist` (a fresh clone after `npm install`, or after the sources
 * changed). Where that cannot be written (the container image's read-only install), it builds
 * into `fallbackDir` (`<dataDir>/console`). With no sources shipped, a prebuilt `dist` is served.
 */
export async function ensureConsoleBuilt(opts: {
  fallbackDir: string;
  distDir?: string;
}): Promise<string | null> {
  const dist = opts.distDir ?? DIST_DIR;
  const hash = await sourceHash();
  if (hash === null) return (await stampOf(dist)) !== null ? dist : null;
  for (const dir of [dist, opts.fallbackDir]) {
    if ((await stampOf(dir)) === hash) return dir;
  }
  const files = await bundleConsole(hash);
  try {
    await writeBundle(dist, files, hash);
    return dist;
  } catch {
    await writeBundle(opts.fallbackDir, files, hash);
    return opts.fallbackDir;
  }
}
