import { buildAll, isStale } from '../../scripts/build.js';

/**
 * Runs once per `vitest run`, before any test: tests that start `store-edge` as a process
 * (testing/src/agent-process.ts, the cloud's, test/e2e) run the built JavaScript in dist/, as
 * `npm start` and the images do, so dist/ is rebuilt here when a source changed since.
 */
export default async function setup(): Promise<void> {
  if (isStale()) await buildAll((line) => process.stdout.write(`${line}\n`));
}
