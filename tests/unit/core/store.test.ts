import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../../src/shared/errors'
import { openStore } from '../../../src/main/sync/store/database'
import { MIGRATIONS, LATEST_SCHEMA_VERSION, type Migration } from '../../../src/main/sync/store/migrations'
import { SettingsRepository } from '../../../src/main/sync/store/settings-repository'

const storePath = (): string => join(mkdtempSync(join(tmpdir(), 'dbt-store-')), 'db-taxi.sqlite')

describe('metadata store migrations', () => {
  it('creates every table on a fresh store, with WAL and foreign keys on', () => {
    const { db, migrations } = openStore({ path: storePath() })
    expect(migrations).toEqual({ from: 0, to: LATEST_SCHEMA_VERSION, applied: MIGRATIONS.map((m) => m.version) })
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as { name: string }[]).map((r) => r.name)
    for (const t of ['connections', 'sync_configs', 'table_mappings', 'jobs', 'job_tables', 'job_logs', 'schedules', 'settings', 'schema_migrations']) {
      expect(tables).toContain(t)
    }
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    db.close()
  })

  it('runs nothing again on a second open and keeps what was stored', () => {
    const path = storePath()
    const first = openStore({ path })
    new SettingsRepository(first.db).save({ 'sync.max_concurrency': 4 })
    first.db.close()
    const second = openStore({ path })
    expect(second.migrations.applied).toEqual([])
    expect(second.migrations.from).toBe(LATEST_SCHEMA_VERSION)
    expect(new SettingsRepository(second.db).all()).toEqual({ 'sync.max_concurrency': 4 })
    const count = (second.db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number }).n
    expect(count).toBe(MIGRATIONS.length)
    second.db.close()
  })

  it('applies only the new migrations to an older store', () => {
    const path = storePath()
    openStore({ path, migrations: MIGRATIONS.slice(0, 1) }).db.close()
    const extra: Migration = { version: LATEST_SCHEMA_VERSION + 1, name: 'test column', sql: 'ALTER TABLE settings ADD COLUMN note TEXT' }
    const { db, migrations } = openStore({ path, migrations: [...MIGRATIONS, extra] })
    expect(migrations.applied).toEqual([...MIGRATIONS.slice(1).map((m) => m.version), extra.version])
    db.close()
  })

  it('rolls back a failing migration as a whole', () => {
    const path = storePath()
    openStore({ path }).db.close()
    const bad: Migration = {
      version: LATEST_SCHEMA_VERSION + 1,
      name: 'half broken',
      sql: 'CREATE TABLE half (x INT); INSERT INTO no_such_table VALUES (1);'
    }
    expect(() => openStore({ path, migrations: [...MIGRATIONS, bad] })).toThrow(/no_such_table/)
    const db = new Database(path)
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name='half'").get()).toBeUndefined()
    expect((db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number }).v).toBe(LATEST_SCHEMA_VERSION)
    db.close()
  })

  it('refuses a store written by a newer version and leaves it untouched', () => {
    const path = storePath()
    const { db } = openStore({ path })
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(999, 'from the future', 1)
    db.close()
    const before = new Database(path, { readonly: true })
    const dumpBefore = JSON.stringify(before.prepare('SELECT * FROM schema_migrations').all())
    before.close()
    let caught: unknown
    try {
      openStore({ path })
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(AppError)
    expect((caught as AppError).code).toBe('STORE_TOO_NEW')
    expect((caught as AppError).message).toMatch(/newer DB-Taxi.*999.*untouched/)
    const after = new Database(path, { readonly: true })
    expect(JSON.stringify(after.prepare('SELECT * FROM schema_migrations').all())).toBe(dumpBefore)
    after.close()
  })

  it('enforces foreign keys (a job table row needs its job)', () => {
    const { db } = openStore({ path: storePath() })
    expect(() =>
      db
        .prepare("INSERT INTO job_tables (job_id, position, source_table, target_table, mode, status) VALUES ('nope', 0, 'a', 'a', 'full', 'pending')")
        .run()
    ).toThrow(/FOREIGN KEY/)
    db.close()
  })
})

describe('store file', () => {
  it('is readable by its owner only', async () => {
    const { statSync } = await import('node:fs')
    const path = storePath()
    const { db } = openStore({ path })
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600)
    db.close()
  })
})
