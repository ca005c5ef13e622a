-- The print queue. A job's id is the client's idempotency key: the same id never prints twice,
-- across retries and restarts. `zpl` is what was rendered when the job was accepted, so the
-- labels that print are the ones that were checked (and a reprint repeats them exactly).
CREATE TABLE print_jobs (
  id           TEXT PRIMARY KEY,
  printer_id   TEXT NOT NULL,
  template     TEXT NOT NULL,
  items        TEXT NOT NULL,      -- JSON [{sku, copies}] as requested ([] for a test print)
  fingerprint  TEXT NOT NULL,      -- printer, template and items: a replayed id must match it
  zpl          TEXT NOT NULL,
  labels       INTEGER NOT NULL,   -- labels the job prints (sum of copies)
  status       TEXT NOT NULL CHECK (status IN ('queued', 'printing', 'done', 'failed', 'uncertain')),
  source       TEXT NOT NULL,      -- 'api', 'price-change', 'test-print', 'reprint'
  actor        TEXT,
  error        TEXT,               -- why it failed or is uncertain; the last printer problem while queued
  attempts     INTEGER NOT NULL DEFAULT 0,
  reprint_of   TEXT,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  printed_at   TEXT
);
CREATE INDEX print_jobs_pending ON print_jobs (printer_id, status, created_at);
CREATE INDEX print_jobs_created ON print_jobs (created_at);
