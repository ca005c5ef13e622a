#!/usr/bin/env node
// The `store-edge` command (CONTRACT.md "Command line"). The TypeScript sources are bundled
// into plain JavaScript at start (esbuild, well under a second), so a fresh clone needs no
// build step between `npm install` and `npm start`. STORE_EDGE_TSX=1 loads them through tsx
// instead (slower start, more memory; handy while debugging).
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
let main;
if (process.env.STORE_EDGE_TSX === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('./cli.ts'));
} else {
  const { bundle } = await import('./bundle.mjs');
  const file = await bundle(join(here, 'cli.ts'));
  ({ main } = await import(pathToFileURL(file).href));
}
await main(process.argv.slice(2));
