import type { ReplicaWriter, RestoreState } from '../ledger/replica.js';
import type { Logger } from '../observability/logger.js';
import type { CloudClient } from './cloud-client.js';

/** Movements per page pulled from the cloud (its maximum): one page in memory at a time. */
export const RESTORE_PAGE = 1000;
const PROGRESS_EVERY_MS = 5000;

/** How far a restore from the cloud has come (GET /api/v1/replication, logs). */
export interface RestoreProgress {
  done: number;
  total: number;
  ratePerSecond: number;
  etaSeconds: number | null;
}

/**
 * Pulls the cloud's history of this store back into the ledger, a page at a time, each page in
 * its own transaction (replica.ts): memory holds one page whatever the store's size, and a crash
 * or restart continues after the last page written (restore_state), never writing one twice.
 * New movements are refused meanwhile (they would take seqs the cloud's history fills).
 */
export async function restoreFromCloud(
  writer: ReplicaWriter,
  cloud: Pick<CloudClient, 'movements'>,
  opts: {
    /** The cloud's records after this seq are pulled (the acknowledged seq) when no restore is under way. */
    fromSeq: number;
    log: Logger;
    onProgress?: (p: RestoreProgress | null) => void;
    now?: () => number;
  },
): Promise<{ lastSeq: number; pulled: number; renumbered: number }> {
  const now = opts.now ?? (() => performance.now());
  const under = writer.restoring;
  let page = await cloud.movements(under ? under.afterSeq : opts.fromSeq, RESTORE_PAGE);
  let st: RestoreState = under ?? (await writer.beginRestore(opts.fromSeq, page.appliedSeq));
  if (under)
    opts.log.warn(
      { afterSeq: under.afterSeq, targetSeq: under.targetSeq },
      'continuing the restore from the cloud where it stopped',
    );
  const started = { at: now(), afterSeq: st.afterSeq };
  let lastLog = started.at;
  const progress = (): RestoreProgress => {
    const secs = (now() - started.at) / 1000;
    const rate = secs > 0 ? (st.afterSeq - started.afterSeq) / secs : 0;
    const left = Math.max(0, st.targetSeq - st.afterSeq);
    return {
      done: st.afterSeq - st.fromSeq,
      total: st.targetSeq - st.fromSeq,
      ratePerSecond: Math.round(rate),
      etaSeconds: rate > 0 ? Math.round(left / rate) : null,
    };
  };
  opts.onProgress?.(progress());
  for (;;) {
    if (page.movements.length > 0) st = await writer.restorePage(page.movements, page.appliedSeq);
    const p = progress();
    opts.onProgress?.(p);
    if (now() - lastLog >= PROGRESS_EVERY_MS) {
      lastLog = now();
      opts.log.info(p, `restore from the cloud: ${p.done}/${p.total} movements`);
    }
    if (page.movements.length === 0 || st.afterSeq >= page.appliedSeq) break;
    page = await cloud.movements(st.afterSeq, RESTORE_PAGE);
  }
  const r = await writer.finishRestore();
  opts.onProgress?.(null);
  opts.log.warn(
    { pulled: r.pulled, renumbered: r.renumbered, lastSeq: r.lastSeq },
    'ledger restored from the cloud: its movements pulled back, local ones the cloud lacked continue after them',
  );
  return r;
}
