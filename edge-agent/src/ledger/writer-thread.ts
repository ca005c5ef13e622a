import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../db/database.js';
import { extractGtin } from '../scanning/codes.js';
import { Catalog } from './catalog.js';
import { GroupCommitWriter } from './group-commit.js';
import { Ledger } from './ledger.js';
import { Replica } from './replica.js';
import { LedgerError } from './types.js';
import type { WriterReply, WriterRequest } from './worker-writer.js';

/**
 * The ledger's writer thread. SQLite writes, and the fsync each durable COMMIT waits for, run
 * here so the HTTP thread keeps parsing and validating the next requests meanwhile.
 */
const port = parentPort;
if (!port) throw new Error('writer-thread must run as a worker');
const { file } = workerData as { file: string };
// The main thread opened the file first and applied the migrations.
const db = openDatabase(file, { migrate: false, cacheKiB: 8192 });
// Checkpoints run in the checkpointer thread: a COMMIT here never waits for one.
db.pragma('wal_autocheckpoint = 0');
const ledger = new Ledger(db, new Catalog(db, extractGtin));
const writer = new GroupCommitWriter(db, ledger);
const replica = new Replica(db);
writer.onCommit = (created) => port.postMessage({ kind: 'committed', created } satisfies WriterReply);

port.on('message', (msg: WriterRequest) => {
  if (msg.kind === 'stop') {
    writer.stop();
    db.close();
    port.postMessage({ kind: 'stopped' } satisfies WriterReply);
    return;
  }
  if (msg.kind === 'op') {
    // Replication operations are rare; they run between group commits, never inside one.
    writer.flush();
    try {
      let value: unknown;
      if (msg.op === 'ack') value = replica.ack(msg.args[0] as number);
      else if (msg.op === 'setError') value = replica.setError(msg.args[0] as string | null);
      else if (msg.op === 'adopt') {
        const [fromSeq, records, applied] = msg.args as Parameters<Replica['adopt']>;
        value = replica.adopt(fromSeq, records, applied);
        ledger.reloadSeq();
      }
      port.postMessage({ kind: 'op-result', reqId: msg.reqId, value } satisfies WriterReply);
    } catch (err) {
      port.postMessage({
        kind: 'op-result',
        reqId: msg.reqId,
        error: err instanceof Error ? err.message : String(err),
      } satisfies WriterReply);
    }
    return;
  }
  writer.submit(msg.inputs, msg.who).then(
    (results) => port.postMessage({ kind: 'result', reqId: msg.reqId, results } satisfies WriterReply),
    (err: unknown) => {
      const error =
        err instanceof LedgerError
          ? {
              ledger: true as const,
              status: err.status,
              title: err.title,
              message: err.message,
              path: err.path,
              extra: err.extra,
            }
          : { ledger: false as const, message: err instanceof Error ? err.message : String(err) };
      port.postMessage({ kind: 'result', reqId: msg.reqId, error } satisfies WriterReply);
    },
  );
});
port.postMessage({ kind: 'ready', lastSeq: ledger.lastSeq } satisfies WriterReply);
