#!/usr/bin/env node
// The `store-edge` command (CONTRACT.md "Command line"). It runs the JavaScript that
// `npm run build` wrote to dist/ (`npm install` runs the build; the container images carry only
// dist/). STORE_EDGE_TSX=1 (`npm run dev`) loads the TypeScript sources through tsx instead:
// no build needed after an edit, at the cost of a slower start and more memory.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'bin', 'cli.mjs');
let main;
if (process.env.STORE_EDGE_TSX === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('./cli.ts'));
} else {
  if (!existsSync(built)) {
    process.stderr.write(
      'store-edge: dist/ is not built. Run `npm run build` (`npm install` does it), or `npm run dev` to run the sources.\n',
    );
    process.exit(1);
  }
  warnIfStale();
  ({ main } = await import(pathToFileURL(built).href));
}
await main(process.argv.slice(2));

/**
 * In a checkout, a source edited after the last build would silently not run: say so. The
 * images carry no sources, so there this finds nothing to compare (a few stat calls).
 */
function warnIfStale() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(root, 'dist', 'build.json'), 'utf8'));
  } catch {
    return;
  }
  const changed = stamp.inputs.find((f) => {
    try {
      return statSync(join(root, f)).mtimeMs > stamp.builtAt;
    } catch {
      return false;
    }
  });
  if (changed) {
    process.stderr.write(
      `store-edge: ${changed} changed after the last build; run \`npm run build\` (or \`npm run dev\`) to run the change.\n`,
    );
  }
}
