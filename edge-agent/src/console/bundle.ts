import { fileURLToPath } from 'node:url';
import { consoleBuild } from '../../../consoles/bundle.js';

/**
 * The store console's build: consoles/bundle.ts (shared with the head-office console) on
 * edge-agent/console, its sources in `src/` and its built files by default in `dist/`
 * (git-ignored).
 */
export const storeConsole = consoleBuild(fileURLToPath(new URL('../../console/', import.meta.url)));

/**
 * Makes sure built console files exist and match the sources; answers the directory to serve.
 * Builds into `edge-agent/console/dist` (a fresh clone after `npm install`, or after the sources
 * changed). Where that cannot be written (the container image's read-only install), it builds
 * into `fallbackDir` (`<dataDir>/console`). With no sources shipped, a prebuilt `dist` is served.
 */
export const ensureConsoleBuilt = storeConsole.ensureBuilt;
