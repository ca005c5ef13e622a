// Checks a replication batch's shape (consecutive seqs, movement rules) and normalises its records.
import { checkMovement, PROBLEM_CODES, type ReplicationRecord } from '@store-edge/protocol';
import { HttpProblem } from '../problem.js';

/**
 * Checks what a schema cannot (consecutive seqs, and the protocol's `movementProblems`: qty
 * sign rules, calendar and range of `at`), and throws 400 naming each record's field. Then
 * normalises every record in place, so everything after compares and stores one form: the id
 * as `canonicalId()` (upper case and urn:uuid: forms are one id), `at` in UTC milliseconds.
 */
export function checkBatchShape(records: ReplicationRecord[]): void {
  const errors: Array<{ path: string; message: string }> = [];
  const normalised: Array<{ id: string; at: string }> = [];
  records.forEach((r, i) => {
    const prev = records[i - 1];
    if (prev && r.seq !== prev.seq + 1) {
      errors.push({ path: `/records/${i}/seq`, message: `must be ${prev.seq + 1} (seqs are consecutive)` });
    }
    const c = checkMovement(r.movement);
    for (const p of c.problems) errors.push({ path: `/records/${i}/movement${p.path}`, message: p.message });
    if (c.id !== null && c.at !== null) normalised.push({ id: c.id, at: c.at });
  });
  if (errors.length > 0) {
    throw new HttpProblem(400, 'Bad Request', 'invalid batch', { code: PROBLEM_CODES.validation, errors });
  }
  records.forEach((r, i) => {
    const n = normalised[i] as { id: string; at: string };
    r.movement.id = n.id;
    r.movement.at = n.at;
  });
}
