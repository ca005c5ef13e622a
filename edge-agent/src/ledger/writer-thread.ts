import { parentPort, workerData } from 'node:worker_threads';
import { extractGtin } from '@store-edge/drivers';
import { openDatabase } from '../db/database.js';
import { SqlitePriceBook } from '../prices/book.js';
import { SalePrices } from '../prices/sales.js';
import { RepairError, voidRecord } from '../replication/repair.js';
import { niceThisThread } from '../util/thread-priority.js';
import { Catalog } from './catalog.js';
import { GroupCommitWriter } from './group-commit.js';
import { Ledger } from './ledger.js';
import { Replica, restoreRefusal } from './replica.js';
import { LedgerError, type MovementInput } from './types.js';
import type { WriterReply, WriterRequest } from './worker-writer.js';

/**
 * The ledger's writer thread. SQLite writes, and the fsync each durable COMMIT waits for, run
 * here so the HTTP thread keeps answering meanwhile: measured with bench/ingest.ts, group commit
 * on the HTTP thread held its event loop for 188 ms at the p99 at full speed (each COMMIT's
 * fsync of ~400 movements' pages blocks the thread it runs on); here it stays in single-digit
 * milliseconds (docs/operations.md).
 */
/** The writer's nice value: CFS gives a nice-0 thread about 3 times its share of a busy core. */
const WRITER_NICE = 5;

if (!parentPort) throw new Error('writer-thread must run as a worker');
const port = parentPort;
const { file } = workerData as { file: string };
// Behind the HTTP thread when the CPU is short (util/thread-priority.ts says why).
niceThisThread(WRITER_NICE);
// The main thread opened the file first and applied the migrations.
const db = openDatabase(file, { migrate: false, cacheKiB: 8192 });
// The checkpointer thread copies the WAL back in the background, but under a steady stream of
// commits a PASSIVE checkpoint never catches up with the end of the WAL, so SQLite never starts
// it over: measured, it grew to 830 MB in 10 s of full-speed ingest, and each commit's fsync
// got slower with the file. Past 16,000 pages (64 MiB) the writer checkpoints itself after a
// commit; most frames are already copied by then, and the next commit restarts the WAL
// (https://www.sqlite.org/wal.html, "Avoiding Excessively Large WAL Files").
db.pragma('wal_autocheckpoint = 16000');
// A refused request in a group is rolled back to its savepoint: keep that journal in memory.
db.pragma('temp_store = MEMORY');
const ledger = new Ledger(db, new Catalog(db, extractGtin));
// Off the HTTP thread a group may be large: one fsync costs about the same for 400 movements as
// for 2,000, and nobody waits on this thread but the requests of the group.
const writer = new GroupCommitWriter(db, ledger, 2000);
const replica = new Replica(db);
// A restore from the cloud that a crash or restart interrupted: no new movements until it is done.
const unfinished = replica.restoreState();
if (unfinished) writer.refuseWith(restoreRefusal(unfinished));
// The price in force of each sale and return, recorded in the group's own transaction
// (prices/sales.ts says why here). A failure to price never refuses the movements: the group
// commits without the prices, the error is logged, and the next commit tries them again.
const salePrices = new SalePrices(db, new SqlitePriceBook(db));
salePrices.open();
let pricingErrors = 0;
let catchUp = false;
writer.hook = salePrices.groupHook((err) => {
  // The first and then every hundredth: the same fault fails every commit until it is fixed.
  if (pricingErrors++ % 100 === 0)
    port.postMessage({
      kind: 'log',
      level: 'error',
      message: `recording sale prices failed (${pricingErrors} times); retried at the next commit`,
      error: err instanceof Error ? err.message : String(err),
    } satisfies WriterReply);
}, scheduleCatchUp);

/** A backlog (movements restored from the cloud) is priced slice by slice between groups. */
function scheduleCatchUp(): void {
  if (catchUp) return;
  catchUp = true;
  setImmediate(() => {
    catchUp = false;
    try {
      if (writer.call(() => db.transaction(() => salePrices.record())())) scheduleCatchUp();
    } catch {
      salePrices.reload();
    }
  });
}

// The figures only: the HTTP thread reads the movements themselves when someone wants them.
writer.onCommit = ({ from, to, byType }) =>
  port.postMessage({ kind: 'committed', from, to, byType } satisfies WriterReply);

/** Runs a replication operation between group commits, in its own transaction. */
function op(msg: Extract<WriterRequest, { kind: 'op' }>): unknown {
  return writer.call(() => {
    switch (msg.op) {
      case 'ack':
        return replica.ack(msg.args[0] as number);
      case 'setError':
        return replica.setError(msg.args[0] as string | null);
      case 'void': {
        // docs/operations.md "A record the cloud refuses": the operator withdraws one record.
        const [seq, reason, actor] = msg.args as [number, string, string];
        try {
          return voidRecord(db, seq, { reason, actor, now: new Date() });
        } catch (err) {
          if (!(err instanceof RepairError)) throw err;
          return { error: { code: err.code, message: err.message } };
        }
      }
      case 'restoreBegin': {
        const st = replica.beginRestore(msg.args[0] as number, msg.args[1] as number);
        writer.refuseWith(restoreRefusal(st));
        return st;
      }
      case 'restorePage': {
        const [records, target] = msg.args as Parameters<Replica['restorePage']>;
        const st = replica.restorePage(records, target);
        ledger.reloadSeq();
        scheduleCatchUp();
        writer.refuseWith(restoreRefusal(st));
        return st;
      }
      case 'restoreFinish': {
        const r = replica.finishRestore();
        ledger.reloadSeq();
        writer.refuseWith(null);
        return r;
      }
    }
  });
}

port.on('message', (msg: WriterRequest) => {
  if (msg.kind === 'submit') {
    submit(msg);
    return;
  }
  if (msg.kind === 'stop') {
    writer.stop();
    db.close();
    // The answers of the last group are posted from promise callbacks: let them go first, the
    // main thread ends this thread when it reads 'stopped'.
    setImmediate(() => port.postMessage({ kind: 'stopped' } satisfies WriterReply));
    return;
  }
  try {
    port.postMessage({ kind: 'op-result', reqId: msg.reqId, value: op(msg) } satisfies WriterReply);
  } catch (err) {
    port.postMessage({
      kind: 'op-result',
      reqId: msg.reqId,
      error: err instanceof Error ? err.message : String(err),
    } satisfies WriterReply);
  }
});

function submit(msg: Extract<WriterRequest, { kind: 'submit' }>): void {
  const inputs = JSON.parse(msg.batch) as MovementInput[];
  writer.submit(inputs, msg.who).then(
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
              code: err.code,
              message: err.message,
              path: err.path,
              extra: err.extra,
            }
          : { ledger: false as const, message: err instanceof Error ? err.message : String(err) };
      port.postMessage({ kind: 'result', reqId: msg.reqId, error } satisfies WriterReply);
    },
  );
}

port.postMessage({ kind: 'ready', lastSeq: ledger.lastSeq } satisfies WriterReply);
