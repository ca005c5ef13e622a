-- The store's ledger. Movements are append-only; stock is a projection that can always be
-- rebuilt from them; outbox holds what the cloud has not acknowledged yet.

CREATE TABLE items (
  sku            TEXT PRIMARY KEY,
  name           TEXT NOT NULL,
  price_amount   TEXT,             -- decimal string, never a float
  price_currency TEXT,
  unit           TEXT,
  data           TEXT NOT NULL,    -- the full catalog entry as JSON
  updated_at     TEXT NOT NULL,
  origin         TEXT NOT NULL     -- 'local' or 'cloud'
);

-- Every barcode that stands for an item: unit GTINs (pack_qty 1) and case GTINs (pack_qty N).
CREATE TABLE item_codes (
  code     TEXT PRIMARY KEY,       -- GTIN-14 for GTINs
  sku      TEXT NOT NULL REFERENCES items (sku) ON DELETE CASCADE,
  pack_qty INTEGER NOT NULL DEFAULT 1 CHECK (pack_qty >= 1)
);
CREATE INDEX item_codes_sku ON item_codes (sku);

CREATE TABLE movements (
  seq            INTEGER PRIMARY KEY,           -- this store's gapless sequence: 1, 2, 3, ...
  id             TEXT NOT NULL UNIQUE,          -- the client's idempotency key (UUID)
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
CREATE INDEX movements_sku_location ON movements (sku, location, seq);

CREATE TABLE stock (
  sku         TEXT NOT NULL,
  location    TEXT NOT NULL,
  on_hand     INTEGER NOT NULL DEFAULT 0,
  reserved    INTEGER NOT NULL DEFAULT 0,
  last_seq    INTEGER NOT NULL,
  PRIMARY KEY (sku, location)
) WITHOUT ROWID;

-- Written in the same transaction as the movement; pruned once the cloud acknowledges.
CREATE TABLE outbox (
  seq        INTEGER PRIMARY KEY,
  payload    TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE replication_state (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  acked_seq       INTEGER NOT NULL DEFAULT 0,
  last_success_at TEXT,
  last_error      TEXT,
  feed_cursor     TEXT
);
INSERT INTO replication_state (id, acked_seq) VALUES (1, 0);

-- Input that could not become a movement: kept with the raw bytes and the reason, never dropped.
CREATE TABLE quarantine (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  at        TEXT NOT NULL,
  source    TEXT NOT NULL,
  device_id TEXT,
  raw       TEXT NOT NULL,
  reason    TEXT NOT NULL
);

CREATE TABLE users (
  username      TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'associate', 'device')),
  created_at    TEXT NOT NULL,
  disabled      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE api_tokens (
  token_hash TEXT PRIMARY KEY,        -- SHA-256 of the opaque token; the token itself is never stored
  username   TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
  role       TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);

CREATE TABLE devices (
  id         TEXT PRIMARY KEY,
  kind       TEXT NOT NULL,
  config     TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- Open reservations (buy online, pick up in store), by the reference the reserve movement named.
CREATE TABLE reservations (
  ref      TEXT PRIMARY KEY,
  sku      TEXT NOT NULL,
  location TEXT NOT NULL,
  qty_open INTEGER NOT NULL CHECK (qty_open >= 0)
);
