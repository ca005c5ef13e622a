-- Expected deliveries (issue 18, CONTRACT.md v2 "Deliveries, transfers, replenishment"): a
-- purchase order / ASN, or the inbound side of a transfer, in units. Store-scoped tables lead
-- their primary key with store_id (004). The id is the movements' `ref` at the store (at most
-- 128 characters, protocol LIMITS.ref) and unique within the tenant, so a delivery cannot be
-- created twice under one id (a retried POST or a second replenishment approval).
CREATE TABLE deliveries (
  store_id VARCHAR(64) NOT NULL,
  id VARCHAR(128) NOT NULL,
  tenant_id VARCHAR(64) NOT NULL,
  kind VARCHAR(16) NOT NULL,
  from_store_id VARCHAR(64) NULL,
  supplier VARCHAR(128) NULL,
  expected_at DATETIME(6) NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'open',
  run_id CHAR(36) NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  closed_at DATETIME(6) NULL,
  PRIMARY KEY (store_id, id),
  UNIQUE KEY deliveries_tenant_id (tenant_id, id),
  KEY deliveries_status (tenant_id, status),
  CONSTRAINT deliveries_store_fk FOREIGN KEY (store_id) REFERENCES stores (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per sku. received/damaged are the store's figures from its closed receipt (derived
-- at the store from the ledger's movements with ref = delivery id).
CREATE TABLE delivery_lines (
  store_id VARCHAR(64) NOT NULL,
  delivery_id VARCHAR(128) NOT NULL,
  sku VARCHAR(128) NOT NULL,
  expected BIGINT NOT NULL,
  received BIGINT NOT NULL DEFAULT 0,
  damaged BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (store_id, delivery_id, sku),
  CONSTRAINT delivery_lines_fk FOREIGN KEY (store_id, delivery_id) REFERENCES deliveries (store_id, id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
