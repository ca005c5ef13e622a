// The store's agent lease: one edge agent installation replicates a store at a time (409 otherwise).
import { AGENT_LEASE_SECONDS, PROBLEM_CODES } from '@store-edge/protocol';
import { type Pool, withTransaction } from '../db.js';
import { HttpProblem } from '../problem.js';

function anotherAgent(storeId: string, other: string, silentSeconds: number): HttpProblem {
  return new HttpProblem(
    409,
    'Conflict',
    `store '${storeId}' is being replicated by another edge agent installation (${other}, heard from ${silentSeconds} s ago); ` +
      'two agents must not share one store credential. Stop the other agent, or give this one its own store.',
    { code: PROBLEM_CODES.anotherAgent },
  );
}

/**
 * Refuses (409) when another installation holds the store's lease: it was heard from less than
 * AGENT_LEASE_SECONDS ago (`holder` is the store row's agent_instance and seconds since agent_seen_at).
 */
export function checkLease(
  storeId: string,
  agentInstance: string,
  holder: { agent_instance: string | null; silent_s: number | null },
): void {
  const other = holder.agent_instance;
  if (
    other &&
    other !== agentInstance &&
    holder.silent_s !== null &&
    Number(holder.silent_s) < AGENT_LEASE_SECONDS
  ) {
    throw anotherAgent(storeId, other, Number(holder.silent_s));
  }
}

/** Takes (or renews) the store's agent lease for this installation, or refuses with 409. */
export async function claimAgentLease(pool: Pool, storeId: string, agentInstance: string): Promise<void> {
  await withTransaction(pool, async (conn) => {
    const [rows] = await conn.query(
      'SELECT agent_instance, TIMESTAMPDIFF(SECOND, agent_seen_at, NOW(6)) AS silent_s FROM stores WHERE id = ? FOR UPDATE',
      [storeId],
    );
    const row = (rows as Array<{ agent_instance: string | null; silent_s: number | null }>)[0];
    if (!row) return;
    checkLease(storeId, agentInstance, row);
    await conn.query('UPDATE stores SET agent_instance = ?, agent_seen_at = NOW(6) WHERE id = ?', [
      agentInstance,
      storeId,
    ]);
  });
}

/** The SET clause that renews the lease in the UPDATE moving the store's mark (two `agentInstance` params). */
export const LEASE_SET =
  ', agent_instance = COALESCE(?, agent_instance), agent_seen_at = IF(? IS NULL, agent_seen_at, NOW(6))';
