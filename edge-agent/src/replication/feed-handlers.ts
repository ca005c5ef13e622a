import type { Change, ChangeKind } from '@store-edge/protocol';

type DataOf<K extends ChangeKind> = Extract<Change, { kind: K }>['data'];

/**
 * Appliers of change-feed kinds that features own (deliveries, scheduled prices), registered in
 * `create()`. The feed calls them inside the SQLite transaction that also advances its cursor, so
 * an applier must only write to the database (no IO, no events: emit after, from `applied`): a
 * crash either keeps the change and the cursor or neither, and the change arrives again.
 * Applying one change twice must be harmless (each carries the full state of what it names).
 */
export class FeedHandlers {
  private readonly appliers = new Map<ChangeKind, (data: unknown, cursor: number) => void>();
  private readonly listeners = new Set<(changes: readonly Change[]) => void>();

  on<K extends ChangeKind>(kind: K, apply: (data: DataOf<K>, cursor: number) => void): void {
    if (this.appliers.has(kind)) throw new Error(`change kind '${kind}' already has an applier`);
    this.appliers.set(kind, apply as (data: unknown, cursor: number) => void);
  }

  /** After a batch of changes committed (for events and live pages). Returns the unsubscribe. */
  applied(listener: (changes: readonly Change[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  has(kind: ChangeKind): boolean {
    return this.appliers.has(kind);
  }

  /** Inside the feed's transaction. */
  apply(change: Change): void {
    this.appliers.get(change.kind)?.(change.data, change.cursor);
  }

  /** After the commit. */
  notify(changes: readonly Change[]): void {
    for (const l of this.listeners) l(changes);
  }
}
