-- Barcode scans (issue 4). Recent decoded scans with what became of them, for the console
-- and GET /api/v1/scans; pruned to the newest `scanning.keepScans` rows.
CREATE TABLE scans (
  n            INTEGER PRIMARY KEY AUTOINCREMENT,  -- insertion order: newest first = ORDER BY n DESC
  id           TEXT NOT NULL UNIQUE,               -- the scan's id (in events and MQTT)
  at           TEXT NOT NULL,                      -- when the scanner delivered it
  device_id    TEXT NOT NULL,
  mode         TEXT NOT NULL,                      -- the device's mode when scanned
  location     TEXT NOT NULL,
  code         TEXT NOT NULL,                      -- as delivered, AIM identifier stripped
  aim_id       TEXT,
  kind         TEXT NOT NULL,                      -- parsed kind: gtin, gs1, epc, sku, unknown
  parsed       TEXT NOT NULL,                      -- the parser's result as JSON
  sku          TEXT,
  pack_qty     INTEGER,                            -- units one scan of this code stands for
  qty          INTEGER,                            -- units this scan stood for (a case: its pack size)
  outcome      TEXT NOT NULL,                      -- movement, lookup, counted, quarantined
  movement_id  TEXT,
  seq          INTEGER,
  movement_status TEXT,                            -- created, or duplicate
  reason       TEXT,                               -- why it was quarantined
  quarantine_id INTEGER,
  latency_ms   REAL                                -- scan delivered -> movement durable
);
CREATE INDEX scans_device ON scans (device_id, n);

-- Count mode: scans add up per device and sku until the count is finished (or discarded).
CREATE TABLE scan_counts (
  device_id  TEXT PRIMARY KEY,
  id         TEXT NOT NULL,                        -- the session id: ref of its count movements
  location   TEXT NOT NULL,
  start_seq  INTEGER NOT NULL,                     -- the ledger snapshot the count stands for
  started_at TEXT NOT NULL,
  booking    TEXT                                  -- movements being booked (JSON): a retried finish re-sends them
);
CREATE TABLE scan_count_lines (
  device_id TEXT NOT NULL REFERENCES scan_counts (device_id) ON DELETE CASCADE,
  sku       TEXT NOT NULL,
  counted   INTEGER NOT NULL,
  scans     INTEGER NOT NULL,
  PRIMARY KEY (device_id, sku)
);
