-- Which sku each GTIN (unit or case) belongs to, per tenant: PUT /v1/items refuses a GTIN that
-- belongs to another sku (409 naming it) unless the request says moveGtins (CONTRACT.md). Keyed
-- by the GTIN-14 form (GS1 General Specifications 3.3.2: shorter GTINs are padded with leading
-- zeros), so a GTIN-13 and its GTIN-14 form are one code, as the edge's catalog keys them.
CREATE TABLE item_gtins (
  tenant_id VARCHAR(64) NOT NULL,
  gtin CHAR(14) NOT NULL,
  sku VARCHAR(128) NOT NULL,
  PRIMARY KEY (tenant_id, gtin),
  KEY item_gtins_sku (tenant_id, sku)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Existing items: the first sku (in key order) keeps a GTIN that two skus listed. JSON_TABLE
-- runs on MySQL 8 and MariaDB 10.6+.
INSERT IGNORE INTO item_gtins (tenant_id, gtin, sku)
  SELECT i.tenant_id, LPAD(j.gtin, 14, '0'), i.sku
  FROM items i, JSON_TABLE(i.gtins, '$[*]' COLUMNS (gtin VARCHAR(14) PATH '$')) AS j
  ORDER BY i.tenant_id, i.sku;

INSERT IGNORE INTO item_gtins (tenant_id, gtin, sku)
  SELECT i.tenant_id, LPAD(j.gtin, 14, '0'), i.sku
  FROM items i, JSON_TABLE(i.packs, '$[*]' COLUMNS (gtin VARCHAR(14) PATH '$.gtin')) AS j
  ORDER BY i.tenant_id, i.sku;
