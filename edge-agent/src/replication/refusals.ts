// A record the cloud refuses for good: what the operator is told about it, and when it is offered again.
import { canonicalId } from '@store-edge/protocol';
import type { AgentParts } from '../agent.js';
import type { RefusedRecord } from './shipper-status.js';

/** A refused record is offered to the cloud again this often (the cloud may have been fixed). */
export const REFUSED_RECHECK_MS = 5 * 60_000;

/** The status entry for record `seq`, refused with `status` and `reason`, with its repair. */
export function refusedRecord(
  db: AgentParts['db'],
  seq: number,
  status: number,
  reason: string,
): RefusedRecord {
  const row = db.prepare('SELECT id FROM movements WHERE seq = ?').get(seq) as { id: string } | undefined;
  const id = row ? (canonicalId(row.id) ?? row.id) : null;
  const repair = `check the record (GET /api/v1/movements?afterSeq=${seq - 1}&limit=1); withdraw it with POST /api/v1/replication/records/${seq}/void and book it again correctly if it happened (docs/operations.md)`;
  return { seq, id, status, reason, since: new Date().toISOString(), repair };
}

/** The shipper's last error while `r` is refused. */
export function refusalError(r: RefusedRecord): string {
  return `the cloud refuses record seq ${r.seq} (movement ${r.id ?? 'unknown'}) for good: HTTP ${r.status} ${r.reason}`;
}
