// Bundles a TypeScript entry (and the workspace packages it uses) into one JavaScript file
// with esbuild, so the process runs plain JavaScript: no TypeScript loader thread, less memory
// and a faster start than loading every source file through a loader hook.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** Our sources keep their own `import.meta.url`, so files they read beside them (migrations) are found. */
const keepImportMetaUrl = {
  name: 'keep-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const source = readFileSync(args.path, 'utf8');
      return {
        contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
        loader: 'ts',
      };
    });
  },
};

/** Packages are imported by absolute path, so the bundle can live in a temp dir (read-only app dirs). */
function absoluteExternals(fromDir) {
  return {
    name: 'absolute-externals',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('@store-edge/')) return undefined;
        if (args.path.startsWith('node:')) return { path: args.path, external: true };
        const require = createRequire(join(args.resolveDir || fromDir, 'noop.js'));
        try {
          return { path: pathToFileURL(require.resolve(args.path)).href, external: true };
        } catch {
          // ESM-only packages without a "require" condition: let Node resolve them by name
          // from a file placed beside the sources.
          return { path: args.path, external: true };
        }
      });
    },
  };
}

export async function bundle(entryPath) {
  const result = await build({
    entryPoints: [entryPath],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    conditions: ['import', 'node'],
    plugins: [keepImportMetaUrl, absoluteExternals(dirname(entryPath))],
    banner: {
      js: "import { createRequire as __seCreateRequire } from 'node:module'; const require = __seCreateRequire(import.meta.url);",
    },
  });
  const code = result.outputFiles[0].text;
  const dir = join(tmpdir(), `store-edge-bundles-${process.getuid?.() ?? 'user'}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  // Content-addressed, written to a private name and renamed into place: processes starting
  // at the same moment never import a half-written bundle (rename is atomic on POSIX).
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(tmp, code);
  renameSync(tmp, file);
  return file;
}
