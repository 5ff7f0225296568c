/**
 * Numbered migrations of the metadata store. Append only: a published migration is never edited,
 * because stores in the field have already run it. Each runs in its own transaction.
 */
export interface Migration {
  version: number
  name: string
  sql: string
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE connections (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
  host        TEXT NOT NULL,
  port        INTEGER NOT NULL,
  user        TEXT NOT NULL,
  database    TEXT,
  read_only   INTEGER NOT NULL DEFAULT 0,
  options     TEXT NOT NULL DEFAULT '{}',   -- JSON: tls, ssh (minus secrets), timeouts, pool size
  secrets     BLOB,                         -- sealed JSON of passwords, passphrases, keys
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);

CREATE TABLE sync_configs (
  id                     TEXT PRIMARY KEY,
  name                   TEXT NOT NULL UNIQUE COLLATE NOCASE,
  source_connection_id   TEXT NOT NULL REFERENCES connections(id) ON DELETE RESTRICT,
  target_connection_id   TEXT NOT NULL REFERENCES connections(id) ON DELETE RESTRICT,
  source_database        TEXT NOT NULL,
  target_database        TEXT NOT NULL,
  all_tables             TEXT,                    -- JSON {include, exclude} or NULL for an explicit list
  options                TEXT NOT NULL DEFAULT '{}',
  created_at             INTEGER NOT NULL,
  updated_at             INTEGER NOT NULL
);

CREATE TABLE table_mappings (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  sync_id          TEXT NOT NULL REFERENCES sync_configs(id) ON DELETE CASCADE,
  position         INTEGER NOT NULL,
  source_table     TEXT NOT NULL,
  target_table     TEXT,
  where_filter     TEXT,
  exclude_columns  TEXT NOT NULL DEFAULT '[]',
  mode             TEXT NOT NULL DEFAULT 'full',
  options          TEXT NOT NULL DEFAULT '{}',
  UNIQUE (sync_id, source_table)
);

CREATE TABLE schedules (
  id            TEXT PRIMARY KEY,
  sync_id       TEXT NOT NULL REFERENCES sync_configs(id) ON DELETE CASCADE,
  kind          TEXT NOT NULL CHECK (kind IN ('cron', 'interval')),
  expression    TEXT,
  interval_ms   INTEGER,
  timezone      TEXT,
  enabled       INTEGER NOT NULL DEFAULT 1,
  catch_up      INTEGER NOT NULL DEFAULT 0,
  last_run_at   INTEGER,
  next_run_at   INTEGER,
  created_at    INTEGER NOT NULL
);

CREATE TABLE jobs (
  id               TEXT PRIMARY KEY,
  sync_id          TEXT REFERENCES sync_configs(id) ON DELETE SET NULL,
  status           TEXT NOT NULL CHECK (status IN ('queued','running','succeeded','failed','cancelled','interrupted')),
  trigger          TEXT NOT NULL DEFAULT 'manual',
  config_snapshot  TEXT NOT NULL DEFAULT '{}',
  error            TEXT,
  attempts         INTEGER NOT NULL DEFAULT 0,
  retry_of         TEXT REFERENCES jobs(id) ON DELETE SET NULL,
  created_at       INTEGER NOT NULL,
  started_at       INTEGER,
  finished_at      INTEGER
);
CREATE INDEX jobs_status ON jobs(status);
CREATE INDEX jobs_sync_created ON jobs(sync_id, created_at);
CREATE INDEX jobs_created ON jobs(created_at);

CREATE TABLE job_tables (
  job_id            TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  position          INTEGER NOT NULL,
  source_table      TEXT NOT NULL,
  target_table      TEXT NOT NULL,
  mode              TEXT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('pending','copying','verifying','done','failed','skipped')),
  rows_estimated    INTEGER NOT NULL DEFAULT 0,
  rows_read         INTEGER NOT NULL DEFAULT 0,
  rows_written      INTEGER NOT NULL DEFAULT 0,
  inserted          INTEGER NOT NULL DEFAULT 0,
  updated           INTEGER NOT NULL DEFAULT 0,
  deleted           INTEGER NOT NULL DEFAULT 0,
  bytes             INTEGER NOT NULL DEFAULT 0,
  keyless           INTEGER NOT NULL DEFAULT 0,
  verified          INTEGER,                -- 1, 0, or NULL where verification does not apply
  first_difference  TEXT,
  error             TEXT,
  checkpoint        TEXT,                   -- JSON: last committed chunk boundary, shadow table name
  started_at        INTEGER,
  finished_at       INTEGER,
  PRIMARY KEY (job_id, position)
);

CREATE TABLE job_logs (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id      TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  ts          INTEGER NOT NULL,
  level       TEXT NOT NULL,
  table_name  TEXT,
  message     TEXT NOT NULL
);
CREATE INDEX job_logs_job ON job_logs(job_id, id);

CREATE TABLE settings (
  key         TEXT PRIMARY KEY,
  value       TEXT NOT NULL,                -- JSON
  updated_at  INTEGER NOT NULL
);
`
  },
  {
    version: 2,
    name: 'table states ready and cancelled',
    // SQLite cannot change a CHECK constraint in place: the table is rebuilt with the wider one.
    sql: `
CREATE TABLE job_tables_v2 (
  job_id            TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  position          INTEGER NOT NULL,
  source_table      TEXT NOT NULL,
  target_table      TEXT NOT NULL,
  mode              TEXT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('pending','copying','verifying','ready','done','failed','cancelled','skipped')),
  rows_estimated    INTEGER NOT NULL DEFAULT 0,
  rows_read         INTEGER NOT NULL DEFAULT 0,
  rows_written      INTEGER NOT NULL DEFAULT 0,
  inserted          INTEGER NOT NULL DEFAULT 0,
  updated           INTEGER NOT NULL DEFAULT 0,
  deleted           INTEGER NOT NULL DEFAULT 0,
  bytes             INTEGER NOT NULL DEFAULT 0,
  keyless           INTEGER NOT NULL DEFAULT 0,
  verified          INTEGER,
  first_difference  TEXT,
  error             TEXT,
  checkpoint        TEXT,
  started_at        INTEGER,
  finished_at       INTEGER,
  PRIMARY KEY (job_id, position)
);
INSERT INTO job_tables_v2 SELECT job_id, position, source_table, target_table, mode, status, rows_estimated, rows_read, rows_written,
  inserted, updated, deleted, bytes, keyless, verified, first_difference, error, checkpoint, started_at, finished_at FROM job_tables;
DROP TABLE job_tables;
ALTER TABLE job_tables_v2 RENAME TO job_tables;
`
  },
  {
    version: 3,
    name: 'watermarks of incremental runs',
    // One row per (who reads, source table, target table): a saved sync's own rows go with it
    // (sync_id cascades); one-shot CLI runs share scope 'cli' and are told apart by the servers'
    // identities. value is the cursor as the source server renders it (JSON array of text), never a
    // JS Date, so DATETIME(6) keeps its microseconds.
    sql: `
CREATE TABLE watermarks (
  scope           TEXT NOT NULL,
  sync_id         TEXT REFERENCES sync_configs(id) ON DELETE CASCADE,
  source_server   TEXT NOT NULL,
  source_database TEXT NOT NULL,
  source_table    TEXT NOT NULL,
  target_server   TEXT NOT NULL,
  target_database TEXT NOT NULL,
  target_table    TEXT NOT NULL,
  cursor_columns  TEXT NOT NULL,
  value           TEXT NOT NULL,
  job_id          TEXT,
  updated_at      INTEGER NOT NULL,
  PRIMARY KEY (scope, source_server, source_database, source_table, target_server, target_database, target_table)
);
CREATE INDEX watermarks_by_sync ON watermarks(sync_id);
`
  },
  {
    version: 4,
    name: 'per-table repairs and watermarks of a job',
    // What verification put right, and the watermark an incremental table read from and recorded
    // (JSON {before, after}, each an array of the source's text or null).
    sql: `
ALTER TABLE job_tables ADD COLUMN repaired INTEGER NOT NULL DEFAULT 0;
ALTER TABLE job_tables ADD COLUMN watermark TEXT;
`
  },
  {
    version: 5,
    name: 'all schedules paused',
    // One row: whether the operator paused every schedule (the tray's Pause all schedules). Kept in
    // the store, so a pause outlives a restart, and apart from each schedule's own enabled flag, so
    // resuming brings back exactly the schedules that were on.
    sql: `
CREATE TABLE scheduler_state (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  paused     INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);
`
  }
]

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version
