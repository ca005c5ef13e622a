import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../db/database.js';
import { RepairError, voidRecord } from '../replication/repair.js';
import { extractGtin } from '../scanning/codes.js';
import { Catalog } from './catalog.js';
import { GroupCommitWriter } from './group-commit.js';
import { HistoryIndexer } from './history.js';
import { Ledger } from './ledger.js';
import { Replica } from './replica.js';
import { LedgerError, type MovementInput } from './types.js';
import type { WriterReply, WriterRequest } from './worker-writer.js';

/**
 * The ledger's writer thread. SQLite writes, and the fsync each durable COMMIT waits for, run
 * here so the HTTP thread keeps parsing and validating the next requests meanwhile.
 */
if (!parentPort) throw new Error('writer-thread must run as a worker');
const port = parentPort;
const { file } = workerData as { file: string };
// The main thread opened the file first and applied the migrations.
const db = openDatabase(file, { migrate: false, cacheKiB: 8192 });
// The checkpointer thread copies the WAL back in the background, but under a steady stream of
// commits a PASSIVE checkpoint never catches up with the end of the WAL, so SQLite never starts
// it over: measured, it grew to 830 MB in 10 s of full-speed ingest, and each commit's fsync
// got slower with the file. Past 16,000 pages (64 MiB) the writer checkpoints itself after a
// commit; most frames are already copied by then, and the next commit restarts the WAL
// (https://www.sqlite.org/wal.html, "Avoiding Excessively Large WAL Files"). A lower bound
// (4,000 pages) put a checkpoint into a commit every few seconds at 2,000 movements/s and
// lifted the p99 ack latency from 8 to 12-15 ms.
db.pragma('wal_autocheckpoint = 16000');
// A refused request in a group is rolled back to its savepoint: keep that journal in memory.
db.pragma('temp_store = MEMORY');
const ledger = new Ledger(db, new Catalog(db, extractGtin));
const writer = new GroupCommitWriter(db, ledger);
const history = new HistoryIndexer(db);
/** Movements filed into the per-item history at a time (about 20-40 ms of work). */
const HISTORY_BATCH = 20_000;
function fileHistory(): void {
  try {
    history.catchUp(ledger.lastSeq, HISTORY_BATCH * 2);
  } catch {
    // Busy or full: the movements stay in the tail, which every query reads; next time.
    history.reload();
  }
}
const historyTimer = setInterval(() => {
  if (history.behind(ledger.lastSeq) > 0) fileHistory();
  fileIds();
}, 1000);
ledger.onFilingError = (err) =>
  port.postMessage({
    kind: 'alarm',
    message: `filing movement ids paused: ${String(err)}`,
  } satisfies WriterReply);
/** Files the next step of the movement ids when no group commit carried it (a quiet ledger). */
function fileIds(): void {
  if (!ledger.ids.due) return;
  try {
    db.exec('BEGIN IMMEDIATE');
    ledger.beforeCommit();
    db.exec('COMMIT');
    ledger.committed();
  } catch {
    // Busy or full: the ids stay in memory; next time.
    if (db.inTransaction) db.exec('ROLLBACK');
    ledger.rolledBack();
  }
}
const replica = new Replica(db);
// The figures only: the HTTP thread reads the movements themselves when someone wants them.
writer.onCommit = ({ from, to, byType }) =>
  port.postMessage({ kind: 'committed', from, to, byType } satisfies WriterReply);

function handle(msg: WriterRequest): void {
  if (msg.kind === 'submit') {
    submit(msg);
    return;
  }
  if (msg.kind === 'stop') {
    clearInterval(historyTimer);
    writer.stop();
    db.close();
    // The answers of the last group are posted from promise callbacks: let them go first, the
    // main thread ends this thread when it reads 'stopped'.
    setImmediate(() => port.postMessage({ kind: 'stopped' } satisfies WriterReply));
    return;
  }
  if (msg.kind === 'op') {
    // Replication operations are rare; they run between group commits, never inside one.
    writer.flush();
    try {
      let value: unknown;
      if (msg.op === 'ack') value = replica.ack(msg.args[0] as number);
      else if (msg.op === 'setError') value = replica.setError(msg.args[0] as string | null);
      else if (msg.op === 'void') {
        const [seq, reason, actor] = msg.args as [number, string, string];
        try {
          value = voidRecord(db, seq, { reason, actor, now: new Date() });
        } catch (err) {
          if (!(err instanceof RepairError)) throw err;
          value = { error: { status: err.status, message: err.message } };
        }
      } else if (msg.op === 'adopt') {
        const [fromSeq, records, applied] = msg.args as Parameters<Replica['adopt']>;
        value = replica.adopt(fromSeq, records, applied);
        ledger.reload();
        history.reload();
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
}

function submit(msg: Extract<WriterRequest, { kind: 'submit' }>): void {
  const { inputs, hashes } = JSON.parse(msg.batch) as { inputs: MovementInput[]; hashes: string[] };
  writer.submit(inputs, msg.who, hashes).then(
    (results) =>
      port.postMessage({
        kind: 'result',
        reqId: msg.reqId,
        seqs: results.map((r) => (r.status === 'created' ? r.seq : -r.seq)),
      } satisfies WriterReply),
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
}

/** Messages that are not movements wait for the group being applied to commit. */
const deferred: WriterRequest[] = [];
writer.pull = () => {
  // Stops at the first other message, so nothing overtakes it.
  while (deferred.length === 0) {
    const got = receiveMessageOnPort(port);
    if (!got) return;
    const msg = got.message as WriterRequest;
    if (msg.kind === 'submit') submit(msg);
    else deferred.push(msg);
  }
};
writer.afterFlush = () => {
  // Under load, file history between groups once enough has piled up (a sorted batch touches
  // each item's pages once); when quiet, the timer below files the rest.
  if (history.behind(ledger.lastSeq) >= HISTORY_BATCH) fileHistory();
  for (const msg of deferred.splice(0)) handle(msg);
};
port.on('message', (msg: WriterRequest) => handle(msg));
port.postMessage({ kind: 'ready', lastSeq: ledger.lastSeq } satisfies WriterReply);
