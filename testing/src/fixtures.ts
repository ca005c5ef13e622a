import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Real device payloads and standard test vectors. `testing/fixtures/` is a copy of the
 * project's shared fixtures (each entry names its source), kept in the repo so a fresh clone
 * runs its tests without the steering folder beside it.
 */
export const fixturesDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export function loadFixture(name: string): unknown {
  return JSON.parse(readFileSync(join(fixturesDir, name), 'utf8'));
}
