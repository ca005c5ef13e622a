-- Receipts and transfers (issue 18, docs/deliveries.md). A delivery's figures are sums over the
-- store's replicated movements with ref = the delivery id, so they are found by (store_id, ref).
ALTER TABLE movements ADD KEY movements_ref (store_id, ref);

-- The receipt a store's close made: one per delivery, the key being the promise that a resent
-- receipt (a lost answer, a crash before the store marked it sent) is applied once. as_of_seq:
-- the store's movements up to that seq are what the receipt sums; the cloud takes it only once it
-- has applied them. store_lines: the figures the store showed at the close, kept for audit.
CREATE TABLE delivery_receipts (
  store_id VARCHAR(64) NOT NULL,
  delivery_id VARCHAR(128) NOT NULL,
  tenant_id VARCHAR(64) NOT NULL,
  closed_at DATETIME(3) NOT NULL,
  closed_by VARCHAR(128) NOT NULL,
  as_of_seq BIGINT UNSIGNED NOT NULL,
  store_lines MEDIUMTEXT NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (store_id, delivery_id),
  CONSTRAINT delivery_receipts_fk FOREIGN KEY (store_id, delivery_id) REFERENCES deliveries (store_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Transfers by their source store (store_id). The destination's inbound side is a delivery of
-- kind 'transfer' with the same id (deliveries.from_store_id = store_id); the id is unique in the
-- tenant, as a delivery id is. No foreign key on to_store_id: a store's rows never point into
-- another store's scope (schema-rules.test.ts); the route checks the destination exists.
CREATE TABLE transfers (
  store_id VARCHAR(64) NOT NULL,
  id VARCHAR(128) NOT NULL,
  tenant_id VARCHAR(64) NOT NULL,
  to_store_id VARCHAR(64) NOT NULL,
  shipped_at DATETIME(3) NOT NULL,
  as_of_seq BIGINT UNSIGNED NOT NULL,
  shipped_lines MEDIUMTEXT NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'in-transit',
  received_at DATETIME(6) NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (store_id, id),
  UNIQUE KEY transfers_tenant_id (tenant_id, id),
  KEY transfers_status (tenant_id, status, shipped_at),
  CONSTRAINT transfers_store_fk FOREIGN KEY (store_id) REFERENCES stores (id),
  CONSTRAINT transfers_status_check CHECK (status IN ('in-transit', 'received'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
