import { randomUUID } from 'node:crypto';
import {
  openPrinterTransport,
  type PrinterTransport,
  parsePrinterAddress,
  TcpPrinterTransport,
} from '@store-edge/drivers';
import { renderZpl, renderZplBatch } from '@store-edge/labels';
import type { AgentParts } from '../agent.js';
import type { DeviceConfig } from '../config/settings.js';
import type { PriceBook } from '../prices/types.js';
import { catalogLabelRequests, LabelRequestError, type RenderContext, sampleRequest } from './labels.js';
import {
  type InsertResult,
  type NewPrintJob,
  type PrintItem,
  type PrintJob,
  PrintJobStore,
} from './store.js';
import { PrinterWorker } from './worker.js';

export const PRINTER_KIND = 'zpl-printer';

export interface PrintServiceOptions {
  /** Opens a printer's link; tests may pass their own. */
  openTransport?: (address: string, opts: { sendTimeoutMs?: number }) => PrinterTransport;
  retryMinMs?: number;
  idleCheckMs?: number;
}

/**
 * The print queue: accepts jobs (rendered and checked up front), keeps one worker per
 * `zpl-printer` device, and follows device changes.
 */
export class PrintService {
  readonly store: PrintJobStore;
  private readonly workers = new Map<string, { worker: PrinterWorker; link: string }>();
  private started = false;
  private priceBook: { book: PriceBook; timeZone: string } | null = null;

  constructor(
    private readonly parts: AgentParts,
    private readonly opts: PrintServiceOptions = {},
  ) {
    this.store = new PrintJobStore(parts.db, parts.clock);
  }

  start(): void {
    for (const job of this.store.markInterrupted()) {
      this.parts.log.warn({ job: job.id, printer: job.printerId }, 'print job interrupted: marked uncertain');
      this.emit(job);
    }
    this.started = true;
    for (const config of this.parts.devices.configs(PRINTER_KIND)) this.follow(config.id, config);
    this.parts.events.on('device.changed', ({ id, config }) => this.follow(id, config), this);
  }

  async stop(): Promise<void> {
    this.started = false;
    this.parts.events.removeListeners(this);
    const all = [...this.workers.values()];
    this.workers.clear();
    await Promise.all(all.map((w) => w.worker.stop()));
  }

  get catalog(): AgentParts['catalog'] {
    return this.parts.catalog;
  }

  /** Shelf labels follow the prices feature's price in force (set when the feature is built). */
  usePrices(book: PriceBook, timeZone: string): void {
    this.priceBook = { book, timeZone };
  }

  /** Prices in force at `at` (default now) for labels, when the prices feature runs. */
  pricesAt(at?: Date): RenderContext['prices'] {
    const p = this.priceBook;
    if (!p) return undefined;
    const when = at ?? this.parts.clock();
    return { at: (sku) => p.book.at(sku, when), timeZone: p.timeZone };
  }

  get labelSettings(): AgentParts['settings']['labels'] {
    return this.parts.settings.labels;
  }

  printer(id: string): DeviceConfig | undefined {
    return this.parts.devices.configs(PRINTER_KIND).find((c) => c.id === id);
  }

  /** Queues labels of catalog items; throws LabelRequestError (422) on any bad item. */
  submitItems(req: {
    id?: string;
    printerId: string;
    template: string;
    items: PrintItem[];
    source: NewPrintJob['source'];
    actor: string | null;
  }): InsertResult {
    const id = req.id ?? randomUUID();
    // A replay of an accepted id answers from the queue even if the catalog changed since.
    const prev = this.store.get(id);
    if (prev) return this.store.insert({ ...req, id, zpl: '', labels: 0 });
    const printer = this.requirePrinter(req.printerId);
    const labelReqs = catalogLabelRequests(
      { catalog: this.parts.catalog, labels: this.parts.settings.labels, printer, prices: this.pricesAt() },
      req.template,
      req.items,
    );
    const zpl = renderZplBatch(labelReqs);
    const labels = req.items.reduce((n, i) => n + i.copies, 0);
    return this.enqueue({ ...req, id, zpl, labels });
  }

  /** Queues the sample shelf label on a printer (the console's "test print"). */
  submitTestPrint(printerId: string, actor: string | null): InsertResult {
    const printer = this.requirePrinter(printerId);
    const zpl = renderZpl(sampleRequest(this.parts.settings.labels, printer));
    return this.enqueue({
      id: randomUUID(),
      printerId,
      template: 'shelf',
      items: [],
      zpl,
      labels: 1,
      source: 'test-print',
      actor,
    });
  }

  /** A new job with exactly the labels of an earlier one (after an uncertain or failed print). */
  reprint(of: PrintJob, actor: string | null, id?: string): InsertResult {
    const zpl = this.store.zplOf(of.id) ?? '';
    const result = this.enqueue({
      id: id ?? randomUUID(),
      printerId: of.printerId,
      template: of.template,
      items: of.items,
      zpl,
      labels: of.labels,
      source: 'reprint',
      actor,
      reprintOf: of.id,
    });
    // Choosing to reprint an uncertain job settles it: a person saw it did not print.
    if (
      result.kind === 'created' &&
      this.store.transition(of.id, 'uncertain', 'failed', {
        error: `did not print (a person reprinted it as job ${result.job.id})`,
      })
    )
      this.emit(this.store.get(of.id));
    return result;
  }

  /** A person saw the labels of an uncertain job come out. */
  confirm(id: string): boolean {
    const ok = this.store.transition(id, 'uncertain', 'done', { error: null });
    if (ok) this.emit(this.store.get(id));
    return ok;
  }

  /** Jobs another part committed to the queue itself (the before-opening batch): tell and wake. */
  announce(jobs: PrintJob[]): void {
    for (const job of jobs) {
      this.emit(job);
      this.workers.get(job.printerId)?.worker.wake();
    }
  }

  /** The `zpl-printer` devices configured now. */
  printers(): DeviceConfig[] {
    return this.parts.devices.configs(PRINTER_KIND);
  }

  private enqueue(job: NewPrintJob): InsertResult {
    const result = this.store.insert(job);
    if (result.kind === 'created') {
      this.emit(result.job);
      this.workers.get(job.printerId)?.worker.wake();
    }
    return result;
  }

  private requirePrinter(printerId: string): DeviceConfig {
    const printer = this.printer(printerId);
    if (!printer)
      throw new LabelRequestError([
        { path: '/printerId', message: `no ${PRINTER_KIND} device '${printerId}' (see GET /api/v1/devices)` },
      ]);
    return printer;
  }

  private emit(job: PrintJob | null): void {
    if (!job) return;
    this.parts.events.emit('print', {
      id: job.id,
      status: job.status,
      printerId: job.printerId,
      template: job.template,
      labels: job.labels,
      source: job.source,
      error: job.error,
      at: job.updatedAt,
    });
  }

  /** Starts, restarts (new address) or stops a printer's worker as its device entry changes. */
  private follow(id: string, config: DeviceConfig | null): void {
    if (!this.started) return;
    const current = this.workers.get(id);
    const address =
      config?.kind === PRINTER_KIND && typeof config.address === 'string' ? config.address : null;
    const statusCheck = config?.statusCheck !== false;
    // The worker is only replaced when how to reach the printer changed (size and dpmm apply
    // to jobs as they are queued).
    const sendTimeoutMs = typeof config?.sendTimeoutMs === 'number' ? config.sendTimeoutMs : undefined;
    const link = `${address}|${statusCheck}|${sendTimeoutMs}`;
    if (current && current.link === link) return;
    if (current) {
      this.workers.delete(id);
      void current.worker.stop();
    }
    if (!address) return;
    let transport: PrinterTransport;
    try {
      transport = (this.opts.openTransport ?? openTransport)(address, { sendTimeoutMs });
    } catch (err) {
      this.parts.devices.setStatus(id, 'error', { error: (err as Error).message });
      return;
    }
    const worker = new PrinterWorker({
      printerId: id,
      store: this.store,
      transport,
      setStatus: (status, o) => this.parts.devices.setStatus(id, status, o),
      onJob: (job) => this.emit(job),
      log: this.parts.log.child({ part: 'printing', printer: id }),
      retryMaxMs: this.parts.settings.labels.retryMaxMs,
      retryMinMs: this.opts.retryMinMs,
      idleCheckMs: this.opts.idleCheckMs,
      statusCheck,
    });
    this.workers.set(id, { worker, link });
    worker.start();
  }
}

/** The drivers' transport for an address, with the device's send timeout on TCP. */
function openTransport(address: string, opts: { sendTimeoutMs?: number }): PrinterTransport {
  const parsed = parsePrinterAddress(address);
  if (parsed.kind === 'tcp' && opts.sendTimeoutMs !== undefined)
    return new TcpPrinterTransport({
      host: parsed.host,
      port: parsed.port,
      sendTimeoutMs: opts.sendTimeoutMs,
    });
  return openPrinterTransport(address);
}
