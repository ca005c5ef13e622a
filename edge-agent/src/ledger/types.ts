import { EdgeError, type ErrorCode } from '../errors.js';

/** Movement types clients may post (ARCHITECTURE.md "Ledger model", CONTRACT.md). */
export const API_MOVEMENT_TYPES = [
  'receive',
  'sale',
  'return',
  'adjust',
  'transfer_out',
  'transfer_in',
  'count',
  'reserve',
  'release',
  'ship',
  'damage',
] as const;

/**
 * All types the ledger holds: the API's, plus `reject` — the store declining a cloud
 * reservation (protocol/: no stock effect, `ref` = reservation id), written only by the
 * replication workflow so the answer travels to the cloud in seq order like any movement;
 * and `void`, a record the cloud refused for good that the operator withdrew (protocol/,
 * replication/repair.ts): qty 0, no stock effect.
 */
export const MOVEMENT_TYPES = [...API_MOVEMENT_TYPES, 'reject', 'void'] as const;
export type MovementType = (typeof MOVEMENT_TYPES)[number];

/** A movement as a client sends it (CONTRACT.md "movement fields"). */
export interface MovementInput {
  id: string;
  type: MovementType;
  sku?: string;
  code?: string;
  location?: string;
  qty: number;
  ref?: string;
  reason?: string;
  at?: string;
}

/** Who made a movement: every stock change names a user or a device. */
export interface Actor {
  /** api, console, device:<id>, rfid-count, cloud */
  source: string;
  /** username or device id */
  actor: string;
}

/** A movement as the ledger holds it. */
export interface Movement {
  seq: number;
  id: string;
  type: MovementType;
  sku: string;
  location: string;
  qty: number;
  deltaOnHand: number;
  deltaReserved: number;
  at: string;
  ref: string | null;
  reason: string | null;
  code: string | null;
  source: string;
  actor: string;
  flags: string | null;
  recordedAt: string;
}

export interface MovementResult {
  id: string;
  seq: number;
  status: 'created' | 'duplicate';
}

export interface StockRow {
  sku: string;
  location: string;
  onHand: number;
  reserved: number;
  available: number;
}

/**
 * A movement the ledger refuses for a reason of state or meaning (not of shape): unknown sku,
 * a reservation larger than what is available, an id reused with other content.
 */
export class LedgerError extends EdgeError {
  constructor(
    code: ErrorCode,
    message: string,
    /** JSON pointer into the request body, e.g. /movements/3/sku */
    path?: string,
    extra?: Record<string, unknown>,
  ) {
    super(code, message, {
      ...(path !== undefined ? { path } : {}),
      ...(extra !== undefined ? { extra } : {}),
    });
    this.name = 'LedgerError';
  }
}
