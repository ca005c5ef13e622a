import { join } from 'node:path';
import { openDatabase } from '../db/database.js';
import { defineFeature } from '../feature.js';
import { ScanCounts } from './counts.js';
import { validateHidScanner, validateSerialScanner } from './devices.js';
import { ScanMetrics } from './metrics.js';
import { scanRoutes } from './routes.js';
import { ScanLog } from './scan-log.js';
import { type ScannerIo, ScannerManager } from './scanners.js';
import { ScanWorkflow } from './workflow.js';

export type { ScanRecord } from './scan-log.js';
export { createScanner, type ScannerIo, ScannerManager } from './scanners.js';
export { bookingCode, ScanWorkflow } from './workflow.js';

/** The scanning feature's service (tests reach its workflow and manager through it). */
export interface Scanning {
  log: ScanLog;
  counts: ScanCounts;
  workflow: ScanWorkflow;
  manager: ScannerManager;
  /** Scans handed to the workflow and not yet answered (the component waits for them at stop). */
  inFlight: Set<Promise<unknown>>;
}

/**
 * Barcode scanners (issue 4): serial and HID scanner drivers for every configured scanner,
 * the scan workflows (lookup, receive, sale, return, count, damage), recent scans and
 * count sessions under /api/v1/scans. `io` replaces the OS side of the drivers in tests.
 */
export function scanningFeature(io: ScannerIo = {}) {
  return defineFeature({
    name: 'scanning',
    create(core) {
      const metrics = new ScanMetrics(core.metrics.registry);
      const log = new ScanLog(
        openDatabase(join(core.settings.dataDir, 'ledger.sqlite'), { migrate: false, cacheKiB: 512 }),
        core.settings.scanning.keepScans,
        (sku) => core.catalog.get(sku)?.name ?? null,
      );
      const counts = new ScanCounts(core);
      const workflow = new ScanWorkflow(core, log, counts, metrics);
      const inFlight = new Set<Promise<unknown>>();
      const manager = new ScannerManager(
        core,
        (device, scan) => {
          const p = workflow.handle(device, scan).catch((err: unknown) => {
            core.log.error({ err, deviceId: device.id }, 'scan handling failed');
          });
          inFlight.add(p);
          void p.finally(() => inFlight.delete(p));
        },
        io,
      );
      const scanning: Scanning = { log, counts, workflow, manager, inFlight };
      return {
        service: scanning,
        deviceKinds: { 'serial-scanner': validateSerialScanner, 'hid-scanner': validateHidScanner },
        routes: scanRoutes(scanning),
        start: () => manager.start(),
        stop: async () => {
          await manager.stop();
          await Promise.all([...inFlight]);
          log.close();
        },
      };
    },
  });
}
