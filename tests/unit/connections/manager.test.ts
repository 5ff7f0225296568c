import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createDispatcher, type Dispatch } from '../../../src/main/api/dispatcher'
import { createHandlers } from '../../../src/main/api/handlers'
import { loadBootLayers } from '../../../src/main/sync/config/layers'
import { createSyncSystem, type SyncSystem } from '../../../src/main/sync/system'
import type { ConnectionInfo, Envelope } from '../../../src/shared/contract'

/** CRUD rules of saved connections against a real (temp) metadata store; no MySQL needed. */

let system: SyncSystem
let dispatch: Dispatch
let dataDir: string

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'dbt-conn-unit-'))
  system = createSyncSystem({ layers: loadBootLayers({ env: { DBT_DATA_DIR: dataDir } }), mode: 'headless', consoleLog: false })
  dispatch = createDispatcher(createHandlers(system), system.logger)
})
afterEach(async () => {
  await system.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

const ok = async <T>(method: string, input: unknown): Promise<T> => {
  const r = (await dispatch(method, input)) as Envelope<T>
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`)
  return r.data
}
const code = async (method: string, input: unknown): Promise<string | null> => {
  const r = await dispatch(method, input)
  return r.ok ? null : r.error.code
}

const base = { host: '127.0.0.1', user: 'app', password: 's3cret-value' }

function addSync(id: string, source: string, target: string): void {
  system.db
    .prepare(
      `INSERT INTO sync_configs (id, name, source_connection_id, target_connection_id, source_database, target_database, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'a', 'b', 0, 0)`
    )
    .run(id, `sync-${id}`, source, target)
}

describe('connections CRUD', () => {
  it('creates, lists, gets and updates without ever returning a secret', async () => {
    const c = await ok<ConnectionInfo>('connections.create', { name: 'One', ...base, database: 'shop' })
    expect(c).toMatchObject({ name: 'One', port: 3306, passwordSet: true, database: 'shop', readOnly: false, health: { state: 'idle' } })
    expect(await ok<ConnectionInfo[]>('connections.list', {})).toEqual([c])
    expect(await ok('connections.get', { id: c.id })).toEqual(c)
    const u = await ok<ConnectionInfo>('connections.update', { id: c.id, port: 3307, readOnly: true })
    expect(u).toMatchObject({ port: 3307, readOnly: true, passwordSet: true, createdAt: c.createdAt })
    expect(system.connections.resolve(c.id).password).toBe('s3cret-value')
    const cleared = await ok<ConnectionInfo>('connections.update', { id: c.id, password: '' })
    expect(cleared.passwordSet).toBe(false)
    expect(system.connections.resolve(c.id).password).toBe('')
    const row = system.db.prepare('SELECT secrets, options FROM connections WHERE id = ?').get(c.id) as { secrets: Buffer | null; options: string }
    expect(row.secrets).toBeNull()
    expect(JSON.stringify([c, u])).not.toContain('s3cret-value')
  })

  it('refuses duplicate names, in any case, with CONFLICT', async () => {
    const a = await ok<ConnectionInfo>('connections.create', { name: 'Prod', ...base })
    expect(await code('connections.create', { name: 'prod', ...base })).toBe('CONFLICT')
    const b = await ok<ConnectionInfo>('connections.create', { name: 'Staging', ...base })
    expect(await code('connections.update', { id: b.id, name: 'PROD' })).toBe('CONFLICT')
    expect(await code('connections.update', { id: a.id, name: 'PROD' })).toBeNull() // renaming itself is fine
  })

  it('answers NOT_FOUND for unknown ids and VALIDATION for bad input', async () => {
    expect(await code('connections.get', { id: 'nope' })).toBe('NOT_FOUND')
    expect(await code('connections.update', { id: 'nope', port: 1 })).toBe('NOT_FOUND')
    expect(await code('connections.delete', { id: 'nope' })).toBe('NOT_FOUND')
    expect(await code('connections.test', { id: 'nope' })).toBe('NOT_FOUND')
    expect(await code('connections.create', { name: 'x', host: '', user: 'u' })).toBe('VALIDATION')
    expect(await code('connections.test', { draft: { password: 'x' } })).toBe('VALIDATION')
  })

  it('refuses to delete a connection in use unless cascading, then deletes its syncs too', async () => {
    const src = await ok<ConnectionInfo>('connections.create', { name: 'src', ...base })
    const dst = await ok<ConnectionInfo>('connections.create', { name: 'dst', ...base })
    addSync('s1', src.id, dst.id)
    addSync('s2', dst.id, src.id)
    const refused = await dispatch('connections.delete', { id: src.id })
    expect(refused.ok).toBe(false)
    if (!refused.ok) {
      expect(refused.error.code).toBe('IN_USE')
      expect(refused.error.message).toContain('sync-s1')
      expect(refused.error.details).toEqual({ syncs: [{ id: 's1', name: 'sync-s1' }, { id: 's2', name: 'sync-s2' }] })
    }
    expect(await ok('connections.delete', { id: src.id, cascade: true })).toEqual({
      id: src.id,
      deletedSyncs: [
        { id: 's1', name: 'sync-s1' },
        { id: 's2', name: 'sync-s2' }
      ]
    })
    expect((system.db.prepare('SELECT COUNT(*) AS n FROM sync_configs').get() as { n: number }).n).toBe(0)
    expect(await ok('connections.delete', { id: dst.id })).toEqual({ id: dst.id, deletedSyncs: [] })
    expect(await ok('connections.list', {})).toEqual([])
  })

  it('refuses a read-only connection as a sync target', async () => {
    const c = await ok<ConnectionInfo>('connections.create', { name: 'prod', ...base, readOnly: true })
    expect(() => system.connections.assertWritableTarget(c.id)).toThrow(expect.objectContaining({ code: 'READ_ONLY_TARGET' }))
    const w = await ok<ConnectionInfo>('connections.create', { name: 'copy', ...base })
    expect(() => system.connections.assertWritableTarget(w.id)).not.toThrow()
  })

  it('counts connections in the status document', async () => {
    await ok('connections.create', { name: 'a', ...base })
    expect(system.status().counters).toMatchObject({ connections: 1, connectedConnections: 0 })
  })
})
