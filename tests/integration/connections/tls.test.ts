import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectionInfo, ConnectionTestReport, DatabaseInfo, Job, SyncConfig } from '../../../src/shared/contract'
import { adminQuery, call, makeCa, makeSigned, removeDir, startSystem, startTlsServer, tempDir, type TestSystem } from './support'
import { createTestDatabase, type ServerAddress } from '../../helpers/mariadb'
import { connect, expectSameTable, leftoverShadows, q } from '../engine/support'
import type { Endpoint } from '../../../src/main/sync/engine/session/endpoint'
import { runFullCopy } from '../../../src/main/sync/engine/run'
import { DEFAULT_RUN_OPTIONS } from '../../../src/main/sync/engine/types'

/**
 * TLS against private mariadbd servers whose certificates are signed by a CA made here with openssl:
 * verify-ca and verify-identity pass with that CA and fail with TLS_FAILED with another one; an
 * X.509 user logs in with a client certificate. Through saved connections (a test and a copy job
 * run by the job engine): verify-identity refuses a server whose certificate, from the trusted CA,
 * names another host, and verify-ca refuses a server signed by a CA it was not given; a refused
 * job writes nothing.
 */

describe('TLS', () => {
  let certs: string
  let server: Awaited<ReturnType<typeof startTlsServer>>
  let t: TestSystem
  let dataDir: string
  const pem = (name: string): string => readFileSync(join(certs, name), 'utf8')

  beforeAll(async () => {
    certs = tempDir('tls-certs')
    makeCa(certs, 'ca')
    makeCa(certs, 'other-ca')
    // The address only: verify-identity to 127.0.0.1 must match it as an IP, not as the name "localhost".
    makeSigned(certs, 'ca', 'server', 'db-taxi test server', 'IP:127.0.0.1')
    makeSigned(certs, 'ca', 'client', 'db-taxi test client')
    server = await startTlsServer(certs, 'server')
    await adminQuery(server, "CREATE USER 'x509user'@'127.0.0.1' IDENTIFIED BY 'x509pw' REQUIRE X509")
    await adminQuery(server, "CREATE USER 'x509user'@'localhost' IDENTIFIED BY 'x509pw' REQUIRE X509")
    // Both: a loopback client may be matched as either account.
    await adminQuery(server, "GRANT SELECT ON *.* TO 'x509user'@'127.0.0.1'")
    await adminQuery(server, "GRANT SELECT ON *.* TO 'x509user'@'localhost'")
    dataDir = tempDir('tls-data')
    t = startSystem(dataDir, { DBT_SYNC_RETRY_DELAY: '100ms', DBT_SYNC_RETRY_ATTEMPTS: '3' })
    await t.system.start()
  })

  afterAll(async () => {
    await t?.stop()
    await server?.stopAll()
    if (certs) removeDir(certs)
    if (dataDir) removeDir(dataDir)
  })

  const draft = (tls: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    draft: { host: '127.0.0.1', port: server.port, user: 'root', password: '', connectTimeoutMs: 5000, tls, ...extra }
  })

  it('verify-ca passes with the CA that signed the server certificate', async () => {
    const r = await call<ConnectionTestReport>(t.dispatch, 'connections.test', draft({ mode: 'verify-ca', ca: pem('ca.pem') }))
    expect(r.error).toBeUndefined()
    expect(r.ok).toBe(true)
    expect(r.tls?.inUse).toBe(true)
    expect(r.tls?.cipher).toBeTruthy()
    expect(r.tls?.version).toMatch(/^TLSv1\.[23]$/)
  })

  it('verify-ca fails with TLS_FAILED when another CA is given', async () => {
    const r = await call<ConnectionTestReport>(t.dispatch, 'connections.test', draft({ mode: 'verify-ca', ca: pem('other-ca.pem') }))
    expect(r.ok).toBe(false)
    expect(r.error?.code).toBe('TLS_FAILED')
  })

  it('verify-identity checks the name (127.0.0.1 is in the certificate)', async () => {
    const r = await call<ConnectionTestReport>(t.dispatch, 'connections.test', draft({ mode: 'verify-identity', ca: pem('ca.pem') }))
    expect(r.error).toBeUndefined()
    expect(r.tls?.inUse).toBe(true)
  })

  it('required encrypts without verifying; preferred uses TLS when the server has it', async () => {
    for (const mode of ['required', 'preferred']) {
      const r = await call<ConnectionTestReport>(t.dispatch, 'connections.test', draft({ mode }))
      expect(r.tls?.inUse).toBe(true)
    }
    const plain = await call<ConnectionTestReport>(t.dispatch, 'connections.test', draft({ mode: 'disabled' }))
    expect(plain.tls?.inUse).toBe(false)
  })

  it('logs in an X.509 user with a client certificate, and refuses it without one', async () => {
    const withCert = await call<ConnectionTestReport>(
      t.dispatch,
      'connections.test',
      draft({ mode: 'verify-ca', ca: pem('ca.pem'), cert: pem('client.pem'), key: pem('client.key') }, { user: 'x509user', password: 'x509pw' })
    )
    expect(withCert.error).toBeUndefined()
    expect(withCert.ok).toBe(true)
    const without = await call<ConnectionTestReport>(t.dispatch, 'connections.test', draft({ mode: 'verify-ca', ca: pem('ca.pem') }, { user: 'x509user', password: 'x509pw' }))
    expect(without.error?.code).toBe('AUTH_FAILED')
  })

  it('keeps the client key sealed and uses TLS in the pool of a saved connection', async () => {
    const c = await call<ConnectionInfo>(t.dispatch, 'connections.create', {
      name: 'tls-saved',
      host: '127.0.0.1',
      port: server.port,
      user: 'x509user',
      password: 'x509pw',
      tls: { mode: 'verify-identity', ca: pem('ca.pem'), cert: pem('client.pem'), key: pem('client.key') }
    })
    expect(c.tls).toMatchObject({ mode: 'verify-identity', keySet: true })
    expect(JSON.stringify(c)).not.toContain('PRIVATE KEY')
    await adminQuery(server, 'CREATE DATABASE IF NOT EXISTS tls_visible')
    const dbs = await call<DatabaseInfo[]>(t.dispatch, 'connections.databases', { id: c.id })
    // The X.509 user (SELECT on *.*) lists what the server holds, through the TLS pool.
    expect(dbs.map((d) => d.name)).toContain('tls_visible')
    const pool = await t.system.connections.pool(c.id)
    const [rows] = await pool.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
    expect((rows as { Value: string }[])[0]!.Value).not.toBe('')
  })

  it('copies a table over TLS with array binding (the capability is asked for in the TLS handshake too)', async () => {
    await adminQuery(server, "CREATE USER 'tlsonly'@'127.0.0.1' IDENTIFIED BY 'tlspw' REQUIRE SSL")
    await adminQuery(server, "GRANT ALL ON *.* TO 'tlsonly'@'127.0.0.1'")
    await adminQuery(server, 'CREATE DATABASE tls_copy')
    const src = await createTestDatabase('tls_src')
    try {
      await adminQuery(src.addr, `CREATE TABLE \`${src.name}\`.t (id INT PRIMARY KEY, v VARCHAR(20), b BIT(5), e ENUM('x','y') NULL)`)
      await adminQuery(src.addr, `INSERT INTO \`${src.name}\`.t SELECT seq, CONCAT('v\\t', seq), seq % 32, IF(seq % 3 = 0, NULL, 'y') FROM \`${src.name}\`.seq_1_to_500`)
      const target: Endpoint = {
        label: 'tls target',
        options: { host: '127.0.0.1', port: server.port, user: 'tlsonly', password: 'tlspw', ssl: { ca: pem('ca.pem'), rejectUnauthorized: true } }
      }
      const source: Endpoint = { label: 'source', options: { host: src.addr.host, port: src.addr.port, user: src.addr.user, password: src.addr.password } }
      const summary = await runFullCopy({
        source,
        target,
        sourceDatabase: src.name,
        targetDatabase: 'tls_copy',
        tables: [{ source: 't', target: 't', excludeColumns: [], mode: 'full' }],
        options: { ...DEFAULT_RUN_OPTIONS, chunkRows: 100 }
      })
      expect(summary.status).toBe('succeeded')
      expect(summary.writePath).toBe('bulk')
      expect(summary.tables[0]).toMatchObject({ rowsWritten: 500, verified: true })
      const [a] = (await adminQuery(src.addr, `CHECKSUM TABLE \`${src.name}\`.t`)) as { Checksum: number }[]
      const [b] = (await adminQuery(server, 'CHECKSUM TABLE tls_copy.t')) as { Checksum: number }[]
      expect(b!.Checksum).toBe(a!.Checksum)
    } finally {
      await src.drop()
    }
  })

  describe('identity, through saved connections: the connection test and a copy job', () => {
    /** Signed by the trusted CA, but for another host: what an impostor with a stolen or mis-issued certificate shows. */
    let impostor: Awaited<ReturnType<typeof startTlsServer>>
    let shared: Awaited<ReturnType<typeof createTestDatabase>>
    let plain: string
    const ROWS = 3000

    /** Every table of `db` with its rows (sorted), as a plain admin session sees them. */
    async function contents(addr: ServerAddress, db: string): Promise<Record<string, unknown[]>> {
      const c = await connect(addr)
      try {
        const out: Record<string, unknown[]> = {}
        for (const r of await q(c, 'SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME', [db])) {
          out[String(r.n)] = await q(c, `SELECT * FROM \`${db}\`.\`${String(r.n)}\` ORDER BY 1`)
        }
        return out
      } finally {
        await c.end()
      }
    }

    /** A fixture database with one table: `rows` generated rows, or the two "old" rows a refused run must leave as they are. */
    async function fixture(addr: ServerAddress, db: string, rows: number | 'old'): Promise<void> {
      await adminQuery(addr, `DROP DATABASE IF EXISTS \`${db}\``)
      await adminQuery(addr, `CREATE DATABASE \`${db}\``)
      await adminQuery(addr, `CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v VARCHAR(40), d DATETIME(6) NULL)`)
      if (rows === 'old') await adminQuery(addr, `INSERT INTO \`${db}\`.t VALUES (1, 'old one', NULL), (2, 'old two', '2001-02-03 04:05:06.000007')`)
      else await adminQuery(addr, `INSERT INTO \`${db}\`.t SELECT seq, CONCAT('row ', seq, ' ü'), '2020-01-01' + INTERVAL seq SECOND FROM \`${db}\`.seq_1_to_${rows}`)
    }

    const saved = async (name: string, addr: ServerAddress, tls: Record<string, unknown>): Promise<string> =>
      (await call<ConnectionInfo>(t.dispatch, 'connections.create', { name, host: addr.host, port: addr.port, user: addr.user, password: addr.password, connectTimeoutMs: 5000, tls })).id

    async function runJob(name: string, sourceConnectionId: string, targetConnectionId: string, sourceDatabase: string, targetDatabase: string): Promise<Job> {
      const sync = await call<SyncConfig>(t.dispatch, 'syncs.create', {
        name,
        sourceConnectionId,
        targetConnectionId,
        sourceDatabase,
        targetDatabase,
        tables: [{ source: 't' }],
        options: { chunkRows: 500, parallelism: 2 }
      })
      const { jobId } = await call<{ jobId: string }>(t.dispatch, 'syncs.run', { id: sync.id })
      return t.system.jobs.wait(jobId)
    }

    /** The job was refused by the TLS check at once (not retried), and neither side changed. */
    async function expectRefused(job: Job, sides: { addr: ServerAddress; db: string; before: Record<string, unknown[]> }[]): Promise<void> {
      expect(job.status).toBe('failed')
      expect(job.error?.code, JSON.stringify(job.error)).toBe('TLS_FAILED')
      expect(job.attempts).toBe(1)
      for (const side of sides) expect(await contents(side.addr, side.db), `${side.db} after the refused job`).toEqual(side.before)
    }

    beforeAll(async () => {
      // Names another host, and localhost as well: a check that fell back to the name "localhost" for
      // an IP address (Node does when it is given no name) would take it.
      makeSigned(certs, 'ca', 'elsewhere', 'db.elsewhere.test', 'DNS:db.elsewhere.test,DNS:localhost')
      impostor = await startTlsServer(certs, 'elsewhere')
      shared = await createTestDatabase('tls_identity')
      plain = await saved('shared plain', shared.addr, { mode: 'disabled' })
      await fixture(shared.addr, shared.name, ROWS)
      await fixture(impostor, 'imp_src', ROWS)
      await fixture(impostor, 'landing', 'old')
      await fixture(server, 'imp_src', ROWS)
      await fixture(server, 'landing', 'old')
    })

    afterAll(async () => {
      await impostor?.stopAll()
      await shared?.drop()
      await adminQuery(shared.addr, `DROP DATABASE IF EXISTS \`${shared.name}_dst\``).catch(() => undefined)
    })

    it('verify-identity refuses a server whose certificate (from the trusted CA) names another host: the saved connection\'s test says TLS_FAILED', async () => {
      const id = await saved('impostor, verify-identity (test)', impostor, { mode: 'verify-identity', ca: pem('ca.pem') })
      const r = await call<ConnectionTestReport>(t.dispatch, 'connections.test', { id })
      expect(r.ok).toBe(false)
      expect(r.error?.code).toBe('TLS_FAILED')
      expect(r.error?.message).toMatch(/IP: 127\.0\.0\.1 is not in the cert's list/)
    })

    it('verify-identity refuses that server for a copy job: to it or from it, the job fails at once with TLS_FAILED and writes nothing', async () => {
      const id = await saved('impostor, verify-identity (job)', impostor, { mode: 'verify-identity', ca: pem('ca.pem') })
      // As the target: nothing may reach a server that is not the one named.
      const landing = await contents(impostor, 'landing')
      await expectRefused(await runJob('to the impostor', plain, id, shared.name, 'landing'), [{ addr: impostor, db: 'landing', before: landing }])
      // As the source: nothing it serves may be copied.
      await fixture(shared.addr, `${shared.name}_dst`, 'old')
      const dst = await contents(shared.addr, `${shared.name}_dst`)
      await expectRefused(await runJob('from the impostor', id, plain, 'imp_src', `${shared.name}_dst`), [{ addr: shared.addr, db: `${shared.name}_dst`, before: dst }])
    }, 60_000)

    it('verify-ca, which checks the chain but not the name, accepts that same server and copies from it (the refusal above is the name check)', async () => {
      const id = await saved('impostor, verify-ca', impostor, { mode: 'verify-ca', ca: pem('ca.pem') })
      const r = await call<ConnectionTestReport>(t.dispatch, 'connections.test', { id })
      expect(r.error).toBeUndefined()
      expect(r.tls?.inUse).toBe(true)
      await adminQuery(shared.addr, `DROP DATABASE IF EXISTS \`${shared.name}_dst\``)
      const job = await runJob('from the impostor, verify-ca', id, plain, 'imp_src', `${shared.name}_dst`)
      expect(job.status, JSON.stringify(job.error)).toBe('succeeded')
      const [a, b] = [await connect(impostor), await connect(shared.addr)]
      try {
        await expectSameTable(a, 'imp_src', 't', b, `${shared.name}_dst`)
      } finally {
        await a.end()
        await b.end()
      }
    }, 60_000)

    it('verify-ca refuses a server signed by a CA it was not given: the saved connection\'s test says TLS_FAILED', async () => {
      const id = await saved('unknown CA, verify-ca (test)', server, { mode: 'verify-ca', ca: pem('other-ca.pem') })
      const r = await call<ConnectionTestReport>(t.dispatch, 'connections.test', { id })
      expect(r.ok).toBe(false)
      expect(r.error?.code).toBe('TLS_FAILED')
    })

    it('verify-ca refuses that server for a copy job: to it or from it, the job fails at once with TLS_FAILED and writes nothing; with the right CA it copies', async () => {
      const id = await saved('unknown CA, verify-ca (job)', server, { mode: 'verify-ca', ca: pem('other-ca.pem') })
      const landing = await contents(server, 'landing')
      await expectRefused(await runJob('to an unknown CA', plain, id, shared.name, 'landing'), [{ addr: server, db: 'landing', before: landing }])
      await fixture(shared.addr, `${shared.name}_dst`, 'old')
      const dst = await contents(shared.addr, `${shared.name}_dst`)
      await expectRefused(await runJob('from an unknown CA', id, plain, 'imp_src', `${shared.name}_dst`), [{ addr: shared.addr, db: `${shared.name}_dst`, before: dst }])
      // The same connection with the right CA copies (the refusal is the CA, nothing else).
      await call(t.dispatch, 'connections.update', { id, tls: { mode: 'verify-ca', ca: pem('ca.pem') } })
      const job = await runJob('to the right CA', plain, id, shared.name, 'landing')
      expect(job.status, JSON.stringify(job.error)).toBe('succeeded')
    }, 60_000)

    it('a copy job over verify-identity connections at both ends (users that require TLS) copies every row exactly', async () => {
      await adminQuery(server, "CREATE USER IF NOT EXISTS 'tlsjob'@'127.0.0.1' IDENTIFIED BY 'tlsjob pw' REQUIRE SSL")
      await adminQuery(server, "CREATE USER IF NOT EXISTS 'tlsjob'@'localhost' IDENTIFIED BY 'tlsjob pw' REQUIRE SSL")
      await adminQuery(server, "GRANT ALL ON *.* TO 'tlsjob'@'127.0.0.1'")
      await adminQuery(server, "GRANT ALL ON *.* TO 'tlsjob'@'localhost'")
      const user = { ...server, user: 'tlsjob', password: 'tlsjob pw' }
      const src = await saved('tls source', user, { mode: 'verify-identity', ca: pem('ca.pem') })
      const dst = await saved('tls target', user, { mode: 'verify-identity', ca: pem('ca.pem') })
      await fixture(server, 'tls_job_dst', 'old')
      const job = await runJob('over TLS', src, dst, 'imp_src', 'tls_job_dst')
      expect(job.status, JSON.stringify(job.error)).toBe('succeeded')
      expect(job.tables[0]).toMatchObject({ status: 'done', verified: true, rowsWritten: ROWS })
      let c: Connection | undefined
      try {
        c = await connect(server)
        await expectSameTable(c, 'imp_src', 't', c, 'tls_job_dst')
        expect(await leftoverShadows(c, 'tls_job_dst')).toEqual([])
      } finally {
        await c?.end()
      }
    }, 60_000)
  })
})
