import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Plugin } from 'esbuild';

/**
 * Packages are imported from their absolute paths, so the bundle can live in a temp dir (the
 * app's own folders may be read-only in a container) and still find node_modules.
 */
function absoluteExternals(fromDir: string): Plugin {
  const require = createRequire(join(fromDir, 'noop.js'));
  return {
    name: 'absolute-externals',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('@store-edge/')) return undefined;
        if (args.path.startsWith('node:')) return { path: args.path, external: true };
        try {
          const resolved = createRequire(join(args.resolveDir || fromDir, 'noop.js')).resolve(args.path);
          return { path: pathToFileURL(resolved).href, external: true };
        } catch {
          return { path: pathToFileURL(require.resolve(args.path)).href, external: true };
        }
      });
    },
  };
}

/**
 * Starts a worker thread from a TypeScript entry. In the built agent (`npm start`, the images)
 * the entry was bundled by `npm run build` (scripts/build.ts) into a `.mjs` file beside where
 * the `.ts` would be, and that plain JavaScript is started. Running from the sources (tests,
 * `npm run dev`), the entry is bundled here with esbuild (tens of ms), so the thread does not
 * load a TypeScript loader of its own: that saves ~50 MB of memory per thread on a store node.
 */
export async function tsWorker(
  entry: URL,
  data: Record<string, unknown>,
  /** V8 heap limits of the thread: a store node is small, and each thread's young generation counts. */
  resourceLimits: { maxYoungGenerationSizeMb?: number; maxOldGenerationSizeMb?: number } = {
    maxYoungGenerationSizeMb: 8,
  },
): Promise<Worker> {
  const entryPath = fileURLToPath(entry);
  const built = entryPath.replace(/\.ts$/, '.mjs');
  if (existsSync(built)) return new Worker(built, { workerData: data, resourceLimits });
  // A development tool: loaded only when running from the sources.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [entryPath],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    plugins: [absoluteExternals(dirname(entryPath))],
  });
  const code = result.outputFiles[0]?.text ?? '';
  const dir = join(tmpdir(), `store-edge-workers-${process.getuid?.() ?? 'user'}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  // Written under a private name, then renamed into place: two agents starting at once never
  // load a half-written bundle.
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(tmp, code);
  renameSync(tmp, file);
  return new Worker(file, { workerData: data, resourceLimits });
}
