-- store-edge cloud schema v1. Every statement runs on MySQL 8 and MariaDB 10.11:
-- no JSON column type (MariaDB aliases it to LONGTEXT, MySQL returns parsed objects), no
-- `AS new` row aliases, no CHECK-dependent logic. Text is utf8mb4 with binary collation so ids
-- compare exactly.

CREATE TABLE tenants (
  id VARCHAR(64) NOT NULL,
  name VARCHAR(255) NOT NULL,
  -- Last change-feed cursor handed out for this tenant. Writers bump it under the row lock, so
  -- cursors of one tenant become visible in increasing order (a reader never skips one).
  change_cursor BIGINT UNSIGNED NOT NULL DEFAULT 0,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE stores (
  id VARCHAR(64) NOT NULL,
  tenant_id VARCHAR(64) NOT NULL,
  name VARCHAR(255) NOT NULL,
  -- High-water mark of the replication contract: every seq 1..applied_seq is in movements.
  applied_seq BIGINT UNSIGNED NOT NULL DEFAULT 0,
  last_replicated_at DATETIME(6) NULL,
  stale_notified TINYINT NOT NULL DEFAULT 0,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  KEY stores_tenant (tenant_id, id),
  CONSTRAINT stores_tenant_fk FOREIGN KEY (tenant_id) REFERENCES tenants (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Store credentials: only a SHA-256 of the (256-bit random) token is kept.
CREATE TABLE store_tokens (
  token_hash BINARY(32) NOT NULL,
  store_id VARCHAR(64) NOT NULL,
  tenant_id VARCHAR(64) NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  revoked_at DATETIME(6) NULL,
  PRIMARY KEY (token_hash),
  KEY store_tokens_store (store_id),
  CONSTRAINT store_tokens_store_fk FOREIGN KEY (store_id) REFERENCES stores (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE movements (
  store_id VARCHAR(64) NOT NULL,
  seq BIGINT UNSIGNED NOT NULL,
  id CHAR(36) NOT NULL,
  tenant_id VARCHAR(64) NOT NULL,
  type VARCHAR(16) NOT NULL,
  sku VARCHAR(128) NOT NULL,
  location VARCHAR(64) NOT NULL,
  qty INT NOT NULL,
  at DATETIME(3) NOT NULL,
  ref VARCHAR(128) NULL,
  reason VARCHAR(255) NULL,
  source VARCHAR(128) NULL,
  actor VARCHAR(128) NULL,
  received_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (store_id, seq),
  UNIQUE KEY movements_store_id (store_id, id),
  KEY movements_tenant_sku (tenant_id, sku)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Per-store stock projection, derivable again from movements.
CREATE TABLE stock (
  store_id VARCHAR(64) NOT NULL,
  sku VARCHAR(128) NOT NULL,
  location VARCHAR(64) NOT NULL,
  tenant_id VARCHAR(64) NOT NULL,
  on_hand BIGINT NOT NULL DEFAULT 0,
  reserved BIGINT NOT NULL DEFAULT 0,
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (store_id, sku, location),
  KEY stock_tenant_sku (tenant_id, sku),
  KEY stock_sku (sku)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE items (
  tenant_id VARCHAR(64) NOT NULL,
  sku VARCHAR(128) NOT NULL,
  name VARCHAR(255) NOT NULL,
  gtins TEXT NOT NULL,
  packs TEXT NOT NULL,
  price_amount DECIMAL(14,4) NOT NULL,
  price_currency CHAR(3) NOT NULL,
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (tenant_id, sku),
  CONSTRAINT items_tenant_fk FOREIGN KEY (tenant_id) REFERENCES tenants (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE reservations (
  id CHAR(36) NOT NULL,
  tenant_id VARCHAR(64) NOT NULL,
  store_id VARCHAR(64) NOT NULL,
  sku VARCHAR(128) NOT NULL,
  qty INT NOT NULL,
  ref VARCHAR(128) NOT NULL,
  status VARCHAR(16) NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  KEY reservations_store (store_id, status),
  CONSTRAINT reservations_store_fk FOREIGN KEY (store_id) REFERENCES stores (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Change feed. store_id NULL: concerns every store of the tenant (catalog, prices).
CREATE TABLE changes (
  tenant_id VARCHAR(64) NOT NULL,
  cursor_no BIGINT UNSIGNED NOT NULL,
  store_id VARCHAR(64) NULL,
  kind VARCHAR(16) NOT NULL,
  data TEXT NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (tenant_id, cursor_no)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE webhooks (
  id CHAR(36) NOT NULL,
  tenant_id VARCHAR(64) NULL,
  url VARCHAR(2048) NOT NULL,
  secret VARCHAR(255) NOT NULL,
  events VARCHAR(1024) NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE webhook_subscriptions (
  webhook_id CHAR(36) NOT NULL,
  event VARCHAR(64) NOT NULL,
  PRIMARY KEY (event, webhook_id),
  CONSTRAINT webhook_subscriptions_fk FOREIGN KEY (webhook_id) REFERENCES webhooks (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Durable outbox: one row per (webhook, event), written in the same transaction as the change.
CREATE TABLE webhook_deliveries (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  webhook_id CHAR(36) NOT NULL,
  tenant_id VARCHAR(64) NOT NULL,
  event_id CHAR(36) NOT NULL,
  event VARCHAR(64) NOT NULL,
  payload MEDIUMTEXT NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'pending',
  attempts INT NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  lease_token CHAR(36) NULL,
  lease_until DATETIME(6) NULL,
  last_error VARCHAR(1024) NULL,
  delivered_at DATETIME(6) NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  KEY webhook_deliveries_due (status, next_attempt_at),
  KEY webhook_deliveries_lease (lease_token),
  CONSTRAINT webhook_deliveries_fk FOREIGN KEY (webhook_id) REFERENCES webhooks (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
