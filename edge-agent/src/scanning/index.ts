import { join } from 'node:path';
import type { EdgeAgent } from '../agent.js';
import { openDatabase } from '../db/database.js';
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

/** The scanning part once the agent has started (tests reach in through `scanning.current`). */
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
export function registerScanning(agent: EdgeAgent, io: ScannerIo = {}): { current: Scanning | null } {
  const handle: { current: Scanning | null } = { current: null };
  const ensure = (): Scanning => {
    if (handle.current) return handle.current;
    const parts = agent.parts;
    if (!parts) throw new Error('agent not started');
    const metrics = new ScanMetrics(parts.metrics.registry);
    const log = new ScanLog(
      openDatabase(join(parts.settings.dataDir, 'ledger.sqlite'), { migrate: false, cacheKiB: 512 }),
      parts.settings.scanning.keepScans,
      (sku) => parts.catalog.get(sku)?.name ?? null,
    );
    const counts = new ScanCounts(parts);
    const workflow = new ScanWorkflow(parts, log, counts, metrics);
    const inFlight = new Set<Promise<unknown>>();
    const manager = new ScannerManager(
      parts,
      (device, scan) => {
        const p = workflow.handle(device, scan).catch((err: unknown) => {
          parts.log.error({ err, deviceId: device.id }, 'scan handling failed');
        });
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      },
      io,
    );
    handle.current = { log, counts, workflow, manager, inFlight };
    return handle.current;
  };

  agent.addDeviceKind('serial-scanner', validateSerialScanner);
  agent.addDeviceKind('hid-scanner', validateHidScanner);
  // Routes are mounted once the database is open and before components start.
  agent.addRoutes(async (app, ctx) => {
    await scanRoutes(ensure())(app, ctx);
  });
  agent.addComponent({
    name: 'scanning',
    start: async () => {
      await ensure().manager.start();
    },
    stop: async () => {
      const s = handle.current;
      if (!s) return;
      await s.manager.stop();
      await Promise.all([...s.inFlight]);
      s.log.close();
    },
  });
  return handle;
}
