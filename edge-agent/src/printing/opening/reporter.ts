import { Backoff } from '@store-edge/protocol';
import type { Logger } from '../../observability/logger.js';
import type { OpeningLabels } from './batch.js';

/** Price-change ids per request: the cloud route's bound. */
export const REPORT_CHUNK = 500;

export interface ReporterDeps {
  batches: OpeningLabels;
  cloud: { url: string; token: string };
  storeId: string;
  log: Logger;
  /** Longest wait between attempts while the cloud cannot take the report. */
  retryMaxMs?: number;
}

/**
 * Tells head office which price changes' labels this store has printed:
 * `POST /v1/stores/{storeId}/label-reports {priceChangeIds, printedAt}` with the store's token.
 * The report lives in the batch row until the cloud answers 2xx (durable across restarts),
 * and the cloud applies it idempotently, so sending it again after a lost answer is harmless.
 */
export class LabelReporter {
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private readonly backoff: Backoff;

  constructor(private readonly deps: ReporterDeps) {
    this.backoff = new Backoff({ baseMs: 500, capMs: deps.retryMaxMs ?? 300_000, jitter: 'full' });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    this.loop = null;
  }

  /** A batch finished printing: send now. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.woken = false;
      let failed = false;
      for (const r of this.deps.batches.unreported()) {
        if (!this.running) return;
        try {
          await this.send(r.priceChangeIds, r.printedAt);
          this.deps.batches.markReported(r.openingDate);
          this.backoff.reset();
          this.deps.log.info(
            { openingDate: r.openingDate, priceChanges: r.priceChangeIds.length },
            'label report acknowledged by the cloud',
          );
        } catch (err) {
          failed = true;
          this.deps.batches.noteReportFailure(r.openingDate, (err as Error).message);
          this.deps.log.warn({ err, openingDate: r.openingDate }, 'label report not delivered; retrying');
          break;
        }
      }
      // Idle: wait to be woken (a printed batch), with a slow re-check as a safety net.
      await this.sleep(failed ? this.backoff.next() : 60_000);
    }
  }

  private async send(priceChangeIds: string[], printedAt: string): Promise<void> {
    const base = this.deps.cloud.url.replace(/\/+$/, '');
    const url = `${base}/v1/stores/${encodeURIComponent(this.deps.storeId)}/label-reports`;
    // No head-office price change among the day's moments (only promotions): nothing to report.
    const chunks: string[][] = [];
    for (let i = 0; i < priceChangeIds.length; i += REPORT_CHUNK)
      chunks.push(priceChangeIds.slice(i, i + REPORT_CHUNK));
    if (chunks.length === 0) return;
    for (const ids of chunks) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.deps.cloud.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ priceChangeIds: ids, printedAt }),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text().catch(() => '');
      if (!res.ok) throw new Error(`HTTP ${res.status} ${text.slice(0, 300)}`);
    }
  }

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
