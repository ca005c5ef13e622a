import { EventEmitter } from 'node:events';
import type { Movement } from './ledger/types.js';

/** What happens in the agent, for the console (SSE), MQTT publishers and metrics. */
export interface AgentEvents {
  movements: [Movement[]];
  /** Movements up to this seq are durable (what the replication shipper waits for). */
  committed: [number];
  scan: [Record<string, unknown>];
  device: [{ id: string; status: 'online' | 'offline' | 'error'; lastError?: string | null; at: string }];
  replication: [Record<string, unknown>];
  tags: [Record<string, unknown>];
  print: [Record<string, unknown>];
  item: [Record<string, unknown>];
}

export class EventBus extends EventEmitter<AgentEvents> {
  constructor() {
    super();
    // One SSE client is one listener per event; a store has a handful of consoles open.
    this.setMaxListeners(200);
  }
}
