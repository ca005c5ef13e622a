import type { Worker } from 'node:worker_threads';
import type { StoredMovement } from '@store-edge/protocol';
import type { Db } from '../db/database.js';
import type { ErrorCode } from '../errors.js';
import { tsWorker } from '../util/ts-worker.js';
import type { Committed, MovementWriter } from './group-commit.js';
import type { Ledger } from './ledger.js';
import { type ReplicaWriter, type RestoreState, restoreStateOf } from './replica.js';
import { type Actor, LedgerError, type Movement, type MovementInput, type MovementResult } from './types.js';

export type ReplicaOp = 'ack' | 'setError' | 'void' | 'restoreBegin' | 'restorePage' | 'restoreFinish';

export type WriterRequest =
  /** `batch`: the movements as JSON text, which crosses threads cheaper than a hundred small objects. */
  | { kind: 'submit'; reqId: number; batch: string; who: Actor }
  | { kind: 'op'; reqId: number; op: ReplicaOp; args: unknown[] }
  | { kind: 'stop' };

export type WriterReply =
  | { kind: 'ready'; lastSeq: number }
  /** The seq of each movement: positive when created, negative when a duplicate. */
  | { kind: 'result'; reqId: number; seqs: number[] }
  | {
      kind: 'result';
      reqId: number;
      error:
        | {
            ledger: true;
            code: ErrorCode;
            message: string;
            path?: string;
            extra?: Record<string, unknown>;
          }
        | { ledger: false; message: string };
    }
  /** Movements `from`..`to` were committed (the HTTP thread reads them from the ledger). */
  | { kind: 'committed'; from: number; to: number; byType: Record<string, number> }
  | { kind: 'op-result'; reqId: number; value?: unknown; error?: string }
  /** Something the writer thread wants logged. */
  | { kind: 'log'; level: 'warn' | 'error'; message: string; error?: string }
  | { kind: 'stopped' };

/**
 * The ledger writer in its own thread (writer-thread.ts says why); answers each request after
 * its commit is durable, and runs replication's operations between group commits.
 */
export class WorkerLedgerWriter implements MovementWriter, ReplicaWriter {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { ids: string[]; resolve: (r: MovementResult[]) => void; reject: (e: unknown) => void }
  >();
  private stopped: Promise<void> | null = null;
  private readonly pendingOps = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void }
  >();
  onCommit: (commit: Committed) => void = () => {};
  /** The writer thread's log lines. */
  onLog: (level: 'warn' | 'error', message: string, data: { error?: string }) => void = () => {};

  /**
   * `db`: a connection of this thread, to read the restore's state; `read(from, to)`: the
   * committed movements with those seqs; `ledger`: this thread's reading Ledger, told of the
   * seqs the writer thread commits.
   */
  constructor(
    private readonly file: string,
    private readonly db: Db,
    private readonly ledger: Ledger,
    private readonly read: (from: number, to: number) => Movement[],
  ) {}

  async start(): Promise<void> {
    const worker = await tsWorker(new URL('./writer-thread.ts', import.meta.url), { file: this.file });
    this.worker = worker;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      worker.once('error', onError);
      worker.on('message', (msg: WriterReply) => {
        switch (msg.kind) {
          case 'ready':
            worker.off('error', onError);
            resolve();
            break;
          case 'committed': {
            const { from, to, byType } = msg;
            this.ledger.noteCommitted(to);
            let movements: Movement[] | null = null;
            this.onCommit({ from, to, byType, movements: () => (movements ??= this.read(from, to)) });
            break;
          }
          case 'log':
            this.onLog(msg.level, msg.message, { error: msg.error });
            break;
          case 'op-result': {
            const p = this.pendingOps.get(msg.reqId);
            this.pendingOps.delete(msg.reqId);
            if (msg.error !== undefined) p?.reject(new Error(msg.error));
            else p?.resolve(msg.value);
            break;
          }
          case 'result': {
            const p = this.pending.get(msg.reqId);
            this.pending.delete(msg.reqId);
            if (!p) break;
            if ('seqs' in msg)
              p.resolve(
                msg.seqs.map((s, i) => ({
                  id: p.ids[i] as string,
                  seq: Math.abs(s),
                  status: s > 0 ? 'created' : 'duplicate',
                })),
              );
            else if (msg.error.ledger) {
              const e = msg.error;
              p.reject(new LedgerError(e.code, e.message, e.path, e.extra));
            } else p.reject(new Error(msg.error.message));
            break;
          }
          default:
            break;
        }
      });
    });
    worker.on('error', (err) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  submit(inputs: MovementInput[], who: Actor): Promise<MovementResult[]> {
    const worker = this.worker;
    if (!worker || this.stopped) return Promise.reject(new Error('the ledger is shutting down'));
    const reqId = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(reqId, { ids: inputs.map((m) => m.id), resolve, reject });
      const batch = JSON.stringify(inputs);
      worker.postMessage({ kind: 'submit', reqId, batch, who } satisfies WriterRequest);
    });
  }

  /** Runs a replication operation in the writer thread, between group commits, in its own transaction. */
  call<T>(op: ReplicaOp, ...args: unknown[]): Promise<T> {
    const worker = this.worker;
    if (!worker || this.stopped) return Promise.reject(new Error('the ledger is shutting down'));
    const reqId = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pendingOps.set(reqId, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ kind: 'op', reqId, op, args } satisfies WriterRequest);
    });
  }

  get restoring(): RestoreState | null {
    return restoreStateOf(this.db);
  }

  beginRestore(fromSeq: number, targetSeq: number): Promise<RestoreState> {
    return this.call('restoreBegin', fromSeq, targetSeq);
  }

  async restorePage(records: readonly StoredMovement[], targetSeq: number): Promise<RestoreState> {
    const st = await this.call<RestoreState>('restorePage', records, targetSeq);
    this.ledger.reloadSeq();
    return st;
  }

  async finishRestore(): Promise<{ lastSeq: number; pulled: number; renumbered: number }> {
    const r = await this.call<{ lastSeq: number; pulled: number; renumbered: number }>('restoreFinish');
    this.ledger.reloadSeq();
    return r;
  }

  stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return Promise.resolve();
    this.stopped ??= new Promise<void>((resolve) => {
      worker.on('message', (msg: WriterReply) => {
        if (msg.kind === 'stopped') void worker.terminate().then(() => resolve());
      });
      worker.once('exit', () => resolve());
      worker.postMessage({ kind: 'stop' } satisfies WriterRequest);
    });
    return this.stopped;
  }
}
