import type { TestProject } from 'vitest/node';
import { acquireMysql } from './mysql.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Server URL without database, or '' when none could be had. */
    mysqlUrl: string;
    mysqlSkipReason: string;
  }
}

/**
 * Runs once per `vitest run`: finds a MySQL-compatible server (or starts a throw-away MariaDB)
 * and hands its URL to the test files through `inject('mysqlUrl')`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await acquireMysql();
  if ('skip' in server) {
    project.provide('mysqlUrl', '');
    project.provide('mysqlSkipReason', server.skip);
    return async () => {};
  }
  project.provide('mysqlUrl', server.url);
  project.provide('mysqlSkipReason', '');
  return () => server.stop();
}
