import type { Settings } from '../config/settings.js';
import type { Logger } from '../observability/logger.js';
import { LabelRequestError } from './labels.js';
import type { PrintService } from './service.js';
import { PRINTER_KIND } from './service.js';

/**
 * Collects skus whose price changed and, after `debounceMs` without another change (at most
 * 10 × debounceMs after the first), queues one shelf-label job for all of them: a price
 * import of 300 items is one job, not 300. Until the job is queued the skus live in memory
 * only; a crash in that second loses the batch (the prices themselves are committed).
 */
export class PriceLabeler {
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private firstAt = 0;

  constructor(
    private readonly deps: {
      service: PrintService;
      settings: Settings['labels'];
      printers: () => string[];
      log: Logger;
      now?: () => number;
    },
  ) {}

  get enabled(): boolean {
    return this.deps.settings.onPriceChange;
  }

  note(skus: Iterable<string>): void {
    if (!this.enabled) return;
    const now = (this.deps.now ?? Date.now)();
    if (this.pending.size === 0) this.firstAt = now;
    for (const sku of skus) this.pending.add(sku);
    if (this.pending.size === 0) return;
    const { debounceMs } = this.deps.settings;
    const wait = Math.max(0, Math.min(debounceMs, this.firstAt + debounceMs * 10 - now));
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Queues what is pending now (also called on stop, so a graceful shutdown keeps the batch). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size === 0) return;
    const skus = [...this.pending].sort();
    this.pending.clear();
    const printerId = this.printerId();
    if (!printerId) {
      this.deps.log.warn(
        { skus: skus.length },
        `price changed but no label printer: set labels.printerId to a ${PRINTER_KIND} device`,
      );
      return;
    }
    const template = this.deps.settings.template;
    // An item that cannot be labelled (no price, a bad GTIN) must not hold back the others.
    let items = skus.map((sku) => ({ sku, copies: 1 }));
    for (let attempt = 0; attempt < 2 && items.length > 0; attempt++) {
      try {
        const r = this.deps.service.submitItems({
          printerId,
          template,
          items,
          source: 'price-change',
          actor: null,
        });
        this.deps.log.info({ job: r.job.id, labels: r.job.labels }, 'shelf labels queued for price changes');
        return;
      } catch (err) {
        if (!(err instanceof LabelRequestError)) throw err;
        const bad = new Set(
          err.problems
            .map((p) => /^\/items\/(\d+)/.exec(p.path)?.[1])
            .filter((i): i is string => i !== undefined)
            .map(Number),
        );
        this.deps.log.warn({ problems: err.problems }, 'some price-change labels cannot be printed');
        if (bad.size === 0) return;
        items = items.filter((_, i) => !bad.has(i));
      }
    }
  }

  stop(): void {
    this.flush();
  }

  private printerId(): string | null {
    const configured = this.deps.settings.printerId;
    if (configured) return configured;
    const printers = this.deps.printers();
    return printers.length === 1 ? (printers[0] as string) : null;
  }
}
