-- Store health (issue 17, docs/fleet.md). Store-scoped tables lead their primary key with
-- store_id (004).
--
-- The latest report per store. No row: the store never reported (`unknown`). `status` is the
-- status last recorded as a transition (online/offline), changed only by a conditional UPDATE,
-- so several cloud replicas sweeping at once record each transition once; what the fleet page
-- shows is computed from last_seen_at at read time, so it is never later than the window.
CREATE TABLE store_health (
  store_id VARCHAR(64) NOT NULL,
  tenant_id VARCHAR(64) NOT NULL,
  last_seen_at DATETIME(6) NOT NULL,
  sent_at DATETIME(3) NOT NULL,
  agent_version VARCHAR(64) NOT NULL,
  pending BIGINT UNSIGNED NOT NULL,
  oldest_pending_at DATETIME(3) NULL,
  devices_in_error INT NOT NULL,
  disk_free_bytes BIGINT UNSIGNED NULL,
  clock_offset_ms BIGINT NULL,
  -- The report's devices as JSON text (bounded by the protocol's HEALTH_LIMITS).
  devices MEDIUMTEXT NOT NULL,
  devices_left_out INT NOT NULL DEFAULT 0,
  status VARCHAR(8) NOT NULL,
  status_since DATETIME(6) NOT NULL,
  PRIMARY KEY (store_id),
  KEY store_health_tenant (tenant_id, store_id),
  KEY store_health_sweep (status, last_seen_at),
  CONSTRAINT store_health_store_fk FOREIGN KEY (store_id) REFERENCES stores (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Online/offline transitions, one row each (the history head office reads back).
CREATE TABLE store_status_transitions (
  store_id VARCHAR(64) NOT NULL,
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  tenant_id VARCHAR(64) NOT NULL,
  status VARCHAR(8) NOT NULL,
  previous VARCHAR(8) NOT NULL,
  at DATETIME(6) NOT NULL,
  last_seen_at DATETIME(6) NULL,
  PRIMARY KEY (store_id, id),
  KEY store_status_transitions_id (id),
  KEY store_status_transitions_at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Backlog over time for the console's chart, downsampled at write time into two resolutions:
-- res 0 = one point per minute (kept a day), res 1 = one per 15 minutes (kept 7 days). A point
-- keeps the bucket's highest pending and earliest oldest-pending (the worst the bucket saw).
CREATE TABLE store_backlog_points (
  store_id VARCHAR(64) NOT NULL,
  res TINYINT UNSIGNED NOT NULL,
  at DATETIME NOT NULL,
  pending BIGINT UNSIGNED NOT NULL,
  oldest_pending_at DATETIME(3) NULL,
  PRIMARY KEY (store_id, res, at),
  KEY store_backlog_points_prune (res, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
