// The build of both browser consoles, the store console (edge-agent/console) and the head-office
// console (cloud/console): sources hashed, bundled by esbuild on demand, written through
// temporary names. Each side's src/console/bundle.ts calls `consoleBuild` with its console's
// directory, so neither the edge agent nor the cloud imports the other's code; this module and
// consoles/shared/ (the sources both consoles use) are bundled into each of them.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The sources both consoles import (i18n core, chart, common components, common styles). */
export const SHARED_DIR = fileURLToPath(new URL('./shared/', import.meta.url));
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

/**
 * Writes each file through a temporary name and a rename, so two processes building at once
 * (agents or cloud replicas, tests in parallel) never serve half a file; both builds come from
 * the same sources.
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

async function stampOf(dir: string): Promise<string | null> {
  try {
    const parsed = JSON.parse(await readFile(join(dir, STAMP), 'utf8')) as { hash?: unknown };
    return typeof parsed.hash === 'string' ? parsed.hash : null;
  } catch {
    return null;
  }
}

export interface ConsoleBuild {
  /** The console's directory: `src/` its sources, `dist/` the default place of its built files (git-ignored). */
  consoleDir: string;
  sourceDir: string;
  distDir: string;
  /**
   * A hash over every source file (the console's, the shared ones, this build's code): the built
   * files are current when their stamp carries it. Null without the console's sources (a built
   * install ships only the prebuilt files).
   */
  sourceHash(): Promise<string | null>;
  /** Bundles the console with esbuild into memory: `index.html`, `app.js`, `app.css`. */
  bundle(hash: string): Promise<Map<string, Uint8Array>>;
  /**
   * The directory to serve. From a checkout (sources present) it builds into `distDir` when that
   * is missing or from other sources, or into `fallbackDir` where that cannot be written (a
   * read-only install). With no sources shipped, a prebuilt `distDir` is served.
   */
  ensureBuilt(opts: { fallbackDir: string; distDir?: string }): Promise<string | null>;
}

/** The build of the console in `consoleDir` (its `src/main.tsx`, `src/index.html`). */
export function consoleBuild(consoleDir: string): ConsoleBuild {
  const sourceDir = join(consoleDir, 'src');
  const distDir = join(consoleDir, 'dist');

  async function sourceHash(): Promise<string | null> {
    let files: string[];
    let shared: string[];
    try {
      files = await listFiles(sourceDir);
      shared = await listFiles(SHARED_DIR);
    } catch {
      return null;
    }
    const h = createHash('sha256');
    const named = [
      ...files.map((f) => [relative(sourceDir, f), f] as const),
      ...shared.map((f) => [`shared:${relative(SHARED_DIR, f)}`, f] as const),
    ];
    for (const [name, f] of named) {
      h.update(name);
      h.update('\0');
      h.update(await readFile(f));
      h.update('\0');
    }
    h.update(await readFile(fileURLToPath(import.meta.url)));
    return h.digest('hex').slice(0, 16);
  }

  async function bundle(hash: string): Promise<Map<string, Uint8Array>> {
    // Loaded only when a build is needed: a running agent or cloud with current files never loads esbuild.
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [join(sourceDir, 'main.tsx')],
      bundle: true,
      write: false,
      outdir: '/',
      entryNames: 'app',
      format: 'esm',
      // Back-office PCs, store tablets and head-office desktops: evergreen browsers of the last few years.
      target: ['chrome100', 'edge100', 'firefox100', 'safari15'],
      minify: true,
      sourcemap: false,
      jsx: 'automatic',
      jsxImportSource: 'preact',
      legalComments: 'none',
      logLevel: 'silent',
      absWorkingDir: consoleDir,
    });
    const files = new Map<string, Uint8Array>();
    for (const f of result.outputFiles) files.set(f.path.replace(/^\//, ''), f.contents);
    const html = (await readFile(join(sourceDir, 'index.html'), 'utf8')).replaceAll('%HASH%', hash);
    files.set('index.html', Buffer.from(html));
    return files;
  }

  async function ensureBuilt(opts: { fallbackDir: string; distDir?: string }): Promise<string | null> {
    const dist = opts.distDir ?? distDir;
    const hash = await sourceHash();
    if (hash === null) return (await stampOf(dist)) !== null ? dist : null;
    for (const dir of [dist, opts.fallbackDir]) {
      if ((await stampOf(dir)) === hash) return dir;
    }
    const files = await bundle(hash);
    try {
      await writeBundle(dist, files, hash);
      return dist;
    } catch {
      await writeBundle(opts.fallbackDir, files, hash);
      return opts.fallbackDir;
    }
  }

  return { consoleDir, sourceDir, distDir, sourceHash, bundle, ensureBuilt };
}
