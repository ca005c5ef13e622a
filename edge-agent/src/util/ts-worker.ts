import { Worker } from 'node:worker_threads';

const bootstrap = new URL('./ts-worker.mjs', import.meta.url);

/** Runs a worker thread from a TypeScript entry (through tsx, as the agent's own sources run). */
export function tsWorker(entry: URL, data: Record<string, unknown>): Worker {
  return new Worker(bootstrap, { workerData: { ...data, entry: entry.href } });
}
