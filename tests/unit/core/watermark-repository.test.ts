import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openStore, type Db } from '../../../src/main/sync/store/database'
import { syncScope, WatermarkRepository, type WatermarkKey } from '../../../src/main/sync/store/watermark-repository'

describe('WatermarkRepository', () => {
  let db: Db
  let repo: WatermarkRepository
  beforeEach(() => {
    db = openStore({ path: join(mkdtempSync(join(tmpdir(), 'dbt-wm-')), 'db-taxi.sqlite') }).db
    const now = Date.now()
    db.prepare("INSERT INTO connections (id, name, host, port, user, created_at, updated_at) VALUES ('c1', 'src', '127.0.0.1', 3306, 'root', ?, ?)").run(now, now)
    db.prepare(
      "INSERT INTO sync_configs (id, name, source_connection_id, target_connection_id, source_database, target_database, created_at, updated_at) VALUES ('s1', 'nightly', 'c1', 'c1', 'shop', 'copy', ?, ?)"
    ).run(now, now)
    repo = new WatermarkRepository(db)
  })
  afterEach(() => db.close())

  const key = (o: Partial<WatermarkKey> = {}): WatermarkKey => ({
    scope: syncScope('s1'),
    syncId: 's1',
    sourceServer: 'uuid-a',
    sourceDatabase: 'shop',
    sourceTable: 'orders',
    targetServer: 'uuid-b',
    targetDatabase: 'copy',
    targetTable: 'orders',
    ...o
  })

  it('keeps the cursor as the server wrote it, microseconds and all, and replaces it on the next save', () => {
    expect(repo.get(key())).toBeNull()
    repo.save(key(), { cursorColumns: ['updated_at', 'id'], value: ['2026-12-03 10:00:00.123456', '18446744073709551615'], jobId: 'j1' }, 1000)
    expect(repo.get(key())).toEqual({ cursorColumns: ['updated_at', 'id'], value: ['2026-12-03 10:00:00.123456', '18446744073709551615'], jobId: 'j1', updatedAt: 1000 })
    repo.save(key(), { cursorColumns: ['updated_at', 'id'], value: ['2026-12-03 10:05:00.000001', '7'], jobId: 'j2' }, 2000)
    expect(repo.get(key())?.value).toEqual(['2026-12-03 10:05:00.000001', '7'])
    expect(repo.forSync('s1')).toHaveLength(1)
  })

  it('tells apart the same table names on other servers, targets and one-shot runs', () => {
    repo.save(key(), { cursorColumns: ['id'], value: ['10'], jobId: null })
    repo.save(key({ sourceServer: 'uuid-c' }), { cursorColumns: ['id'], value: ['20'], jobId: null })
    repo.save(key({ targetTable: 'orders_copy' }), { cursorColumns: ['id'], value: ['30'], jobId: null })
    repo.save(key({ scope: 'cli', syncId: null }), { cursorColumns: ['id'], value: ['40'], jobId: null })
    expect(repo.get(key())?.value).toEqual(['10'])
    expect(repo.get(key({ sourceServer: 'uuid-c' }))?.value).toEqual(['20'])
    expect(repo.get(key({ targetTable: 'orders_copy' }))?.value).toEqual(['30'])
    expect(repo.get(key({ scope: 'cli', syncId: null }))?.value).toEqual(['40'])
    expect(repo.reset(key({ scope: 'cli', syncId: null }))).toBe(true)
    expect(repo.get(key({ scope: 'cli', syncId: null }))).toBeNull()
    expect(repo.reset(key({ scope: 'cli', syncId: null }))).toBe(false)
  })

  it("goes with its sync: deleting the sync deletes its watermarks, not the CLI's", () => {
    repo.save(key(), { cursorColumns: ['id'], value: ['10'], jobId: null })
    repo.save(key({ scope: 'cli', syncId: null }), { cursorColumns: ['id'], value: ['40'], jobId: null })
    db.prepare("DELETE FROM sync_configs WHERE id = 's1'").run()
    expect(repo.get(key())).toBeNull()
    expect(repo.get(key({ scope: 'cli', syncId: null }))?.value).toEqual(['40'])
  })

  it('refuses a watermark with more values than cursor columns, or none; a held-back tuple keeps its leading value', () => {
    expect(() => repo.save(key(), { cursorColumns: ['a'], value: ['1', '2'], jobId: null })).toThrow(/a value for its leading cursor column/)
    expect(() => repo.save(key(), { cursorColumns: [], value: [], jobId: null })).toThrow(/a value for its leading cursor column/)
    expect(() => repo.save(key(), { cursorColumns: ['a', 'b'], value: [], jobId: null })).toThrow(/a value for its leading cursor column/)
    expect(repo.get(key())).toBeNull()
    repo.save(key(), { cursorColumns: ['a', 'b'], value: ['1'], jobId: null })
    expect(repo.get(key())).toMatchObject({ cursorColumns: ['a', 'b'], value: ['1'] })
  })

  it('serves the engine a store per scope: load, save and reset by table pair', () => {
    const store = repo.store('cli', null, 'job-1')
    const ref = { sourceServer: 's1', targetServer: 't1', sourceDatabase: 'shop', targetDatabase: 'copy', source: 'orders', target: 'orders' }
    expect(store.load(ref)).toBeNull()
    store.save(ref, { cursorColumns: ['updated_at'], value: ['2026-01-01 00:00:00.000001'] })
    expect(store.load(ref)).toEqual({ cursorColumns: ['updated_at'], value: ['2026-01-01 00:00:00.000001'] })
    expect(repo.store('sync:x', null).load(ref)).toBeNull()
    expect(store.load({ ...ref, targetServer: 't2' })).toBeNull()
    store.reset(ref)
    expect(store.load(ref)).toBeNull()
  })
})
