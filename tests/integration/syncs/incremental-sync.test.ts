import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDispatcher, type Dispatch } from '../../../src/main/api/dispatcher'
import { createHandlers } from '../../../src/main/api/handlers'
import { loadBootLayers } from '../../../src/main/sync/config/layers'
import { createSyncSystem, type SyncSystem } from '../../../src/main/sync/system'
import { prometheusText } from '../../../src/main/headless/metrics'
import type { SyncConfig, SyncPlan } from '../../../src/shared/contract'
import type { PrivateServer } from '../../helpers/mariadb'
import { connect, createDb, expectSameTable, privateServer } from '../engine/support'

/**
 * A saved sync with an incremental table, through the API as the UI and `serve` use it (issue 13
 * items 1 and 7): the mapping keeps its mode and cursor, syncs.plan names where the next run reads
 * from, each job's table carries inserted/updated/repaired and the watermark before and after, and
 * deleting the sync forgets its watermarks.
 */

let server: PrivateServer
let system: SyncSystem
let dispatch: Dispatch
let dataDir: string
let s: Connection
let t: Connection
let sourceId: string
let targetId: string

async function call<T>(method: string, input: unknown): Promise<T> {
  const r = await dispatch(method, input)
  if (!r.ok) throw Object.assign(new Error(`${r.error.code}: ${r.error.message}`), { code: r.error.code })
  return r.data as T
}

beforeAll(async () => {
  server = await privateServer([])
  await createDb(server, 'app')
  await createDb(server, 'replica')
  s = await connect(server, 'app')
  t = await connect(server, 'replica')
  await s.query('CREATE TABLE orders (id INT PRIMARY KEY, total DECIMAL(10,2) NOT NULL, updated_at DATETIME(6) NOT NULL, KEY (updated_at))')
  await s.query("INSERT INTO orders SELECT seq, seq / 4, '2026-08-01' + INTERVAL seq SECOND FROM seq_1_to_5000")
  dataDir = mkdtempSync(join(tmpdir(), 'dbt-incr-sync-'))
  // No lag window: this server's clock is the only one, and the counts below are exact.
  system = createSyncSystem({ layers: loadBootLayers({ env: { DBT_DATA_DIR: dataDir, DBT_SYNC_INCREMENTAL_LAG: '0s' } }), mode: 'headless', consoleLog: false })
  await system.start()
  dispatch = createDispatcher(createHandlers(system), system.logger)
  const base = { host: server.host, port: server.port, user: server.user, password: server.password }
  sourceId = (await call<{ id: string }>('connections.create', { name: 'app', ...base })).id
  targetId = (await call<{ id: string }>('connections.create', { name: 'replica', ...base })).id
}, 120_000)

afterAll(async () => {
  await system?.stop(5000)
  await s?.end()
  await t?.end()
  await server?.stop()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe('a saved incremental sync', () => {
  it('keeps mode and cursor, plans, runs, carries only the changes, and forgets its watermarks when deleted', async () => {
    const bad = await dispatch('syncs.create', {
      name: 'no cursor',
      sourceConnectionId: sourceId,
      targetConnectionId: targetId,
      sourceDatabase: 'app',
      targetDatabase: 'replica',
      tables: [{ source: 'orders', mode: 'incremental' }]
    })
    expect(bad.ok === false && bad.error.code).toBe('VALIDATION')

    const sync = await call<SyncConfig>('syncs.create', {
      name: 'orders replica',
      sourceConnectionId: sourceId,
      targetConnectionId: targetId,
      sourceDatabase: 'app',
      targetDatabase: 'replica',
      tables: [{ source: 'orders', mode: 'incremental', cursor: ['updated_at'] }]
    })
    expect(sync.tables).toEqual([{ source: 'orders', mode: 'incremental', cursor: ['updated_at'] }])
    expect((await call<SyncConfig>('syncs.get', { id: sync.id })).tables?.[0]).toEqual({ source: 'orders', mode: 'incremental', cursor: ['updated_at'] })

    const before = await call<SyncPlan>('syncs.plan', { id: sync.id })
    expect(before.tables[0]).toMatchObject({ mode: 'incremental', cursor: ['updated_at'], watermark: null, action: 'create' })
    expect(before.tables[0]!.notes.join('\n')).toMatch(/copied whole this time/)

    const first = await system.jobs.wait((await call<{ jobId: string }>('syncs.run', { id: sync.id })).jobId)
    expect(first.status).toBe('succeeded')
    expect(first.tables[0]).toMatchObject({ mode: 'incremental', inserted: 5000, verified: true, watermark: { before: null, after: ['2026-08-01 01:23:20.000000'] } })
    await expectSameTable(s, 'app', 'orders', t, 'replica')

    const planned = await call<SyncPlan>('syncs.plan', { id: sync.id })
    expect(planned.tables[0]).toMatchObject({ action: 'upsert', watermark: ['2026-08-01 01:23:20.000000'] })
    expect(planned.replaces).toEqual([])
    expect(planned.problems).toEqual([])
    expect((await call<{ ok: boolean }>('syncs.validate', { id: sync.id })).ok).toBe(true)

    await s.query("UPDATE orders SET total = total + 1, updated_at = '2026-08-02' WHERE id IN (1, 2, 3)")
    await s.query("UPDATE orders SET total = 0 WHERE id = 4000")
    await s.query("INSERT INTO orders VALUES (9001, 1, '2026-08-02 00:00:01')")
    const second = await system.jobs.wait((await call<{ jobId: string }>('syncs.run', { id: sync.id })).jobId)
    expect(second.status).toBe('succeeded')
    expect(second.tables[0]).toMatchObject({
      inserted: 1,
      updated: 3,
      repaired: 1,
      verified: true,
      watermark: { before: ['2026-08-01 01:23:20.000000'], after: ['2026-08-02 00:00:01.000000'] }
    })
    await expectSameTable(s, 'app', 'orders', t, 'replica')
    // The metrics carry what the runs changed.
    expect(system.status().counters.rows).toEqual({ inserted: 5001, updated: 3, deleted: 0, repaired: 1 })
    expect(prometheusText(system.status())).toContain('dbtaxi_rows_changed{kind="repaired"} 1')

    await call('syncs.delete', { id: sync.id })
    expect(system.jobs.watermarks.forSync(sync.id)).toEqual([])
  })
})
