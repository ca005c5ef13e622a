import { PrinterAddressError, parsePrinterAddress } from '@store-edge/drivers';
import { sameAmount } from '@store-edge/protocol';
import { Gauge } from 'prom-client';
import type { EdgeAgent } from '../agent.js';
import type { DeviceConfig } from '../config/settings.js';
import { PriceLabeler } from './price-labels.js';
import { printRoutes } from './routes.js';
import { PRINTER_KIND, PrintService, type PrintServiceOptions } from './service.js';

export { PrintService } from './service.js';
export type { PrintJob, PrintJobStatus } from './store.js';

/** Field checks of a `zpl-printer` device (CONTRACT.md "Devices"). */
export function validatePrinter(config: DeviceConfig): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  if (typeof config.address !== 'string') {
    problems.push({
      path: '/address',
      message: 'required: tcp://host:9100, serial:/dev/ttyUSB0?baudRate=9600 or file:/dev/usb/lp0',
    });
  } else {
    try {
      parsePrinterAddress(config.address);
    } catch (err) {
      if (!(err instanceof PrinterAddressError)) throw err;
      problems.push({ path: '/address', message: err.message });
    }
  }
  if (config.dpmm !== undefined && config.dpmm !== 8 && config.dpmm !== 12)
    problems.push({ path: '/dpmm', message: 'must be 8 (203 dpi) or 12 (300 dpi)' });
  const sizes = ['widthMm', 'heightMm'] as const;
  for (const k of sizes) {
    const v = config[k];
    if (v !== undefined && (typeof v !== 'number' || !(v >= 10 && v <= 300)))
      problems.push({ path: `/${k}`, message: 'must be a label size of 10-300 mm' });
  }
  if (config.statusCheck !== undefined && typeof config.statusCheck !== 'boolean')
    problems.push({ path: '/statusCheck', message: 'must be true or false' });
  const t = config.sendTimeoutMs;
  if (t !== undefined && (typeof t !== 'number' || !Number.isInteger(t) || t < 100 || t > 600_000))
    problems.push({ path: '/sendTimeoutMs', message: 'must be 100-600000 ms' });
  if ((config.widthMm === undefined) !== (config.heightMm === undefined))
    problems.push({ path: '/heightMm', message: 'give widthMm and heightMm together' });
  return problems;
}

function isPrice(v: unknown): v is { amount: string; currency: string } {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { amount?: unknown }).amount === 'string' &&
    typeof (v as { currency?: unknown }).currency === 'string'
  );
}

/**
 * Labels and printing (issue 6): the durable print queue with a worker per `zpl-printer`,
 * label previews, test prints, and shelf labels on price changes.
 */
export function registerPrinting(agent: EdgeAgent, opts: PrintServiceOptions = {}): void {
  let service: PrintService | null = null;
  let labeler: PriceLabeler | null = null;
  agent.addDeviceKind(PRINTER_KIND, validatePrinter);
  // Routes are mounted before components start; they reach the service through this getter.
  const routes = printRoutes({
    get current(): PrintService {
      if (!service) throw new Error('printing is not started');
      return service;
    },
  });
  agent.addRoutes(routes);
  const onItem = (item: Record<string, unknown>): void => {
    // Only the local items route says what the price was; the cloud feed reports its own.
    if (!('previousPrice' in item) || typeof item.sku !== 'string') return;
    const prev = item.previousPrice;
    const next = item.price;
    if (!isPrice(prev) || !isPrice(next)) return;
    if (sameAmount(prev.amount, next.amount) && prev.currency === next.currency) return;
    labeler?.note([item.sku]);
  };
  agent.addComponent({
    name: 'printing',
    start: async () => {
      const parts = agent.parts!;
      service = new PrintService(parts, opts);
      const svc = service;
      labeler = new PriceLabeler({
        service: svc,
        settings: parts.settings.labels,
        printers: () => parts.devices.configs(PRINTER_KIND).map((c) => c.id),
        log: parts.log.child({ part: 'printing' }),
      });
      const lab = labeler;
      svc.start();
      const metric = 'store_edge_print_jobs';
      if (!parts.metrics.registry.getSingleMetric(metric)) {
        const db = parts.db;
        new Gauge({
          name: metric,
          help: 'Print jobs by status (uncertain ones wait for a person to confirm or reprint)',
          labelNames: ['status'] as const,
          registers: [parts.metrics.registry],
          collect() {
            this.reset();
            const rows = db
              .prepare('SELECT status, COUNT(*) AS n FROM print_jobs GROUP BY status')
              .all() as Array<{
              status: string;
              n: number;
            }>;
            for (const r of rows) this.set({ status: r.status }, r.n);
          },
        });
      }
      parts.events.on('item', onItem);
      // Started after replication (features.ts order), so the feed exists when there is one.
      if (agent.feed) agent.feed.onPriceChange = (skus) => lab.note(skus);
    },
    stop: async () => {
      agent.parts?.events.off('item', onItem);
      labeler?.stop();
      await service?.stop();
    },
  });
}
