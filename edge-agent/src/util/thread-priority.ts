import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Gives the calling thread a nice value (Linux schedules each thread on its own; elsewhere this
 * does nothing). The ledger's writer and checkpointer threads run a little behind the thread that
 * answers HTTP: their work is batched and loses nothing by waiting a few milliseconds, while a
 * scanner's or the console's request waits for the answering thread. Measured with
 * bench/ingest.ts (docs/operations.md "Ingest"). Raising one's own nice value needs no privilege.
 * Returns the value set, or null where it could not be.
 */
export function niceThisThread(nice: number): number | null {
  if (process.platform !== 'linux') return null;
  try {
    // /proc/thread-self links to /proc/<pid>/task/<tid> of the thread that reads it.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return null;
    setPriority(tid, nice);
    return nice;
  } catch {
    return null;
  }
}
