-- Replenishment (issue 18, CONTRACT.md v2 "Deliveries, transfers, replenishment",
-- docs/replenishment.md). Store-scoped tables lead their primary key with store_id (004).

-- Reorder rules: one per store and sku. multiple >= 1 and min <= max are checked by the API
-- (PUT /v1/stores/{storeId}/reorder-rules) and again by the formula (formula.ts), not by CHECK
-- constraints (001: no CHECK-dependent logic).
CREATE TABLE reorder_rules (
  store_id VARCHAR(64) NOT NULL,
  sku VARCHAR(128) NOT NULL,
  tenant_id VARCHAR(64) NOT NULL,
  min_qty INT NOT NULL,
  max_qty INT NOT NULL,
  multiple INT NOT NULL DEFAULT 1,
  lead_days INT NULL,
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (store_id, sku),
  CONSTRAINT reorder_rules_store_fk FOREIGN KEY (store_id) REFERENCES stores (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per run. status: running (proposals are being written), done, failed (its holder
-- died or gave up; its lease was taken over). Only a done run can be approved.
CREATE TABLE replenishment_runs (
  id CHAR(36) NOT NULL,
  tenant_id VARCHAR(64) NOT NULL,
  status VARCHAR(16) NOT NULL,
  requested_stores MEDIUMTEXT NULL,
  stores_total INT NOT NULL DEFAULT 0,
  stores_done INT NOT NULL DEFAULT 0,
  proposals INT NOT NULL DEFAULT 0,
  started_at DATETIME(6) NOT NULL,
  finished_at DATETIME(6) NULL,
  PRIMARY KEY (id),
  KEY replenishment_runs_tenant (tenant_id, started_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The proposals of a run (qty > 0 only) with the position they came from, so a buyer sees why.
-- Secondary key by run: a run is read and approved as a whole.
CREATE TABLE replenishment_proposals (
  store_id VARCHAR(64) NOT NULL,
  run_id CHAR(36) NOT NULL,
  sku VARCHAR(128) NOT NULL,
  qty BIGINT NOT NULL,
  on_hand BIGINT NOT NULL,
  reserved BIGINT NOT NULL,
  on_order BIGINT NOT NULL,
  in_transit BIGINT NOT NULL,
  lead_days INT NULL,
  PRIMARY KEY (store_id, run_id, sku),
  KEY replenishment_proposals_run (run_id, store_id, sku)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Stores a run did not order for, and why (stale replication, never replicated).
CREATE TABLE replenishment_held_back (
  run_id CHAR(36) NOT NULL,
  store_id VARCHAR(64) NOT NULL,
  reason VARCHAR(255) NOT NULL,
  PRIMARY KEY (store_id, run_id),
  KEY replenishment_held_back_run (run_id, store_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One run at a time per tenant across every cloud replica and the nightly CronJob (odoo/odoo#1062:
-- "no safeguards against concurrent running of schedulers" ordered twice). The same shape as the
-- agent lease (002): a holder and until when it holds; a holder that died is taken over once
-- its lease has run out. Renewed while the run writes.
CREATE TABLE replenishment_lease (
  tenant_id VARCHAR(64) NOT NULL,
  run_id CHAR(36) NULL,
  lease_until DATETIME(6) NULL,
  PRIMARY KEY (tenant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
