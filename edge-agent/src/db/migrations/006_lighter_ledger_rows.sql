-- Lighter rows for the three things every movement wrote besides itself.
--
-- 1. The idempotency index. A unique index on movements.id puts every new movement at a random
-- place in a large B-tree (ids are random UUIDs): a group commit of 1,200 movements dirtied
-- ~1,100 of its pages (4.4 MB through the WAL), and keeping it cost more CPU than writing the
-- row. Measured with bench/ingest.ts on a 2-core machine: 40-42k movements/s with the index,
-- 61k with none. The ids now go to movement_ids in runs: the writer keeps the ids of the
-- movements after `ids_upto` in memory, and every 20,000 movements appends them as one run,
-- sorted, keyed (run, uuid), so a run is written at the end of the B-tree in a few hundred
-- pages; a Bloom filter per run (id_runs) says which runs may hold an id
-- (edge-agent/src/ledger/movement-ids.ts). The key is the UUID in canonical form, from the
-- last 36 characters, so "urn:uuid:<uuid>" and the bare UUID are one id, and case does not
-- matter (RFC 9562 section 4: UUIDs compare as 128-bit values). movements.id keeps the text as
-- sent. The writer is what enforces one movement per id (it checks memory and the runs before
-- every insert); the primary key refuses an id twice only within a run.
--
-- SQLite cannot drop a UNIQUE column constraint, so the table is rebuilt
-- (https://www.sqlite.org/lang_altertable.html, "Making Other Kinds Of Table Schema Changes").
CREATE TABLE movements_v6 (
  seq            INTEGER PRIMARY KEY,           -- this store's gapless sequence: 1, 2, 3, ...
  id             TEXT NOT NULL                  -- the client's idempotency key (a UUID)
                 CHECK (length(id) >= 36 AND unhex(replace(substr(id, -36), '-', '')) IS NOT NULL),
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
  request_hash   TEXT NOT NULL,                 -- hash of the request as sent: same id + other hash = conflict
  recorded_at    TEXT NOT NULL
);
INSERT INTO movements_v6 SELECT * FROM movements ORDER BY seq;
DROP TABLE movements;
ALTER TABLE movements_v6 RENAME TO movements;
CREATE TABLE movement_ids (
  run  INTEGER NOT NULL,             -- id_runs.run
      uuid TEXT NOT NULL,                -- the id as a canonical UUID: lowercase, 8-4-4-4-12
  seq  INTEGER NOT NULL,             -- the movement's seq
  PRIMARY KEY (run, uuid)
) WITHOUT ROWID;
CREATE TABLE id_runs (
  run       INTEGER PRIMARY KEY,
  first_seq INTEGER NOT NULL,
  last_seq  INTEGER NOT NULL,
  ids       INTEGER NOT NULL,        -- how many ids the run holds
  bloom     BLOB NOT NULL            -- Bloom filter of its keys (movement-ids.ts)
);
-- Existing movements are filed into runs by the writer when the agent starts (ids_upto below).

-- 2. The outbox kept a JSON copy of every movement (~200 bytes each, written and later deleted).
-- Movements are append-only, so the wire record is built from the ledger row when it is sent
-- (outbox.ts, WIRE_RECORD_SQL); the outbox keeps only which seqs the cloud has not acknowledged.
CREATE TABLE outbox_v6 (
  seq INTEGER PRIMARY KEY            -- a movements.seq not yet acknowledged by the cloud
);
INSERT INTO outbox_v6 (seq) SELECT seq FROM outbox ORDER BY seq;
DROP TABLE outbox;
ALTER TABLE outbox_v6 RENAME TO outbox;

-- 3. Per-item history (sku, location, seq) was an index on movements: every commit inserted at
-- one place per item it touched, splitting pages in the middle of the index. It is now a table
-- the writer fills in sorted batches between commits (history.ts); queries read it plus the
-- short tail of movements after `indexed_upto`, so they see every movement.
CREATE TABLE movement_history (
  sku      TEXT NOT NULL,
  location TEXT NOT NULL,
  seq      INTEGER NOT NULL,
  PRIMARY KEY (sku, location, seq)
) WITHOUT ROWID;
INSERT INTO movement_history (sku, location, seq)
  SELECT sku, location, seq FROM movements ORDER BY sku, location, seq;
CREATE TABLE history_state (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  indexed_upto INTEGER NOT NULL,     -- movements up to this seq are in movement_history
  ids_upto     INTEGER NOT NULL      -- movements up to this seq are in movement_ids
);
INSERT INTO history_state (id, indexed_upto, ids_upto)
  VALUES (1, (SELECT COALESCE(MAX(seq), 0) FROM movements), 0);
