-- Prices over time (issue 19, docs/prices.md): regular prices with the moment they take effect
-- at this store (history and schedule in one table), and promotions. Instants are ms since 1970
-- UTC, resolved in the store's time zone when the change arrived; the text head office wrote is
-- kept beside them.

-- One row per (price change, sku). change_id: the head-office price change; 'item:<ms>' for a
-- price set at once (PUT /items, the cloud's `price` kind); 'baseline' for the price an item had
-- before its first scheduled change took effect.
CREATE TABLE regular_prices (
  change_id      TEXT NOT NULL,
  sku            TEXT NOT NULL,
  effective_at   INTEGER NOT NULL,
  effective_text TEXT NOT NULL,
  amount         TEXT NOT NULL,    -- decimal string, never a float
  currency       TEXT NOT NULL,
  PRIMARY KEY (change_id, sku)
) WITHOUT ROWID;
CREATE INDEX regular_prices_sku ON regular_prices (sku, effective_at);
CREATE INDEX regular_prices_at ON regular_prices (effective_at);

CREATE TABLE promotions (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  rule        TEXT NOT NULL,       -- JSON, amounts as decimal strings
  starts_at   INTEGER NOT NULL,
  ends_at     INTEGER NOT NULL,
  starts_text TEXT NOT NULL,
  ends_text   TEXT NOT NULL
);

-- The skus of a promotion with its period copied in, so a lookup is one index range per sku.
CREATE TABLE promotion_skus (
  sku          TEXT NOT NULL,
  promotion_id TEXT NOT NULL REFERENCES promotions (id) ON DELETE CASCADE,
  starts_at    INTEGER NOT NULL,
  ends_at      INTEGER NOT NULL,
  PRIMARY KEY (sku, promotion_id)
) WITHOUT ROWID;
CREATE INDEX promotion_skus_promotion ON promotion_skus (promotion_id);
CREATE INDEX promotion_skus_starts ON promotion_skus (starts_at);
CREATE INDEX promotion_skus_ends ON promotion_skus (ends_at);

-- The price clock's mark: every moment up to it has been announced (price.changed) and the
-- regular price in force written into the catalog; a restart catches up from here.
CREATE TABLE price_clock (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  announced_until INTEGER
);
INSERT INTO price_clock (id, announced_until) VALUES (1, NULL);

-- The price in force recorded for each sale and return (the ledger's movement carries no price):
-- the one-unit price at the movement's `at`, the regular price, and the promotion with its rule;
-- line_amount is what `qty` units cost under it (a multi-buy: whole bundles at its amount, the
-- rest at the regular price). Written shortly after the movement's commit (prices/sales.ts).
CREATE TABLE sale_prices (
  seq            INTEGER PRIMARY KEY,  -- the movement's seq
  movement_id    TEXT NOT NULL,
  sku            TEXT NOT NULL,
  qty            INTEGER NOT NULL,
  at             TEXT NOT NULL,
  amount         TEXT NOT NULL,
  currency       TEXT NOT NULL,
  regular_amount TEXT NOT NULL,
  line_amount    TEXT NOT NULL,
  promotion_id   TEXT,
  promotion_rule TEXT
);
ALTER TABLE price_clock ADD COLUMN priced_seq INTEGER;
