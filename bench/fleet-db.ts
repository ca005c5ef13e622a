// The database a fleet bench runs against: a throw-away database on one server, or on a fresh Galera cluster.
import { galeraMissing, startGaleraCluster } from '../testing/src/galera.js';
import { createTestDatabase, DEFAULT_MYSQL_URL } from '../testing/src/index.js';

export interface Database {
  url: string;
  kind: string;
  nodes?: number;
  stop(): Promise<void>;
}

/** The database under test: a throw-away database on one server, or on a fresh Galera cluster. */
export async function openDatabase(choice: string): Promise<Database> {
  if (choice === 'galera') {
    const missing = galeraMissing();
    if (missing) throw new Error(`--db galera: ${missing}`);
    const cluster = await startGaleraCluster();
    const db = await createTestDatabase(cluster.proxyUrl, 'se_fleet');
    return {
      url: db.url,
      kind: 'galera-3-nodes-haproxy',
      nodes: cluster.nodes.length,
      stop: async () => {
        await db.drop().catch(() => {});
        await cluster.stop();
      },
    };
  }
  const server = choice === 'single' ? (process.env.STORE_EDGE_TEST_MYSQL_URL ?? DEFAULT_MYSQL_URL) : choice;
  const db = await createTestDatabase(server, 'se_fleet');
  return { url: db.url, kind: 'single-server', nodes: 1, stop: () => db.drop() };
}
