import { spawnSync } from 'node:child_process'
import { chmodSync, chownSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectionInfo, ConnectionTestReport, DatabaseInfo } from '../../../src/shared/contract'
import { adminQuery, call, removeDir, startIsolatedServer, startSystem, tempDir, type TestSystem } from './support'

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
})

function uid(user: string): number {
  return Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim())
}
function gid(user: string): number {
  return Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim())
}
