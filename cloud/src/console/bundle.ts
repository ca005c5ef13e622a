import { fileURLToPath } from 'node:url';
import { consoleBuild } from '../../../consoles/bundle.js';

/**
 * The head-office console's build: consoles/bundle.ts (shared with the store console; neutral
 * code outside both workspaces, so the cloud never imports the edge agent's code) on
 * cloud/console.
 */
export const hqConsole = consoleBuild(fileURLToPath(new URL('../../console/', import.meta.url)));

/**
 * The directory to serve. From a checkout (sources present) it builds into `cloud/console/dist`
 * when that is missing or from other sources, or into `fallbackDir` where that cannot be
 * written. The built cloud (dist/, the image) has no sources and serves the prebuilt files.
 */
export function ensureHqConsoleBuilt(opts: { fallbackDir: string }): Promise<string | null> {
  return hqConsole.ensureBuilt({ fallbackDir: opts.fallbackDir });
}
