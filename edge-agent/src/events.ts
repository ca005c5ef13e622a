import type { DeviceConfig } from './config/settings.js';
import type { Movement } from './ledger/types.js';

/**
 * What happens in the agent, by event name and payload, for the console (SSE), MQTT publishers,
 * metrics and the features that react to each other. The names the console sees (movements,
 * scan, device, replication, tags, print) are part of the API (CONTRACT.md "GET /events").
 */
export interface EdgeEvents {
  /** Movements of one commit, read back after the commit (only while someone listens). */
  movements: Movement[];
  /** Movements up to this seq are durable (what the replication shipper waits for). */
  committed: number;
  scan: Record<string, unknown>;
  /** A device's live status changed (online, offline, error). */
  device: { id: string; status: 'online' | 'offline' | 'error'; lastError?: string | null; at: string };
  /** A device was added, changed (config) or removed (config null): its driver follows. */
  'device.changed': { id: string; config: DeviceConfig | null };
  replication: Record<string, unknown>;
  tags: Record<string, unknown>;
  print: Record<string, unknown>;
  /** A catalog item was saved (locally or from the cloud feed). */
  item: Record<string, unknown>;
  /**
   * Prices of these skus changed: locally (a saved item whose price differs from the one before)
   * or from the cloud's change feed, or a scheduled price or promotion took effect (`schedule`,
   * prices/clock.ts). Every interested feature sees every change.
   */
  'price.changed': { skus: string[]; source: 'local' | 'cloud' | 'schedule' };
}

/** Who holds a subscription: a feature, a component, one open event stream. */
export type Owner = object;

type Listener<P> = (payload: P) => void;

interface Subscription {
  owner: Owner;
  listener: Listener<never>;
}

/**
 * A typed event bus whose subscriptions are keyed by their owner, as zigbee2mqtt's
 * `lib/eventBus.ts`: `on(event, listener, owner)` and, when the owner stops,
 * `removeListeners(owner)` removes all it subscribed to, so nothing it left behind is called
 * after it stopped. Listeners run synchronously in the order they subscribed; a listener that
 * throws throws out of `emit` (as EventEmitter does).
 */
export class EventBus<E extends object = EdgeEvents> {
  private readonly byEvent = new Map<keyof E, Subscription[]>();
  private readonly byOwner = new Map<Owner, Set<keyof E>>();

  on<K extends keyof E>(event: K, listener: Listener<E[K]>, owner: Owner): void {
    const subs = this.byEvent.get(event);
    const sub: Subscription = { owner, listener: listener as Listener<never> };
    // Copy on write: an emit in progress goes on with the list it started with.
    this.byEvent.set(event, subs ? [...subs, sub] : [sub]);
    const events = this.byOwner.get(owner);
    if (events) events.add(event);
    else this.byOwner.set(owner, new Set([event]));
  }

  emit<K extends keyof E>(event: K, payload: E[K]): void {
    const subs = this.byEvent.get(event);
    if (!subs) return;
    for (const s of subs) (s.listener as Listener<E[K]>)(payload);
  }

  /** Removes every subscription of `owner` (its stop()). */
  removeListeners(owner: Owner): void {
    const events = this.byOwner.get(owner);
    if (!events) return;
    this.byOwner.delete(owner);
    for (const event of events) {
      const left = (this.byEvent.get(event) ?? []).filter((s) => s.owner !== owner);
      if (left.length > 0) this.byEvent.set(event, left);
      else this.byEvent.delete(event);
    }
  }

  listenerCount(event: keyof E): number {
    return this.byEvent.get(event)?.length ?? 0;
  }

  /** How many owners hold subscriptions (tests: nothing is left behind after a stop). */
  get owners(): number {
    return this.byOwner.size;
  }
}
