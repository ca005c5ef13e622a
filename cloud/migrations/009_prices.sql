-- Prices over time (issue 19, CONTRACT.md v2 "Prices over time", docs/prices.md).

-- Net content for the unit price on labels: {"amount": "500", "unit": "g"}; NULL when none.
ALTER TABLE items ADD COLUMN net_content VARCHAR(64) NULL;

-- A head-office regular price change. effective_at is kept as written: with an offset it is one
-- instant; without, each store reads it in its own zone. last_cursor is the feed cursor of its
-- last entry: a store whose polled cursor reaches it has received the whole change.
CREATE TABLE price_changes (
  tenant_id VARCHAR(64) NOT NULL,
  id VARCHAR(128) NOT NULL,
  effective_at VARCHAR(40) NOT NULL,
  store_ids TEXT NULL,
  content_hash CHAR(64) NOT NULL,
  line_count INT NOT NULL,
  last_cursor BIGINT NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (tenant_id, id),
  CONSTRAINT price_changes_tenant_fk FOREIGN KEY (tenant_id) REFERENCES tenants (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE price_change_lines (
  tenant_id VARCHAR(64) NOT NULL,
  price_change_id VARCHAR(128) NOT NULL,
  sku VARCHAR(128) NOT NULL,
  amount DECIMAL(14,4) NOT NULL,
  currency CHAR(3) NOT NULL,
  PRIMARY KEY (tenant_id, price_change_id, sku),
  CONSTRAINT price_change_lines_fk FOREIGN KEY (tenant_id, price_change_id)
    REFERENCES price_changes (tenant_id, id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Per store and price change: when the store received it (its change-feed cursor passed
-- cursor_no) and when it printed its labels (written by the label flow). Store-scoped: the key
-- leads with store_id (004).
CREATE TABLE price_change_stores (
  store_id VARCHAR(64) NOT NULL,
  price_change_id VARCHAR(128) NOT NULL,
  tenant_id VARCHAR(64) NOT NULL,
  cursor_no BIGINT NULL,
  received_at DATETIME(6) NULL,
  labels_printed_at DATETIME(6) NULL,
  PRIMARY KEY (store_id, price_change_id),
  KEY price_change_stores_pending (store_id, received_at, cursor_no),
  KEY price_change_stores_change (tenant_id, price_change_id),
  CONSTRAINT price_change_stores_store_fk FOREIGN KEY (store_id) REFERENCES stores (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE promotions (
  tenant_id VARCHAR(64) NOT NULL,
  id VARCHAR(128) NOT NULL,
  name VARCHAR(255) NOT NULL,
  starts_at VARCHAR(40) NOT NULL,
  ends_at VARCHAR(40) NOT NULL,
  store_ids TEXT NULL,
  skus MEDIUMTEXT NOT NULL,
  rule VARCHAR(255) NOT NULL,
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (tenant_id, id),
  CONSTRAINT promotions_tenant_fk FOREIGN KEY (tenant_id) REFERENCES tenants (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
