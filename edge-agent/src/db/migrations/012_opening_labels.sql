-- Labels ready before opening (issue 19): one row per store-local opening date. The row is
-- inserted in the same transaction as the batch's print jobs, so the primary key makes the
-- batch for a day once, across restarts and whatever the clock does.
CREATE TABLE opening_label_batches (
  opening_date      TEXT PRIMARY KEY,   -- store-local date of the opening the labels are for
  opening_at        TEXT NOT NULL,      -- that opening as an instant (UTC, ISO 8601)
  prepared_at       TEXT NOT NULL,      -- when the batch was queued
  skus              INTEGER NOT NULL,   -- items labelled
  labels            INTEGER NOT NULL,   -- labels queued over all printers
  job_ids           TEXT NOT NULL,      -- JSON array: the batch's print jobs (one per printer)
  price_change_ids  TEXT NOT NULL,      -- JSON array: head-office price changes these labels show
  printed_at        TEXT,               -- when the last job of the batch was printed
  reported_at       TEXT,               -- when the cloud acknowledged the printed report
  report_attempts   INTEGER NOT NULL DEFAULT 0,
  report_error      TEXT
);
-- Reports waiting for the cloud (printed, not acknowledged): the sender's work list.
CREATE INDEX opening_label_batches_unreported ON opening_label_batches (printed_at)
  WHERE printed_at IS NOT NULL AND reported_at IS NULL;
