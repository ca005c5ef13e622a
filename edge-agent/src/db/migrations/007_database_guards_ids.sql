-- The database guards exactly-once again (issue 14).
--
-- Migration 006 dropped the UNIQUE constraint on movements.id for an id index in runs with Bloom
-- filters (movement_ids, id_runs) and filed per-item history off the commit path
-- (movement_history, history_state): application code decided what a duplicate is, for a
-- throughput far above what a store needs (a busy store peaks at tens of movements a second).
-- Now SQLite decides:
-- - movements.id holds the canonical id (protocol/src/ids.ts canonicalId(): the bare UUID in
--   lower case; RFC 9562 section 4), and the CHECK refuses any other spelling, so the upper-case
--   or `urn:uuid:` form of an id can never be stored beside it;
-- - UNIQUE refuses a second row with that id, whoever inserts it;
-- - seq stays the primary key, and a trigger refuses any seq other than the next one, so the
--   ledger's sequence is gapless by construction (ARCHITECTURE.md "Replication contract").
--
-- SQLite cannot add a constraint to a table, so it is rebuilt
-- (https://www.sqlite.org/lang_altertable.html, "Making Other Kinds Of Table Schema Changes").
CREATE TABLE movements_v7 (
  seq            INTEGER PRIMARY KEY,           -- this store's gapless sequence: 1, 2, 3, ... (trigger below)
  id             TEXT NOT NULL                  -- the client's idempotency key, canonical: lower-case bare UUID (UNIQUE below)
                 CHECK (id GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'),
  type           TEXT NOT NULL,
  sku            TEXT NOT NULL,
  location       TEXT NOT NULL,
  qty            INTEGER NOT NULL,              -- units (a case already multiplied out); count: counted total
  delta_on_hand  INTEGER NOT NULL,
  delta_reserved INTEGER NOT NULL,
  at             TEXT NOT NULL,
  ref            TEXT,
  reason         TEXT,
  code           TEXT,                          -- the barcode or EPC the movement was made from
  source         TEXT NOT NULL,                 -- api, console, device:<id>, cloud
  actor          TEXT NOT NULL,                 -- user or device that made it
  flags          TEXT,                          -- e.g. 'negative' when a sale drove on-hand below zero
  request_hash   TEXT NOT NULL,                 -- hash of the request (canonical id): same id + other hash = conflict
  recorded_at    TEXT NOT NULL
);
-- Ids to canonical form: the last 36 characters (a `urn:uuid:` prefix dropped; migration 006's
-- CHECK guarantees 36 hex digits and dashes there), in lower case. Before migration 006 the
-- UNIQUE constraint compared the text as sent, so an old ledger may hold one movement twice
-- under two spellings of its id. Both rows stay (seqs are gapless and the cloud holds both);
-- the later one keeps the first 24 characters of the id and gets its seq as the last 12 hex
-- digits, a new id that cannot collide with the original.
INSERT INTO movements_v7
  SELECT seq,
    CASE WHEN ROW_NUMBER() OVER (PARTITION BY lower(substr(id, -36)) ORDER BY seq) = 1
      THEN lower(substr(id, -36))
      ELSE substr(lower(substr(id, -36)), 1, 24) || printf('%012x', seq) END,
    type, sku, location, qty, delta_on_hand, delta_reserved, at, ref, reason, code, source, actor, flags,
    request_hash, recorded_at
  FROM movements ORDER BY seq;
DROP TABLE movements;
ALTER TABLE movements_v7 RENAME TO movements;
-- The UNIQUE constraint as an index built after the copy: sorting the ids once is several times
-- faster than inserting a million random ids into a B-tree one by one. It refuses a second row
-- exactly as a column constraint does ("UNIQUE constraint failed: movements.id").
CREATE UNIQUE INDEX movements_id ON movements (id);
-- An item's history (GET /movements?sku=, count reconciliation) by index, in one place.
CREATE INDEX movements_sku_location ON movements (sku, location, seq);

-- Gapless: a movement's seq is the one after the last. Rows are removed only from the end (a
-- restore from the cloud takes back the local tail), so MAX(seq) is the last seq.
CREATE TRIGGER movements_gapless BEFORE INSERT ON movements
  WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq), 0) + 1 FROM movements)
BEGIN
  SELECT RAISE(ABORT, 'movements.seq must be the next seq: the ledger is gapless');
END;

DROP TABLE movement_ids;
DROP TABLE id_runs;
DROP TABLE movement_history;
DROP TABLE history_state;

-- A restore from the cloud (a replaced disk, a restored backup) in pages, one transaction each
-- (edge-agent/src/ledger/replica.ts): where it stands, so a restart continues it.
CREATE TABLE restore_state (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  from_seq    INTEGER NOT NULL,               -- the cloud's records after this seq are pulled
  after_seq   INTEGER NOT NULL,               -- the cloud's records up to this seq are in the ledger
  target_seq  INTEGER NOT NULL,               -- the cloud's high-water mark when the restore began
  diverged_at INTEGER,                        -- first seq where the cloud's movement differs from the ledger's
  pulled      INTEGER NOT NULL DEFAULT 0,     -- movements taken from the cloud so far
  started_at  TEXT NOT NULL
);
-- Local movements from the divergence on, set aside until the cloud's history is in: those the
-- cloud never saw continue after it with new seqs (same ids), queued for the cloud.
CREATE TABLE restore_orphans (
  orig_seq       INTEGER PRIMARY KEY,
  id             TEXT NOT NULL UNIQUE,
  type           TEXT NOT NULL,
  sku            TEXT NOT NULL,
  location       TEXT NOT NULL,
  qty            INTEGER NOT NULL,
  at             TEXT NOT NULL,
  ref            TEXT,
  reason         TEXT,
  code           TEXT,
  source         TEXT NOT NULL,
  actor          TEXT NOT NULL,
  flags          TEXT,
  request_hash   TEXT NOT NULL,
  recorded_at    TEXT NOT NULL
);
