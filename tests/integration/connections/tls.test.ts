import { spawnSync } from 'node:child_process'
import { chmodSync, chownSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectionInfo, ConnectionTestReport, DatabaseInfo } from '../../../src/shared/contract'
import { adminQuery, call, removeDir, startIsolatedServer, startSystem, tempDir, type TestSystem } from './support'
import { createTestDatabase } from '../../helpers/mariadb'
import type { Endpoint } from '../../../src/main/sync/engine/endpoint'
import { runFullCopy } from '../../../src/main/sync/engine/run'
import { DEFAULT_RUN_OPTIONS } from '../../../src/main/sync/engine/types'

/**
 * TLS against a private mariadbd whose certificate is signed by a CA made here with openssl:
 * verify-ca and verify-identity pass with that CA and fail with TLS_FAILED with another one; an
 * X.509 user logs in with a client certificate.
 */

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`)
}

function makeCa(dir: string, name: string): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`], dir)
}

function makeSigned(dir: string, ca: string, name: string, cn: string, san?: string): void {
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir)
  const args = ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2']
  if (san) {
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\n`)
    args.push('-extfile', `${name}.ext`)
  }
  openssl(args, dir)
}

describe('TLS', () => {
  let certs: string
  let server: Awaited<ReturnType<typeof startIsolatedServer>>
  let t: TestSystem
  let dataDir: string
  const pem = (name: string): string => readFileSync(join(certs, name), 'utf8')

  beforeAll(async () => {
    certs = tempDir('tls-certs')
    makeCa(certs, 'ca')
    makeCa(certs, 'other-ca')
    makeSigned(certs, 'ca', 'server', 'db-taxi test server', 'IP:127.0.0.1,DNS:localhost')
    makeSigned(certs, 'ca', 'client', 'db-taxi test client')
    // mariadbd runs as mysql and must read its key.
    chmodSync(certs, 0o755)
    for (const f of ['ca.pem', 'server.pem', 'server.key']) chownSync(join(certs, f), uid('mysql'), gid('mysql'))
    server = await startIsolatedServer([
      `--ssl-ca=${join(certs, 'ca.pem')}`,
      `--ssl-cert=${join(certs, 'server.pem')}`,
      `--ssl-key=${join(certs, 'server.key')}`
    ])
    await adminQuery(server, "CREATE USER 'x509user'@'127.0.0.1' IDENTIFIED BY 'x509pw' REQUIRE X509")
    await adminQuery(server, "CREATE USER 'x509user'@'localhost' IDENTIFIED BY 'x509pw' REQUIRE X509")
    await adminQuery(server, "GRANT SELECT ON *.* TO 'x509user'@'127.0.0.1'")
    dataDir = tempDir('tls-data')
    t = startSystem(dataDir)
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
    const dbs = await call<DatabaseInfo[]>(t.dispatch, 'connections.databases', { id: c.id })
    expect(dbs.length).toBeGreaterThanOrEqual(0)
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
})

function uid(user: string): number {
  return Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim())
}
function gid(user: string): number {
  return Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim())
}
