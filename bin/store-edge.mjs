#!/usr/bin/env node
// The `store-edge` command (CONTRACT.md "Command line"). Sources are TypeScript run through
// tsx, so a fresh clone needs no build step between `npm install` and `npm start`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli.ts');
await main(process.argv.slice(2));
