import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ColumnInfo, ConnectionInfo, ConnectionTestReport, DatabaseInfo, TableInfo } from '../../../src/shared/contract'
import { createTestDatabase, freePort } from '../../helpers/mariadb'
import { adminQuery, call, createUser, removeDir, silentListener, startSystem, tempDir, type TestSystem } from './support'

/** A saved connection against the test MariaDB: the report, the failure codes, and browsing. */

describe('connections against MariaDB', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let t: TestSystem
  let dataDir: string
  let dropUser: () => Promise<void>
  const user = `dbt_u_${Math.random().toString(36).slice(2, 8)}`
  const password = 'pw-' + Math.random().toString(36).slice(2)

  beforeAll(async () => {
    db = await createTestDatabase('conn_basic')
    dropUser = await createUser(db.addr, user, password, [
      `GRANT SELECT, SHOW VIEW, INSERT, UPDATE ON \`${db.name}\`.* TO {user}`,
      `GRANT RELOAD ON *.* TO {user}`
    ])
    const q = (sql: string): Promise<unknown> => adminQuery(db.addr, sql)
    await q(`CREATE TABLE \`${db.name}\`.with_pk (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL DEFAULT 'x', note TEXT)`)
    await q(`CREATE TABLE \`${db.name}\`.with_uk (a INT NOT NULL, b INT NOT NULL, UNIQUE KEY ab (a, b)) ENGINE=InnoDB`)
    await q(`CREATE TABLE \`${db.name}\`.nullable_uk (a INT NULL, UNIQUE KEY a (a))`)
    await q(`CREATE TABLE \`${db.name}\`.\`odd\`\`name\` (x INT, y INT AS (x * 2) VIRTUAL)`)
    await q(`CREATE VIEW \`${db.name}\`.v AS SELECT id FROM \`${db.name}\`.with_pk`)
    await q(`INSERT INTO \`${db.name}\`.with_pk (id) VALUES (1), (2), (3)`)
    dataDir = tempDir('conn-basic')
    t = startSystem(dataDir)
    await t.system.start()
  })

  afterAll(async () => {
    await t?.stop()
    await dropUser?.()
    await db?.drop()
    removeDir(dataDir)
  })

  const base = (): Record<string, unknown> => ({
    host: db.addr.host,
    port: db.addr.port,
    user,
    password,
    database: db.name,
    tls: { mode: 'disabled' },
    connectTimeoutMs: 3000
  })

  it('saves a connection and reports the server when tested by id', async () => {
    const created = await call<ConnectionInfo>(t.dispatch, 'connections.create', { name: 'local', ...base() })
    expect(created).toMatchObject({ name: 'local', passwordSet: true, database: db.name, tls: { mode: 'disabled', keySet: false }, ssh: null })
    expect(JSON.stringify(created)).not.toContain(password)

    const report = await call<ConnectionTestReport>(t.dispatch, 'connections.test', { id: created.id })
    expect(report.ok).toBe(true)
    expect(report.error).toBeUndefined()
    expect(report.flavor).toBe('mariadb')
    expect(report.serverVersion).toMatch(/^\d+\.\d+\.\d+/)
    expect(report.latencyMs).toBeGreaterThanOrEqual(0)
    expect(report.tls).toEqual({ inUse: false, cipher: null, version: null })
    expect(report.ssh).toEqual({ inUse: false })
    expect(report.privileges).toEqual({
      database: db.name,
      source: { select: true, showView: true, reload: true, replicationClient: false },
      target: { insert: true, update: true, delete: false, create: false, drop: false, alter: false, index: false }
    })
    expect(typeof report.localInfile).toBe('boolean')
    expect(report.maxAllowedPacket).toBeGreaterThan(1024)
    expect(report.timeZone).toBeTruthy()
    expect(report.defaultCharset).toBeTruthy()
  })

  it('reports root (ALL PRIVILEGES) as able to do everything', async () => {
    const report = await call<ConnectionTestReport>(t.dispatch, 'connections.test', {
      draft: { host: db.addr.host, port: db.addr.port, user: db.addr.user, password: db.addr.password, tls: { mode: 'preferred' } }
    })
    expect(report.ok).toBe(true)
    expect(Object.values(report.privileges!.source).every(Boolean)).toBe(true)
    expect(Object.values(report.privileges!.target).every(Boolean)).toBe(true)
  })

  it('gives AUTH_FAILED for a wrong password, without the password in the message', async () => {
    const wrong = 'not-the-password-' + Math.random().toString(36).slice(2)
    const report = await call<ConnectionTestReport>(t.dispatch, 'connections.test', { draft: { ...base(), password: wrong } })
    expect(report.ok).toBe(false)
    expect(report.error?.code).toBe('AUTH_FAILED')
    expect(report.error?.message).toContain(user)
    expect(JSON.stringify(report)).not.toContain(wrong)
  })

  it('gives CONNECTION_REFUSED for a port nobody listens on', async () => {
    const port = await freePort()
    const report = await call<ConnectionTestReport>(t.dispatch, 'connections.test', { draft: { ...base(), port } })
    expect(report.error?.code).toBe('CONNECTION_REFUSED')
    expect(report.error?.message).toContain(String(port))
  })

  it('gives TIMEOUT within the connect timeout when the server accepts and never speaks', async () => {
    const silent = await silentListener()
    try {
      const started = Date.now()
      const report = await call<ConnectionTestReport>(t.dispatch, 'connections.test', {
        draft: { ...base(), port: silent.port, connectTimeoutMs: 800 }
      })
      const took = Date.now() - started
      expect(report.error?.code).toBe('TIMEOUT')
      expect(silent.accepted()).toBe(1)
      // The 800 ms asked for, not the 10 s default: the upper bound leaves a busy machine room and
      // still tells the two apart.
      expect(took).toBeGreaterThanOrEqual(750)
      expect(took).toBeLessThan(6000)
    } finally {
      await silent.close()
    }
  })

  it('gives UNKNOWN_DATABASE for a database that does not exist', async () => {
    const report = await call<ConnectionTestReport>(t.dispatch, 'connections.test', {
      draft: { ...base(), user: db.addr.user, password: db.addr.password, database: `${db.name}_missing` }
    })
    expect(report.error?.code).toBe('UNKNOWN_DATABASE')
    expect(report.error?.message).toContain(`${db.name}_missing`)
  })

  it('fails TLS "required" against a server without TLS with TLS_FAILED, and "preferred" falls back', async () => {
    const required = await call<ConnectionTestReport>(t.dispatch, 'connections.test', { draft: { ...base(), tls: { mode: 'required' } } })
    const preferred = await call<ConnectionTestReport>(t.dispatch, 'connections.test', { draft: { ...base(), tls: { mode: 'preferred' } } })
    // The shared test server may or may not have TLS; either way the answers must agree with each other.
    if (required.ok) expect(preferred.tls?.inUse).toBe(true)
    else {
      expect(required.error?.code).toBe('TLS_FAILED')
      expect(preferred.ok).toBe(true)
      expect(preferred.tls?.inUse).toBe(false)
    }
  })

  it('browses databases, tables and columns', async () => {
    const rootConn = await call<ConnectionInfo>(t.dispatch, 'connections.create', {
      name: 'root',
      host: db.addr.host,
      port: db.addr.port,
      user: db.addr.user,
      password: db.addr.password,
      tls: { mode: 'disabled' }
    })
    const dbs = await call<DatabaseInfo[]>(t.dispatch, 'connections.databases', { id: rootConn.id })
    expect(dbs.map((d) => d.name)).toContain(db.name)
    expect(dbs.some((d) => ['mysql', 'information_schema', 'performance_schema', 'sys'].includes(d.name))).toBe(false)
    const all = await call<DatabaseInfo[]>(t.dispatch, 'connections.databases', { id: rootConn.id, includeSystem: true })
    expect(all.find((d) => d.name === 'mysql')?.system).toBe(true)

    const tables = await call<TableInfo[]>(t.dispatch, 'connections.tables', { id: rootConn.id, database: db.name })
    const byName = Object.fromEntries(tables.map((x) => [x.name, x]))
    expect(Object.keys(byName).sort()).toEqual(['nullable_uk', 'odd`name', 'v', 'with_pk', 'with_uk'])
    expect(byName.with_pk).toMatchObject({ type: 'table', engine: 'InnoDB', hasPrimaryKey: true, hasUniqueNotNullKey: false })
    expect(byName.with_pk!.rowsEstimate).not.toBeNull()
    expect(byName.with_pk!.dataBytes).toBeGreaterThan(0)
    expect(byName.with_uk).toMatchObject({ hasPrimaryKey: false, hasUniqueNotNullKey: true })
    expect(byName.nullable_uk).toMatchObject({ hasPrimaryKey: false, hasUniqueNotNullKey: false })
    expect(byName.v).toMatchObject({ type: 'view', rowsEstimate: null, hasPrimaryKey: false })

    const cols = await call<ColumnInfo[]>(t.dispatch, 'connections.columns', { id: rootConn.id, database: db.name, table: 'with_pk' })
    expect(cols.map((c) => c.name)).toEqual(['id', 'name', 'note'])
    expect(cols[0]).toMatchObject({ type: 'int(11)', nullable: false, key: 'PRI', generated: false, charset: null })
    expect(cols[1]).toMatchObject({ type: 'varchar(20)', nullable: false, default: "'x'" })
    expect(cols[1]!.charset).toBeTruthy()
    expect(cols[2]).toMatchObject({ nullable: true })
    const odd = await call<ColumnInfo[]>(t.dispatch, 'connections.columns', { id: rootConn.id, database: db.name, table: 'odd`name' })
    expect(odd.find((c) => c.name === 'y')?.generated).toBe(true)

    const missing = await t.dispatch('connections.columns', { id: rootConn.id, database: db.name, table: 'nope' })
    expect(missing.ok ? null : missing.error.code).toBe('NOT_FOUND')
    const missingDb = await t.dispatch('connections.tables', { id: rootConn.id, database: `${db.name}_nope` })
    expect(missingDb.ok ? null : missingDb.error.code).toBe('NOT_FOUND')

    // Opening the pool made the connection "connected" and counted in the status.
    expect(t.system.connections.health(rootConn.id).state).toBe('connected')
    expect(t.system.status().counters.connectedConnections).toBeGreaterThanOrEqual(1)
    expect(t.events).toContainEqual({ name: 'connection.status', payload: expect.objectContaining({ connectionId: rootConn.id, status: 'connected' }) })
  })

  it('pins pooled and dedicated sessions to UTC', async () => {
    const c = t.system.connections.findByName('root')!
    const pool = await t.system.connections.pool(c.id)
    const [rows] = await pool.query('SELECT @@session.time_zone AS tz')
    expect((rows as { tz: string }[])[0]!.tz).toBe('+00:00')
    const session = await t.system.connections.session(c.id)
    try {
      const [r2] = await session.query('SELECT @@session.time_zone AS tz, CONNECTION_ID() AS id')
      expect((r2 as { tz: string }[])[0]!.tz).toBe('+00:00')
    } finally {
      await session.end()
    }
  })

  it('answers browse errors on a dead connection with the connect code', async () => {
    const port = await freePort()
    const dead = await call<ConnectionInfo>(t.dispatch, 'connections.create', { name: 'dead', ...base(), port })
    const res = await t.dispatch('connections.databases', { id: dead.id })
    expect(res.ok ? null : res.error.code).toBe('CONNECTION_REFUSED')
    expect(t.system.connections.health(dead.id).state).toBe('down')
  })
})
