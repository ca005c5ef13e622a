// `npm run build` (also run by `npm install` / `npm ci` through the root "prepare" script):
// bundles the TypeScript into plain JavaScript under dist/, so `npm start` and the container
// images run JavaScript and never load esbuild or tsx.
//
// dist/ mirrors the tree for what the processes read at run time:
//   dist/bin/cli.mjs                           the `store-edge` command (bin/store-edge.mjs loads it)
//   dist/edge-agent/src/ledger/<thread>.mjs    worker threads (util/ts-worker.ts starts these)
//   dist/edge-agent/src/db/migrations/         SQL files read beside their TypeScript module
//   dist/cloud/migrations/
//   dist/edge-agent/console/dist/              the console, prebuilt (no console sources shipped)
//   dist/cloud/console/dist/                   the head-office console, prebuilt
//   dist/build.json                            what went in: the inputs, to tell when dist is stale
// Each source keeps its place in the tree: `import.meta.url` in a bundled file is rewritten to
// the file's would-be place under dist/, so `new URL('./migrations', import.meta.url)` and
// `new URL('./writer-thread.ts', import.meta.url)` find the copied assets and built threads.
//
//   npm run build              build now
//   npm run build -- --if-stale   build only when a source changed since the last build
import {
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';
import { hqConsole } from '../cloud/src/console/bundle.js';
import { SHARED_DIR as CONSOLES_SHARED_DIR, writeBundle } from '../consoles/bundle.js';
import { storeConsole } from '../edge-agent/src/console/bundle.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, 'build.json');

/** Directories copied verbatim: files the code reads beside itself (repo-relative). */
const ASSET_DIRS = ['edge-agent/src/db/migrations', 'cloud/migrations'];
const CLI_ENTRY = 'bin/cli.ts';
/** `new URL('./x.ts', import.meta.url)`: a TypeScript file started on its own (a worker thread). */
const SEPARATE_ENTRY = /new URL\(\s*'(\.{1,2}\/[^']+\.ts)'\s*,\s*import\.meta\.url\s*\)/g;

interface Stamp {
  builtAt: number;
  inputs: string[];
}

const toPosix = (p: string) => p.split(sep).join('/');

/** The place a source file would have under `out` (dist/ or the directory built to replace it). */
const placeIn = (out: string, absSource: string) => join(out, relative(ROOT, absSource));

/**
 * Rewrites `import.meta.url` in our sources to the URL of the file's mirrored place under dist/,
 * computed from the output file's own URL at run time (so dist/ can live anywhere, e.g. /app).
 * Also collects the separate entries (worker threads) the sources start.
 */
function mirrorImportMetaUrl(out: string, outFile: string, separate: Set<string>): Plugin {
  return {
    name: 'mirror-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\.tsx?$/ }, (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const source = readFileSync(args.path, 'utf8');
        for (const m of source.matchAll(SEPARATE_ENTRY))
          separate.add(resolve(dirname(args.path), m[1] ?? ''));
        const rel = toPosix(relative(dirname(outFile), placeIn(out, args.path)));
        return {
          contents: source.replaceAll(
            'import.meta.url',
            `new URL(${JSON.stringify(rel)}, import.meta.url).href`,
          ),
          loader: args.path.endsWith('x') ? 'tsx' : 'ts',
        };
      });
    },
  };
}

/**
 * Packages stay outside the bundle (node_modules is installed beside dist/). Our workspaces are
 * bundled. A package a workspace has in its own node_modules (another version than the root's,
 * e.g. edge-agent's @fastify/static) is imported by its path relative to the output file: the
 * image installs it at the same place, and `out` sits at the same depth as dist/.
 */
function externalPackages(outFile: string): Plugin {
  return {
    name: 'external-packages',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('@store-edge/')) return undefined;
        if (args.path.startsWith('node:')) return { path: args.path, external: true };
        const parts = args.path.split('/');
        const name = (args.path.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
        const own = packageDir(args.resolveDir, name);
        if (own === null || own === packageDir(dirname(outFile), name))
          return { path: args.path, external: true };
        const file = createRequire(join(args.resolveDir, 'noop.js')).resolve(args.path);
        const rel = toPosix(relative(dirname(outFile), file));
        return { path: rel.startsWith('.') ? rel : `./${rel}`, external: true };
      });
    },
  };
}

/** The node_modules directory Node would load `name` from, starting at `dir`. */
function packageDir(dir: string, name: string): string | null {
  for (let d = dir; ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(d) === d) return null;
  }
}

async function bundleEntry(out: string, entry: string, separate: Set<string>): Promise<Metafile> {
  const outFile = placeIn(out, entry).replace(/\.ts$/, '.mjs');
  const result = await build({
    entryPoints: [entry],
    // Each sub-command's code in its own chunk, beside the entry (same directory, so the
    // rewritten import.meta.url holds for every chunk): `store-edge edge` never loads the
    // cloud's packages, and `cloud` never loads the edge's.
    outdir: dirname(outFile),
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    splitting: true,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['import', 'node'],
    logLevel: 'warning',
    metafile: true,
    legalComments: 'none',
    plugins: [mirrorImportMetaUrl(out, outFile, separate), externalPackages(outFile)],
    // CommonJS helpers esbuild emits for `require` in our sources need a real require.
    banner: {
      js: "import { createRequire as __seCreateRequire } from 'node:module'; const require = __seCreateRequire(import.meta.url);",
    },
  });
  return result.metafile;
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Every file the build read, repo-relative: `--if-stale` checks them for changes. */
function inputsOf(metafiles: Metafile[], extra: string[]): string[] {
  const all = new Set<string>(extra);
  for (const m of metafiles) {
    for (const input of Object.keys(m.inputs)) {
      if (!input.includes('node_modules/')) all.add(toPosix(relative(ROOT, resolve(process.cwd(), input))));
    }
  }
  return [...all].sort();
}

/** True when dist/ is missing, or a file it was built from changed (or vanished) since. */
export function isStale(): boolean {
  let stamp: Stamp;
  try {
    stamp = JSON.parse(readFileSync(STAMP, 'utf8')) as Stamp;
  } catch {
    return true;
  }
  for (const input of stamp.inputs) {
    try {
      if (statSync(join(ROOT, input)).mtimeMs > stamp.builtAt) return true;
    } catch {
      return true;
    }
  }
  return false;
}

/**
 * Builds into a fresh sibling of dist/ and swaps it in, so a process starting meanwhile (tests
 * in parallel) loads the old build or the new one, never half of one.
 */
export async function buildAll(log: (line: string) => void = () => {}): Promise<void> {
  const startedAt = Date.now();
  const t0 = performance.now();
  const out = join(ROOT, `.dist-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  try {
    const separate = new Set<string>();
    const metafiles = [await bundleEntry(out, join(ROOT, CLI_ENTRY), separate)];
    const done = new Set<string>();
    while (done.size < separate.size) {
      for (const entry of [...separate]) {
        if (done.has(entry)) continue;
        done.add(entry);
        metafiles.push(await bundleEntry(out, entry, separate));
      }
    }
    const assets: string[] = [];
    for (const dir of ASSET_DIRS) {
      cpSync(join(ROOT, dir), join(out, dir), { recursive: true });
      assets.push(...listFiles(join(ROOT, dir)).map((f) => toPosix(relative(ROOT, f))));
    }
    for (const c of [storeConsole, hqConsole]) {
      const hash = await c.sourceHash();
      if (hash === null) throw new Error(`no console sources in ${c.sourceDir}`);
      await writeBundle(placeIn(out, c.distDir), await c.bundle(hash), hash);
    }
    const stamp: Stamp = {
      builtAt: startedAt,
      inputs: inputsOf(metafiles, [
        ...assets,
        ...[storeConsole.sourceDir, hqConsole.sourceDir, CONSOLES_SHARED_DIR].flatMap((d) =>
          listFiles(d).map((f) => toPosix(relative(ROOT, f))),
        ),
        'edge-agent/src/console/bundle.ts',
        'cloud/src/console/bundle.ts',
        'consoles/bundle.ts',
        'scripts/build.ts',
        'package-lock.json',
      ]),
    };
    writeFileSync(join(out, 'build.json'), `${JSON.stringify(stamp, null, 1)}\n`);
    const old = `${out}.old`;
    if (existsSync(DIST)) renameSync(DIST, old);
    renameSync(out, DIST);
    rmSync(old, { recursive: true, force: true });
    const entries = [CLI_ENTRY, ...[...separate].map((f) => toPosix(relative(ROOT, f)))];
    log(
      `build: ${entries.join(', ')}, ${ASSET_DIRS.join(', ')} and the consoles -> dist/ in ${Math.round(performance.now() - t0)} ms`,
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--if-stale') && !isStale()) process.stdout.write('build: dist/ is up to date\n');
  else await buildAll((line) => process.stdout.write(`${line}\n`));
}
