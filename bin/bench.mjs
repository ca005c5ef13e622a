#!/usr/bin/env node
// `npm run bench -- <name>` runs bench/<name>.ts. Each benchmark prints one JSON line per
// figure: {"name", "value", "unit", "limit", "ratio"} (limit/ratio where a raw limit applies).
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench');
const available = readdirSync(benchDir)
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3));
const name = process.argv[2];
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${available.join('|')}> [options]\n`);
  process.exit(2);
}
register();
await import(join(benchDir, `${name}.ts`));
