import { chmodSync, existsSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { AppError } from '../../../shared/errors'
import { ConfigError } from '../config/config-error'
import { MIGRATIONS, type Migration } from './migrations'

export type Db = Database.Database

export interface OpenStoreOptions {
  path: string
  /**
   * Path of another better_sqlite3.node (DB_TAXI_SQLITE_BINDING in the desktop app). Normally unset:
   * better-sqlite3's prebuilt N-API binary loads in Node and Electron alike.
   */
  nativeBinding?: string
  migrations?: Migration[]
}

export interface MigrationReport {
  from: number
  to: number
  applied: number[]
}

/** Opens (creating when missing) the metadata store and brings its schema up to date. */
export function openStore(opts: OpenStoreOptions): { db: Db; migrations: MigrationReport } {
  if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true, mode: 0o700 })
  let db: Db
  try {
    db = new Database(opts.path, opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {})
  } catch (err) {
    throw cannotOpen(opts.path, err)
  }
  try {
    try {
      // The first statement reads the file: a directory, a file that is no database, or one we
      // may not write fails here.
      db.pragma('journal_mode = WAL')
    } catch (err) {
      throw cannotOpen(opts.path, err)
    }
    // The store holds sealed secrets and the job history: nobody else on the machine needs to read it.
    if (opts.path !== ':memory:') tightenMode(opts.path)
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    db.pragma('synchronous = NORMAL')
    const migrations = migrate(db, opts.migrations ?? MIGRATIONS, opts.path)
    return { db, migrations }
  } catch (err) {
    db.close()
    throw err
  }
}

export function currentVersion(db: Db): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`)
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }
  return row.v ?? 0
}

/**
 * Applies the migrations the store has not seen, each in its own transaction. A store written by a
 * newer DB-Taxi is refused untouched: guessing at a future schema is how metadata gets corrupted.
 */
export function migrate(db: Db, migrations: Migration[], path: string): MigrationReport {
  const from = currentVersion(db)
  const known = migrations.length ? migrations[migrations.length - 1]!.version : 0
  if (from > known) {
    throw new AppError(
      'STORE_TOO_NEW',
      `The metadata store ${path} was written by a newer DB-Taxi (schema version ${from}; this version knows up to ${known}). ` +
        'It was left untouched. Upgrade DB-Taxi, or point --data-dir at another directory.',
      { storeVersion: from, knownVersion: known }
    )
  }
  const applied: number[] = []
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
  for (const m of migrations) {
    if (m.version <= from) continue
    db.transaction(() => {
      db.exec(m.sql)
      record.run(m.version, m.name, Date.now())
    })()
    applied.push(m.version)
  }
  return { from, to: Math.max(from, known), applied }
}

/** One line naming the file and what to do, instead of better-sqlite3's stack (the CLI exits 2). */
function cannotOpen(path: string, err: unknown): ConfigError {
  const code = (err as { code?: string }).code
  return new ConfigError(
    `cannot open the metadata store ${path}: ${(err as Error).message}${code ? ` (${code})` : ''}; fix or move it, or point --data-dir at another directory`
  )
}

function tightenMode(path: string): void {
  for (const p of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      if (existsSync(p)) chmodSync(p, 0o600)
    } catch {
      // A store on a filesystem without modes (or owned by someone else) still works.
    }
  }
}
