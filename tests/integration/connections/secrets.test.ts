import { statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AesGcmSecretBox } from '../../../src/main/sync/secrets'
import type { ConnectionInfo, ConnectionTestReport } from '../../../src/shared/contract'
import { createTestDatabase } from '../../helpers/mariadb'
import { adminQuery, allFiles, call, createUser, removeDir, startSystem, tempDir, waitFor, type TestSystem } from './support'

/**
 * A saved password must be nowhere but sealed: not in any file of the data dir (store, WAL, logs,
 * key file), not in any API answer, not in any event; and after a restart it still works.
 */

describe('connection secrets', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dropUser: () => Promise<void>
  let dataDir: string
  let t: TestSystem
  const suffix = Math.random().toString(36).slice(2, 8)
  const user = `dbt_sec_${suffix}`
  const password = `Zebra-Quartz-${suffix}-Mellow!`
  const wrongPassword = `Wrong-Walrus-${suffix}-Pass`
  const fakeTlsKey = `-----BEGIN PRIVATE KEY-----\nTlsKeyMarker${suffix}\n-----END PRIVATE KEY-----\n`
  const answers: unknown[] = []
  const markers = [password, wrongPassword, `TlsKeyMarker${suffix}`]

  const record = async <T>(method: string, input: unknown): Promise<T> => {
    const res = await t.dispatch(method, input)
    answers.push(res)
    if (!res.ok) throw new Error(`${method} failed: ${res.error.code}: ${res.error.message}`)
    return res.data as T
  }

  beforeAll(async () => {
    db = await createTestDatabase('conn_secrets')
    await adminQuery(db.addr, `CREATE TABLE \`${db.name}\`.t (id INT PRIMARY KEY)`)
    dropUser = await createUser(db.addr, user, password, [`GRANT ALL PRIVILEGES ON \`${db.name}\`.* TO {user}`])
    dataDir = tempDir('secrets')
    // Debug logging on: the strictest case for leaks into log files.
    t = startSystem(dataDir, { DBT_LOGGING_LEVEL: 'debug' })
    await t.system.start()
  })

  afterAll(async () => {
    await t?.stop()
    await dropUser?.()
    await db?.drop()
    removeDir(dataDir)
  })

  it('never shows the password, through every connections.* method', async () => {
    const base = { host: db.addr.host, port: db.addr.port, user, password, database: db.name, tls: { mode: 'disabled', key: fakeTlsKey } }
    const c = await record<ConnectionInfo>('connections.create', { name: 'secret-one', ...base })
    expect(c.passwordSet).toBe(true)
    expect(c.tls.keySet).toBe(true)
    const other = await record<ConnectionInfo>('connections.create', { name: 'secret-two', ...base })
    await record('connections.list', {})
    await record('connections.get', { id: c.id })
    expect((await record<ConnectionTestReport>('connections.test', { id: c.id })).ok).toBe(true)
    expect((await record<ConnectionTestReport>('connections.test', { draft: base })).ok).toBe(true)
    const bad = await record<ConnectionTestReport>('connections.test', { draft: { ...base, password: wrongPassword } })
    expect(bad.error?.code).toBe('AUTH_FAILED')
    // Testing form values of a saved connection: omitted password means the stored one.
    expect((await record<ConnectionTestReport>('connections.test', { id: c.id, draft: { port: db.addr.port } })).ok).toBe(true)
    await record('connections.databases', { id: c.id })
    await record('connections.tables', { id: c.id, database: db.name })
    await record('connections.columns', { id: c.id, database: db.name, table: 't' })
    // An edit without a password keeps the stored one.
    const renamed = await record<ConnectionInfo>('connections.update', { id: c.id, name: 'secret-one-renamed', connectTimeoutMs: 4000 })
    expect(renamed.passwordSet).toBe(true)
    expect((await record<ConnectionTestReport>('connections.test', { id: c.id })).ok).toBe(true)
    await record('connections.databases', { id: c.id })
    await record('connections.delete', { id: other.id })
    // A rejected call (duplicate name) must not echo the input either.
    answers.push(await t.dispatch('connections.create', { name: 'secret-one-renamed', ...base }))

    const text = JSON.stringify(answers)
    for (const m of markers) expect(text).not.toContain(m)
    const events = JSON.stringify(t.events)
    expect(t.events.length).toBeGreaterThan(0)
    for (const m of markers) expect(events).not.toContain(m)
  })

  it('keeps no secret in any file of the data dir, and the key file is private', async () => {
    const scan = (when: string): string[] => {
      const files = allFiles(dataDir)
      for (const f of files) {
        for (const m of markers) {
          expect(f.bytes.indexOf(Buffer.from(m, 'utf8')), `${m} found in ${f.path} (${when})`).toBe(-1)
          expect(f.bytes.indexOf(Buffer.from(m, 'utf16le')), `${m} (UTF-16) found in ${f.path} (${when})`).toBe(-1)
        }
      }
      return files.map((f) => f.path)
    }
    // While running: the store, its WAL and shared memory are all there.
    const live = scan('running')
    expect(live.some((p) => p.endsWith('db-taxi.sqlite-wal'))).toBe(true)
    // After a stop every log line has been flushed to its file.
    await t.stop()
    const stopped = scan('stopped')
    expect(stopped.some((p) => p.endsWith('db-taxi.sqlite'))).toBe(true)
    const logs = allFiles(dataDir).filter((f) => f.path.includes(join('logs', 'db-taxi-')))
    expect(logs.length).toBeGreaterThan(0)
    expect(Buffer.concat(logs.map((l) => l.bytes)).toString()).toContain('connection test failed') // debug lines were written
    expect(statSync(join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600)
    t = startSystem(dataDir)
    await t.system.start()
    const row = t.system.db.prepare("SELECT secrets FROM connections WHERE name = 'secret-one-renamed'").get() as { secrets: Buffer }
    expect(row.secrets.subarray(0, 4).toString()).toBe('DBTS')
  })

  it('closes the pool of an edited or deleted connection', async () => {
    const c = t.system.connections.findByName('secret-one-renamed')!
    await call(t.dispatch, 'connections.databases', { id: c.id }) // the pool now holds a session
    const sessions = async (): Promise<number> =>
      ((await adminQuery(db.addr, 'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ?', [user])) as { n: number }[])[0]!.n
    expect(await sessions()).toBeGreaterThan(0)
    await call(t.dispatch, 'connections.update', { id: c.id, poolSize: 2 })
    expect(t.system.connections.health(c.id).state).toBe('idle')
    let n = -1
    await waitFor('pool sessions to close', async () => (n = await sessions()) === 0 || undefined)
    expect(n).toBe(0)
  })

  it('still works after a restart on the same data dir', async () => {
    const id = t.system.connections.findByName('secret-one-renamed')!.id
    await call(t.dispatch, 'connections.databases', { id })
    await t.stop()
    // Stopping closed the pool: the server sees no session of this user any more.
    await waitFor('sessions to end after stop', async () =>
      ((await adminQuery(db.addr, 'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ?', [user])) as { n: number }[])[0]!.n === 0 || undefined
    )
    t = startSystem(dataDir)
    await t.system.start()
    const r = await call<ConnectionTestReport>(t.dispatch, 'connections.test', { id })
    expect(r.error).toBeUndefined()
    expect(r.ok).toBe(true)
    expect(r.serverVersion).toBeTruthy()
  })

  it('answers SECRETS_UNAVAILABLE, plainly, when the secrets were sealed with another key', async () => {
    const id = t.system.connections.findByName('secret-one-renamed')!.id
    await t.stop()
    const { createSyncSystem } = await import('../../../src/main/sync/system')
    const { loadBootLayers } = await import('../../../src/main/sync/config/layers')
    const { createDispatcher } = await import('../../../src/main/api/dispatcher')
    const { createHandlers } = await import('../../../src/main/api/handlers')
    const system = createSyncSystem({
      layers: loadBootLayers({ env: { DBT_DATA_DIR: dataDir } }),
      mode: 'headless',
      consoleLog: false,
      secretBox: new AesGcmSecretBox(Buffer.alloc(32, 7), 'test key')
    })
    try {
      const dispatch = createDispatcher(createHandlers(system), system.logger)
      const res = await dispatch('connections.test', { id })
      expect(res.ok).toBe(false)
      if (!res.ok) {
        expect(res.error.code).toBe('SECRETS_UNAVAILABLE')
        expect(res.error.message).toMatch(/another key/)
      }
      // Listing needs no secrets and still works.
      const list = await dispatch('connections.list', {})
      expect(list.ok).toBe(true)
      // Re-entering the password under the new key repairs it.
      const fixed = await dispatch('connections.update', { id, password })
      expect(fixed.ok).toBe(true)
      const again = await dispatch('connections.test', { id })
      expect(again.ok && again.data.ok).toBe(true)
    } finally {
      await system.stop()
    }
    t = startSystem(dataDir) // for afterAll
  })
})
