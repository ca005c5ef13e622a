// A store's fleet status (online, offline, unknown) from when it was last heard from, on the fleet's clock.

export type StoreStatus = 'online' | 'offline' | 'unknown';

/** How the fleet reads time: the injected clock and the window after which a silent store is offline. */
export interface FleetClock {
  now: () => Date;
  /** A store not heard from for longer than this is offline. */
  offlineAfterSeconds: number;
}

export function statusAt(lastSeenAt: Date | null, clock: FleetClock): StoreStatus {
  if (lastSeenAt === null) return 'unknown';
  return clock.now().getTime() - lastSeenAt.getTime() <= clock.offlineAfterSeconds * 1000
    ? 'online'
    : 'offline';
}
