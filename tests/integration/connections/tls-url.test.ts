import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../helpers/cli'
import { adminQuery, makeCa, makeSigned, removeDir, startTlsServer, tempDir } from './support'

/**
 * TLS in `db-taxi sync`/`verify` URLs (`?ssl-mode=...&ssl-ca=FILE`) checks what a saved connection
 * checks: verify-identity refuses a server whose certificate from the trusted CA names another host
 * (it only checked the chain before), verify-ca checks the chain, and a misspelt mode is refused
 * instead of meaning no verification.
 */
describe('TLS modes in CLI URLs', () => {
  const certs = tempDir('tls-url')
  let server: Awaited<ReturnType<typeof startTlsServer>>

  beforeAll(async () => {
    makeCa(certs, 'ca')
    // Trusted CA, wrong name (plus localhost, which a fallback for IP hosts would wrongly take).
    makeSigned(certs, 'ca', 'elsewhere', 'db.elsewhere.test', 'DNS:db.elsewhere.test,DNS:localhost')
    server = await startTlsServer(certs, 'elsewhere')
    for (const sql of ['CREATE DATABASE tu', 'CREATE TABLE tu.t (id INT PRIMARY KEY)', 'INSERT INTO tu.t VALUES (1), (2)']) await adminQuery(server, sql)
  })

  afterAll(async () => {
    await server?.stopAll()
    removeDir(certs)
  })

  const verify = (mode: string) => {
    const u = `mysql://${server.user}${server.password ? `:${encodeURIComponent(server.password)}` : ''}@127.0.0.1:${server.port}/tu?ssl-mode=${mode}&ssl-ca=${encodeURIComponent(join(certs, 'ca.pem'))}`
    return runCli(['verify', '--source', u, '--target', u, '--tables', 't'])
  }

  it('verify-identity refuses the certificate that names another host', () => {
    const r = verify('verify-identity')
    expect(r.code, r.stderr + r.stdout).toBe(3)
    expect(r.stdout + r.stderr).toContain('TLS_FAILED')
  })

  it('verify-ca accepts it (the chain is trusted), so the refusal above is the name check', () => {
    const r = verify('verify-ca')
    expect(r.code, r.stderr + r.stdout).toBe(0)
    expect(r.stdout).toContain('identical')
  })

  it('a misspelt ssl-mode is refused, not read as no verification', () => {
    const r = verify('verify-idntity')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('ssl-mode must be one of')
  })
})
