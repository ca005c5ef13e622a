import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/**
 * Folds the WAL into the database file off the writer's path. A PASSIVE checkpoint never
 * blocks writers (https://www.sqlite.org/c3ref/wal_checkpoint_v2.html), so commits keep their
 * latency while the WAL is copied back and fsynced here.
 */
const { file, intervalMs } = workerData as { file: string; intervalMs: number };
const db = new Database(file);
db.pragma('busy_timeout = 1000');
db.pragma('synchronous = FULL');
db.pragma('cache_size = -512');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy: next time
  }
}, intervalMs);
parentPort?.on('message', (msg: string) => {
  if (msg === 'stop') {
    clearInterval(timer);
    db.close();
    parentPort?.postMessage('stopped');
  }
});
