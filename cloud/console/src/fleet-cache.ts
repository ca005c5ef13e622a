import type { FleetStore } from './api.js';

/**
 * The last fleet list, shared by the pages that need a store's name or data age (store page,
 * stock across stores), so moving between them does not fetch 1,000 stores again each time.
 */
class FleetCache {
  #stores: FleetStore[] | null = null;
  #at = 0;
  #inflight: Promise<FleetStore[]> | null = null;

  /** Fetches now (the fleet page, every 30 s) and keeps the answer. */
  async refresh(load: () => Promise<FleetStore[]>): Promise<FleetStore[]> {
    this.#inflight ??= load().finally(() => {
      this.#inflight = null;
    });
    const stores = await this.#inflight;
    this.#stores = stores;
    this.#at = Date.now();
    return stores;
  }

  /** The kept list when younger than `maxAgeMs`, else a fresh one. */
  async get(load: () => Promise<FleetStore[]>, maxAgeMs = 30_000): Promise<FleetStore[]> {
    if (this.#stores && Date.now() - this.#at < maxAgeMs) return this.#stores;
    return this.refresh(load);
  }
}

export const fleetCache = new FleetCache();
