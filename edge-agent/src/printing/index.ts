import { PrinterAddressError, parsePrinterAddress } from '@store-edge/drivers';
import { Gauge } from 'prom-client';
import type { DeviceConfig } from '../config/settings.js';
import { defineFeature } from '../feature.js';
import { PriceLabeler } from './price-labels.js';
import { printRoutes } from './routes.js';
import { PRINTER_KIND, PrintService, type PrintServiceOptions } from './service.js';

export { PrintService, type PrintServiceOptions } from './service.js';
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

/**
 * Labels and printing (issue 6): the durable print queue with a worker per `zpl-printer`,
 * label previews, test prints, and shelf labels on price changes (`price.changed`, local or
 * from the cloud feed).
 */
export function printingFeature(opts: PrintServiceOptions = {}) {
  return defineFeature({
    name: 'printing',
    needs: ['prices'],
    create(core, { prices }) {
      const service = new PrintService(core, opts);
      service.usePrices(prices, core.settings.timezone);
      const labeler = new PriceLabeler({
        service,
        settings: core.settings.labels,
        printers: () => core.devices.configs(PRINTER_KIND).map((c) => c.id),
        log: core.log.child({ part: 'printing' }),
      });
      return {
        service,
        deviceKinds: { [PRINTER_KIND]: validatePrinter },
        routes: printRoutes({ current: service }),
        start: async () => {
          service.start();
          const metric = 'store_edge_print_jobs';
          if (!core.metrics.registry.getSingleMetric(metric)) {
            const db = core.db;
            new Gauge({
              name: metric,
              help: 'Print jobs by status (uncertain ones wait for a person to confirm or reprint)',
              labelNames: ['status'] as const,
              registers: [core.metrics.registry],
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
          core.events.on('price.changed', ({ skus }) => labeler.note(skus), labeler);
        },
        stop: async () => {
          core.events.removeListeners(labeler);
          labeler.stop();
          await service.stop();
        },
      };
    },
  });
}
