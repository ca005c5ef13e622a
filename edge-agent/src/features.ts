import { consoleFeature } from './console/index.js';
import type { AnyFeatureDefinition } from './feature.js';
import { pricesFeature } from './prices/index.js';
import { type PrintServiceOptions, printingFeature } from './printing/index.js';
import { openingLabelsFeature } from './printing/opening/index.js';
import { replicationFeature } from './replication/index.js';
import { rfidFeature } from './rfid/index.js';
import { type ScannerIo, scanningFeature } from './scanning/index.js';

export interface FeatureOptions {
  /** Replaces the OS side of the scanner drivers (tests). */
  scannerIo?: ScannerIo;
  print?: PrintServiceOptions;
}

/**
 * The agent's features, in the one place that lists them. Each lives in its own folder, is
 * built with the core (and the services it declares it needs) once the ledger is open, and
 * reacts to the others only through the event bus; the agent starts them in this order (a
 * feature after those it needs) and stops them in reverse.
 */
export function edgeFeatures(opts: FeatureOptions = {}): AnyFeatureDefinition[] {
  return [
    scanningFeature(opts.scannerIo),
    rfidFeature,
    pricesFeature,
    replicationFeature,
    printingFeature(opts.print),
    openingLabelsFeature,
    consoleFeature,
  ];
}
