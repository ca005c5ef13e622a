import type { AgentCore, ReplicationService } from './context.js';
import type { DeviceValidator } from './devices/routes.js';
import type { RoutePlugin } from './http/server.js';
import type { PriceBook } from './prices/types.js';
import type { OpeningLabelsService } from './printing/opening/index.js';
import type { PrintService } from './printing/service.js';
import type { RfidService } from './rfid/index.js';
import type { Scanning } from './scanning/index.js';

/** The services features offer, by the name of the feature that offers them. */
export interface EdgeServices {
  scanning: Scanning;
  rfid: RfidService;
  replication: ReplicationService;
  printing: PrintService;
  /** Prices over time: the price in force at any instant (prices/). */
  prices: PriceBook;
  /** Labels ready before opening (printing/opening/). */
  'opening-labels': OpeningLabelsService;
  console: undefined;
}

export type FeatureName = keyof EdgeServices;

/**
 * A running part of the agent (scanners, RFID, replication, printing, the console), built once
 * the core is open with everything it needs, so it never reaches into the agent or into another
 * feature afterwards. `start()` runs after the HTTP API listens; `stop()` undoes it, its bus
 * subscriptions included.
 */
export interface Feature<S = unknown> {
  /** What it offers the features that declare they need it, and the HTTP routes. */
  service: S;
  /** Device kinds it drives, with the check of their fields (PUT /devices/{id}). */
  deviceKinds?: Readonly<Record<string, DeviceValidator>>;
  /** Routes under `/api/v1`, authenticated. */
  routes?: RoutePlugin;
  /** Routes outside `/api/v1` and without authentication (the console's static files). */
  rootRoutes?: RoutePlugin;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

/**
 * How a feature is built: its name, the features whose services it needs (built and started
 * before it, stopped after it), and `create`, which gets the core and exactly those services.
 * `create` returns null when the feature is off (replication without a cloud).
 */
export interface FeatureDefinition<K extends FeatureName = FeatureName, N extends FeatureName = never> {
  name: K;
  needs?: readonly N[];
  create(core: AgentCore, services: Pick<EdgeServices, N>): Feature<EdgeServices[K]> | null;
}

/** Declares a feature, with its `needs` checked against what `create` reads. */
export function defineFeature<K extends FeatureName, N extends FeatureName = never>(
  definition: FeatureDefinition<K, N>,
): FeatureDefinition<K, N> {
  return definition;
}

/** Any feature's definition, whatever it needs (`create` is a method, so its parameter is bivariant). */
export type AnyFeatureDefinition = FeatureDefinition<FeatureName, FeatureName>;

/**
 * The order to build and start features in: each after the features it needs, otherwise as
 * listed. Throws on a feature listed twice, a need nobody offers, or a cycle.
 */
export function startOrder(definitions: readonly AnyFeatureDefinition[]): AnyFeatureDefinition[] {
  const byName = new Map<string, AnyFeatureDefinition>();
  for (const d of definitions) {
    if (byName.has(d.name)) throw new Error(`feature '${d.name}' is listed twice`);
    byName.set(d.name, d);
  }
  const ordered: AnyFeatureDefinition[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (d: AnyFeatureDefinition, path: string[]): void => {
    const s = state.get(d.name);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`features need each other: ${[...path, d.name].join(' → ')}`);
    state.set(d.name, 'visiting');
    for (const n of (d.needs ?? []) as string[]) {
      const dep = byName.get(n);
      if (!dep) throw new Error(`feature '${d.name}' needs '${n}', which is not registered`);
      visit(dep, [...path, d.name]);
    }
    state.set(d.name, 'done');
    ordered.push(d);
  };
  for (const d of definitions) visit(d, []);
  return ordered;
}
