-- Fewer index entries per replicated movement (issue 15, docs/scale.md "Where the time goes").
-- Every index is written on each ingest: a catch-up of 400 movements also creates a few hundred
-- stock rows, and each of their index entries costs the database about as much as a movement's.

-- movements (tenant_id, sku): no query reads movements by tenant and sku (reports go through
-- the store's key, receiving through (store_id, ref)).
ALTER TABLE movements DROP KEY movements_tenant_sku;

-- stock: one index serves the cross-store lookup by sku (GET /v1/stock?sku=, with or without a
-- tenant) instead of two.
ALTER TABLE stock DROP KEY stock_tenant_sku, DROP KEY stock_sku, ADD KEY stock_sku_tenant (sku, tenant_id);
