-- RFID cycle counts (issue 5). A count covers one zone (= stock location) and is a snapshot
-- at a point in the ledger (start_seq): movements after it are added on top when it is booked.

CREATE TABLE rfid_counts (
  id          TEXT PRIMARY KEY,
  zone        TEXT NOT NULL,                 -- the reader zone, and the stock location counted
  start_seq   INTEGER NOT NULL,              -- the ledger's last seq when the count started
  started_at  TEXT NOT NULL,
  started_by  TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('running', 'booking', 'finished')),
  finished_at TEXT,
  finished_by TEXT,
  result      TEXT                           -- JSON: per-sku expected/counted/difference and movement ids
);
-- One running count per zone at a time.
CREATE UNIQUE INDEX rfid_counts_running_zone ON rfid_counts (zone) WHERE status <> 'finished';

-- Each tag of the count, once (not every read). how: 'present' = in the zone at the snapshot,
-- 'read' = read in the zone during the count, 'moved-in' = came from another zone after the
-- snapshot (not counted: the movement that brought it is added on top).
CREATE TABLE rfid_count_tags (
  count_id      TEXT NOT NULL REFERENCES rfid_counts (id) ON DELETE CASCADE,
  epc           TEXT NOT NULL,
  first_seen_at TEXT NOT NULL,
  how           TEXT NOT NULL DEFAULT 'read' CHECK (how IN ('present', 'read', 'moved-in')),
  PRIMARY KEY (count_id, epc)
) WITHOUT ROWID;
