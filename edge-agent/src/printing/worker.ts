import {
  checkPrinterStatus,
  PrinterDeliveryUncertainError,
  type PrinterStatus,
  type PrinterTransport,
  PrinterUnreachableError,
} from '@store-edge/drivers';
import { Backoff } from '@store-edge/protocol';
import type { DeviceState } from '../devices/registry.js';
import type { Logger } from '../observability/logger.js';
import type { PrintJob, PrintJobStatus, PrintJobStore } from './store.js';

export interface WorkerDeps {
  printerId: string;
  store: PrintJobStore;
  transport: PrinterTransport;
  /** The printer's live status for the devices API and the console. */
  setStatus(status: DeviceState, opts: { error?: string | null; details?: Record<string, unknown> }): void;
  /** A job changed status (the console's `print` event). */
  onJob(job: PrintJob): void;
  log: Logger;
  /** Longest wait between checks of a printer that is not ready while jobs wait. */
  retryMaxMs: number;
  /** First wait after a failed check (doubles up to retryMaxMs). */
  retryMinMs?: number;
  /** How often an idle printer is asked for its status (the console's device list). */
  idleCheckMs?: number;
  statusTimeoutMs?: number;
  /**
   * False for a printer without a back channel (some USB/parallel links, a spool file): it
   * cannot answer `~HS`, so jobs are sent without asking and only a failed send holds them.
   */
  statusCheck?: boolean;
}

/**
 * One printer's queue runner. Before each job it asks the printer for `~HS`; a printer that
 * is off or reports a fault (paper out, head open, paused) keeps the job queued and is asked
 * again with capped exponential backoff. A job is marked `printing` on disk before any byte
 * is sent, `done` when the printer has taken it, and `uncertain` when the link failed after
 * sending may have begun: those are never sent again without a person.
 */
export class PrinterWorker {
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private sending: PrintJob | null = null;
  private lastCheckAt = 0;
  /** No jitter: one queue per printer, nobody to collide with. */
  private readonly backoff: Backoff;

  constructor(private readonly deps: WorkerDeps) {
    this.backoff = new Backoff({
      baseMs: Math.min(deps.retryMinMs ?? 250, deps.retryMaxMs),
      capMs: deps.retryMaxMs,
      jitter: 'none',
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run().catch((err: unknown) => {
      this.deps.log.error({ err, printer: this.deps.printerId }, 'print worker stopped on an error');
    });
  }

  /** A job was queued (or a person asked to retry): check the printer now, not after backoff. */
  wake(): void {
    this.backoff.reset();
    this.woken = true;
    this.wakeUp?.();
  }

  /**
   * Stops after the job being sent, if any, has been taken by the printer (up to `graceMs`);
   * past that the link is cut and the job becomes `uncertain`.
   */
  async stop(graceMs = 5000): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    const loop = this.loop;
    if (!loop) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      loop.then(() => false),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), graceMs);
      }),
    ]);
    clearTimeout(timer);
    const cut = this.sending;
    if (timedOut && cut) {
      // Cutting the link mid-job: whatever the transport reports next, the job may have printed.
      if (
        this.deps.store.transition(cut.id, 'printing', 'uncertain', {
          error: 'the agent stopped while sending',
        })
      )
        this.emit(cut.id);
    }
    await this.deps.transport.close().catch(() => {});
    if (timedOut) await loop;
    this.loop = null;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.step();
      } catch (err) {
        // A bug or a database error must not silence the printer for good.
        this.deps.log.error({ err, printer: this.deps.printerId }, 'print worker error; retrying');
        await this.sleep(this.backoff.next());
      }
    }
  }

  private async step(): Promise<void> {
    const { store, printerId } = this.deps;
    this.woken = false;
    const job = store.nextQueued(printerId);
    if (!job) {
      // Idle: keep the console's view of the printer fresh (at start, then every idleCheckMs).
      const due = this.lastCheckAt + (this.deps.idleCheckMs ?? 30_000) - Date.now();
      if (due <= 0) await this.check();
      else await this.sleep(due);
      return;
    }
    const status = await this.check();
    if (!this.running) return;
    if (!status.ready) {
      // The console hears of a new reason, not of every retry.
      if (store.noteWaiting(job.id, `printer not ready: ${status.problems.join(', ')}`)) this.emit(job.id);
      await this.sleep(this.backoff.next());
      return;
    }
    this.backoff.reset();
    await this.print(job);
  }

  /** Asks the printer for `~HS` and publishes what it says. */
  private async check(): Promise<PrinterStatus> {
    this.lastCheckAt = Date.now();
    if (this.deps.statusCheck === false) {
      return { ready: true, problems: [], hostStatus: null, checkedAt: new Date().toISOString() };
    }
    const status = await checkPrinterStatus(this.deps.transport, {
      timeoutMs: this.deps.statusTimeoutMs ?? 2000,
    });
    const details = { problems: status.problems, checkedAt: status.checkedAt };
    if (status.ready) this.deps.setStatus('online', { error: null, details });
    else
      this.deps.setStatus(status.hostStatus ? 'error' : 'offline', {
        error: status.problems.join(', '),
        details,
      });
    return status;
  }

  private async print(job: PrintJob): Promise<void> {
    const { store } = this.deps;
    const zpl = store.zplOf(job.id);
    // Durable before sending: if the agent dies from here on, the job is found `printing`
    // at start and becomes `uncertain` rather than printing twice.
    if (zpl === null || !store.transition(job.id, 'queued', 'printing', { error: null, attempt: true }))
      return;
    this.emit(job.id);
    this.sending = job;
    try {
      await this.deps.transport.send(zpl);
      this.finish(job.id, 'done', null);
      this.deps.setStatus('online', { error: null });
    } catch (err) {
      if (err instanceof PrinterUnreachableError) {
        // Nothing left this host: safe to queue again.
        this.finish(job.id, 'queued', `printer unreachable: ${err.message}`);
        this.deps.setStatus('offline', { error: err.message });
        await this.sleep(this.backoff.next());
      } else if (err instanceof PrinterDeliveryUncertainError) {
        this.finish(job.id, 'uncertain', err.message);
        this.deps.setStatus('error', { error: err.message });
      } else {
        // An error of unknown kind after `printing`: the job may have printed.
        this.finish(job.id, 'uncertain', (err as Error).message);
      }
    } finally {
      this.sending = null;
    }
  }

  private finish(id: string, to: PrintJobStatus, error: string | null): void {
    if (this.deps.store.transition(id, 'printing', to, { error })) this.emit(id);
  }

  private emit(id: string): void {
    const job = this.deps.store.get(id);
    if (job) this.deps.onJob(job);
  }

  /** Waits `ms`, or less when woken or stopped. */
  private sleep(ms: number): Promise<void> {
    if (!this.running || this.woken) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = null;
        resolve();
      }, ms);
      this.wakeUp = () => {
        this.wakeUp = null;
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
