-- Identity of this ledger: made once when the database is created, kept by backups and
-- restores. The cloud can tell a restored ledger (same id) from another agent (other id).
ALTER TABLE replication_state ADD COLUMN ledger_id TEXT;
UPDATE replication_state SET ledger_id = lower(hex(randomblob(16))) WHERE id = 1;
