import type { EdgeAgent } from './agent.js';

/**
 * Wires the agent's optional parts (device drivers, RFID, printing, replication, console)
 * into the agent before it starts. Each part registers its routes and components here.
 */
export async function registerFeatures(_agent: EdgeAgent): Promise<void> {}
