-- Shardable by store (issue 15, docs/scale.md): every store-scoped table leads its primary key
-- with store_id, so one store's rows are one contiguous key range that can move to another
-- database (a Vitess keyspace sharded on store_id, or another cluster) without touching any
-- other store. Lookups by token hash or reservation id keep a secondary key of their own (in a
-- sharded deployment: a lookup vindex). Each statement is one ALTER (atomic on its own); a re-run
-- fails with "duplicate key name" and is taken as done (migrate.ts).
ALTER TABLE store_tokens
  DROP PRIMARY KEY,
  ADD PRIMARY KEY (store_id, token_hash),
  ADD KEY store_tokens_hash (token_hash);

ALTER TABLE reservations
  DROP PRIMARY KEY,
  ADD PRIMARY KEY (store_id, id),
  ADD KEY reservations_id (id);
