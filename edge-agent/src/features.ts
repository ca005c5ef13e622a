import type { EdgeAgent } from './agent.js';
import { registerConsole } from './console/index.js';
import { registerPrinting } from './printing/index.js';
import { registerReplication } from './replication/index.js';
import { registerRfid } from './rfid/index.js';
import { registerScanning } from './scanning/index.js';

/**
 * Wires the agent's parts (device drivers, RFID, printing, replication, console) into the
 * agent before it starts. Each part lives in its own folder and registers its routes and
 * components through `agent.addRoutes()` / `agent.addComponent()` / `agent.addDeviceKind()`.
 */
export async function registerFeatures(agent: EdgeAgent): Promise<void> {
  registerScanning(agent);
  registerRfid(agent);
  registerReplication(agent);
  registerPrinting(agent);
  registerConsole(agent);
}
