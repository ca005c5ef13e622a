-- Expected deliveries, receipts and transfers (issue 18, CONTRACT.md v2 "Deliveries, transfers,
-- replenishment"; docs/deliveries.md). What arrived is never stored here: received, damaged,
-- short and over are derived from the ledger's movements with ref = the delivery id, whose
-- unique ids already make a retried or doubled scan count once.

-- Expected deliveries as the change feed brought them (kind 'delivery'), ahead of the truck.
CREATE TABLE deliveries (
  id            TEXT PRIMARY KEY,                        -- also the movements' ref
  kind          TEXT NOT NULL CHECK (kind IN ('purchase', 'transfer')),
  from_store_id TEXT,                                    -- a transfer's source store
  supplier      TEXT,
  expected_at   TEXT,
  arrived_at    TEXT NOT NULL                            -- when the feed brought it
);
CREATE TABLE delivery_lines (
  delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  sku         TEXT NOT NULL,
  expected    INTEGER NOT NULL CHECK (expected > 0),     -- units (case packs already resolved)
  PRIMARY KEY (delivery_id, sku)
) WITHOUT ROWID;

-- The receipt a close made: one per delivery (the key is the promise "a second close answers the
-- same receipt"), frozen as of the ledger's seq at the close.
CREATE TABLE delivery_receipts (
  delivery_id TEXT PRIMARY KEY REFERENCES deliveries (id),
  closed_at   TEXT NOT NULL,
  closed_by   TEXT NOT NULL,
  as_of_seq   INTEGER NOT NULL,                          -- movements up to this seq are in it
  lines       TEXT NOT NULL                              -- JSON [{sku, expected, received, damaged, short, over}]
);

-- The delivery a scanner receives into, chosen on the console ('*': every receive scanner).
CREATE TABLE receiving_targets (
  device_id   TEXT PRIMARY KEY,
  delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE
);

-- Transfers this store ships. Written before its transfer_out movements (whose ids derive from
-- the transfer id), so a crash in between is finished at the next start with the same ids.
CREATE TABLE transfers (
  id           TEXT PRIMARY KEY,
  to_store_id  TEXT NOT NULL,
  location     TEXT NOT NULL,
  lines        TEXT NOT NULL,                            -- JSON [{sku, qty}]
  request_hash TEXT NOT NULL,                            -- same id + other hash: 409
  created_at   TEXT NOT NULL,
  created_by   TEXT NOT NULL,
  shipped_seq  INTEGER                                   -- last seq of its movements; NULL until booked
);

-- Records for the cloud besides movements (a receipt, a shipped transfer), retried until the
-- cloud acknowledges them; (kind, id) is also the cloud's idempotency key. A record is sent only
-- once the cloud holds the movements up to after_seq, so it never arrives before what it sums.
CREATE TABLE delivery_uplink (
  kind       TEXT NOT NULL CHECK (kind IN ('receipt', 'transfer')),
  id         TEXT NOT NULL,
  payload    TEXT NOT NULL,
  after_seq  INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  acked_at   TEXT,
  attempts   INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  PRIMARY KEY (kind, id)
) WITHOUT ROWID;

-- The figures of a delivery are a sum over its movements: by ref, only over rows that have one.
CREATE INDEX movements_ref ON movements (ref, type) WHERE ref IS NOT NULL;
