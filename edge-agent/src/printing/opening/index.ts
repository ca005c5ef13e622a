import { Type } from 'typebox';
import type { AgentCore } from '../../context.js';
import { defineFeature } from '../../feature.js';
import { allow, STAFF } from '../../http/auth.js';
import { problems, SECURED } from '../../http/schemas.js';
import type { App } from '../../http/server.js';
import type { PriceBook } from '../../prices/types.js';
import type { PrintService } from '../service.js';
import { type OpeningBatchStatus, OpeningLabels, type PrepareResult } from './batch.js';
import { LabelReporter } from './reporter.js';

export type { OpeningBatchStatus } from './batch.js';

/** How often the schedule is looked at besides the timer for the prepare time (clock changes, a late start). */
const CHECK_MS = 60_000;

/** What the feature offers: the console's "labels for tomorrow" and a way for tests to run it now. */
export interface OpeningLabelsService {
  status(): OpeningBatchStatus;
  /** Prepares the next opening's batch if due (what the timer does). */
  tick(): PrepareResult;
}

/**
 * The component: the prepare-time timer, printed batches noticed from the print queue's
 * events, and the reports to the cloud. start()/stop() own every timer and subscription.
 */
export class OpeningLabelsComponent implements OpeningLabelsService {
  readonly batches: OpeningLabels;
  private readonly reporter: LabelReporter | null;
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly core: AgentCore,
    print: PrintService,
    prices: PriceBook,
  ) {
    const log = core.log.child({ part: 'opening-labels' });
    const labels = core.settings.labels;
    this.batches = new OpeningLabels({
      db: core.db,
      clock: core.clock,
      log,
      prices,
      catalog: core.catalog,
      store: print.store,
      printers: () => {
        const all = print.printers();
        return labels.printerId ? all.filter((p) => p.id === labels.printerId) : all;
      },
      settings: labels,
      timeZone: core.settings.timezone,
      queued: (jobs) => print.announce(jobs),
    });
    const { cloud } = core.settings;
    this.reporter =
      cloud.url && cloud.token
        ? new LabelReporter({
            batches: this.batches,
            cloud: { url: cloud.url, token: cloud.token },
            storeId: core.settings.storeId,
            log,
            retryMaxMs: core.settings.replication.maxBackoffMs,
          })
        : null;
  }

  start(): void {
    this.running = true;
    this.core.events.on(
      'print',
      (e) => {
        if (typeof e.id === 'string' && e.id.startsWith('opening-labels:') && e.status === 'done')
          this.checkPrinted();
      },
      this,
    );
    this.checkPrinted();
    this.reporter?.start();
    this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.core.events.removeListeners(this);
    await this.reporter?.stop();
  }

  status(): OpeningBatchStatus {
    return this.batches.status();
  }

  tick(): PrepareResult {
    const r = this.batches.prepareIfDue();
    this.checkPrinted();
    return r;
  }

  private checkPrinted(): void {
    if (this.batches.notePrinted().length > 0) this.reporter?.wake();
  }

  private loop(): void {
    if (!this.running) return;
    let wait = CHECK_MS;
    try {
      const r = this.tick();
      if (r.kind === 'not-due')
        wait = Math.min(CHECK_MS, Math.max(0, r.schedule.prepareAt.getTime() - this.core.clock().getTime()));
    } catch (err) {
      // A database or price-book error must not end the schedule: log, try again soon.
      this.core.log.error({ err }, 'preparing the labels for the opening failed');
    }
    this.timer = setTimeout(() => this.loop(), wait + 10);
    this.timer.unref();
  }
}

/** GET /labels/opening: the console's "labels for tomorrow: N queued, M printed". */
export function openingRoutes(holder: { readonly current: OpeningLabelsService }) {
  return async (app: App): Promise<void> => {
    app.get(
      '/labels/opening',
      {
        preHandler: allow(...STAFF),
        schema: {
          summary: 'The shelf labels for the next opening: queued, printed, per printer',
          response: {
            200: Type.Object(
              {
                openingDate: Type.String(),
                openingAt: Type.String(),
                prepareAt: Type.String(),
                prepared: Type.Boolean(),
                preparedAt: Type.Union([Type.String(), Type.Null()]),
                items: Type.Integer(),
                queued: Type.Integer(),
                printed: Type.Integer(),
                printedAt: Type.Union([Type.String(), Type.Null()]),
                reportedAt: Type.Union([Type.String(), Type.Null()]),
                jobs: Type.Array(
                  Type.Object({
                    id: Type.String(),
                    printerId: Type.String(),
                    labels: Type.Integer(),
                    status: Type.String(),
                  }),
                ),
              },
              { additionalProperties: false },
            ),
            ...problems(...SECURED),
          },
        },
      },
      async () => holder.current.status(),
    );
  };
}

/**
 * Labels ready before opening (issue 19): the before-opening batch on the print queue, read
 * from the prices feature's PriceBook, and its printed reports to the cloud.
 */
export const openingLabelsFeature = defineFeature({
  name: 'opening-labels',
  needs: ['printing', 'prices'],
  create(core, { printing, prices }) {
    const component = new OpeningLabelsComponent(core, printing, prices);
    return {
      service: component,
      routes: openingRoutes({ current: component }),
      start: async () => component.start(),
      stop: () => component.stop(),
    };
  },
});
