-- Which edge agent installation pushes for a store, and when it was last heard from: a second
-- agent using the same store credential is refused instead of interleaving its ledger.
ALTER TABLE stores
  ADD COLUMN agent_instance VARCHAR(64) NULL,
  ADD COLUMN agent_seen_at DATETIME(6) NULL;
