import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ColumnInfo, ConnectionInfo, ConnectionTestReport, DatabaseInfo, TableInfo } from '../../../src/shared/contract'
import { createTestDatabase, freePort } from '../../helpers/mariadb'
import { startTcpProxy } from '../../helpers/tcp-proxy'
import { adminQuery, call, removeDir, startSystem, tempDir, type TestSystem } from './support'
import { sshdAvailable, startSshd, type TestSshd } from './sshd'

/**
 * SSH tunnels through a real OpenSSH server on loopback: the MySQL server is reached as
 * 127.0.0.1:<port> from the SSH server's side.
 */

const SSH_PASSWORD = 'tunnel pw 7c1e!'

describe('SSH tunnel', () => {
  let sshd: TestSshd
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let t: TestSystem
  let dataDir: string

  beforeAll(async () => {
    // Never skipped quietly: a missing sshd is a broken test machine (.ci/run installs openssh-server).
    if (!sshdAvailable()) throw new Error('SSH tests need /usr/sbin/sshd (apt-get install openssh-server) and root')
    sshd = await startSshd({ password: SSH_PASSWORD })
    db = await createTestDatabase('conn_ssh')
    await adminQuery(db.addr, `CREATE TABLE \`${db.name}\`.through_ssh (id BIGINT UNSIGNED PRIMARY KEY, v VARCHAR(10))`)
    dataDir = tempDir('ssh-data')
    t = startSystem(dataDir)
  })

  afterAll(async () => {
    await t?.stop()
    await db?.drop()
    await sshd?.stop()
    removeDir(dataDir)
  })

  const ssh = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
    host: '127.0.0.1',
    port: sshd.port,
    user: sshd.user,
    privateKey: sshd.clientKey,
    hostKeyFingerprint: sshd.hostFingerprint,
    ...over
  })
  const draft = (sshOver: Record<string, unknown> = {}, over: Record<string, unknown> = {}): Record<string, unknown> => ({
    draft: {
      host: '127.0.0.1',
      port: db.addr.port,
      user: db.addr.user,
      password: db.addr.password,
      tls: { mode: 'disabled' },
      connectTimeoutMs: 5000,
      ssh: ssh(sshOver),
      ...over
    }
  })

  it('connects through the tunnel and reports the host key it checked', async () => {
    const r = await call<ConnectionTestReport>(t.dispatch, 'connections.test', draft())
    expect(r.error).toBeUndefined()
    expect(r.ok).toBe(true)
    expect(r.ssh).toEqual({ inUse: true, hostKeyFingerprint: sshd.hostFingerprint })
    expect(r.serverVersion).toBeTruthy()
  })

  it('opens an OpenSSH key protected by a passphrase', async () => {
    const r = await call<ConnectionTestReport>(
      t.dispatch,
      'connections.test',
      draft({ privateKey: sshd.encryptedKey, passphrase: sshd.encryptedKeyPassphrase })
    )
    expect(r.error).toBeUndefined()
    const wrong = await call<ConnectionTestReport>(t.dispatch, 'connections.test', draft({ privateKey: sshd.encryptedKey, passphrase: 'nope nope' }))
    expect(wrong.error?.code).toBe('SSH_AUTH_FAILED')
    expect(wrong.error?.message).not.toContain('nope nope')
  })

  it('logs in with a password (no key), and refuses a wrong one with SSH_AUTH_FAILED without echoing it', async () => {
    const r = await call<ConnectionTestReport>(t.dispatch, 'connections.test', draft({ privateKey: undefined, password: SSH_PASSWORD }))
    expect(r.error).toBeUndefined()
    expect(r.ok).toBe(true)
    expect(r.ssh).toEqual({ inUse: true, hostKeyFingerprint: sshd.hostFingerprint })
    const wrong = await call<ConnectionTestReport>(t.dispatch, 'connections.test', draft({ privateKey: undefined, password: 'not the pw 99' }))
    expect(wrong.ok).toBe(false)
    expect(wrong.error?.code).toBe('SSH_AUTH_FAILED')
    expect(JSON.stringify(wrong)).not.toContain('not the pw 99')
  })

  it('gives SSH_AUTH_FAILED for a key the server does not accept', async () => {
    const r = await call<ConnectionTestReport>(t.dispatch, 'connections.test', draft({ privateKey: sshd.strangerKey }))
    expect(r.ok).toBe(false)
    expect(r.error?.code).toBe('SSH_AUTH_FAILED')
  })

  it('gives SSH_HOST_KEY_MISMATCH when the server presents another host key, before logging in', async () => {
    const r = await call<ConnectionTestReport>(t.dispatch, 'connections.test', draft({ hostKeyFingerprint: sshd.otherFingerprint }))
    expect(r.ok).toBe(false)
    expect(r.error?.code).toBe('SSH_HOST_KEY_MISMATCH')
    expect(r.error?.message).toContain(sshd.hostFingerprint)
    expect(r.error?.message).toContain(sshd.otherFingerprint)
  })

  it('says CONNECTION_REFUSED when the SSH server cannot reach the MySQL port', async () => {
    const r = await call<ConnectionTestReport>(t.dispatch, 'connections.test', draft({}, { port: await freePort() }))
    expect(r.error?.code).toBe('CONNECTION_REFUSED')
    expect(r.error?.message).toMatch(/SSH server/)
  })

  it('says CONNECTION_REFUSED (retryable) when something accepts on the SSH port and hangs up before the SSH handshake', async () => {
    // What a restarting or overloaded sshd (MaxStartups) or a proxy with no backend does.
    const proxy = await startTcpProxy(sshd.port)
    try {
      proxy.setDown(true)
      const r = await call<ConnectionTestReport>(t.dispatch, 'connections.test', draft({ port: proxy.port }))
      expect(r.error?.code).toBe('CONNECTION_REFUSED')
      expect(r.error?.message).toMatch(/closed the connection before the SSH handshake/)
      proxy.setDown(false)
      expect((await call<ConnectionTestReport>(t.dispatch, 'connections.test', draft({ port: proxy.port }))).ok).toBe(true)
    } finally {
      await proxy.close()
    }
  })

  it('says CONNECTION_REFUSED when nothing listens on the SSH port', async () => {
    const r = await call<ConnectionTestReport>(t.dispatch, 'connections.test', draft({ port: await freePort() }))
    expect(r.error?.code).toBe('CONNECTION_REFUSED')
  })

  it('browses a saved connection through its tunnel, with the secrets kept out of every answer', async () => {
    const c = await call<ConnectionInfo>(t.dispatch, 'connections.create', {
      name: 'via-ssh',
      host: '127.0.0.1',
      port: db.addr.port,
      user: db.addr.user,
      password: db.addr.password,
      tls: { mode: 'preferred' },
      ssh: ssh()
    })
    expect(c.ssh).toEqual({
      host: '127.0.0.1',
      port: sshd.port,
      user: sshd.user,
      passwordSet: false,
      privateKeySet: true,
      passphraseSet: false,
      hostKeyFingerprint: sshd.hostFingerprint
    })
    const dbs = await call<DatabaseInfo[]>(t.dispatch, 'connections.databases', { id: c.id })
    expect(dbs.map((d) => d.name)).toContain(db.name)
    const tables = await call<TableInfo[]>(t.dispatch, 'connections.tables', { id: c.id, database: db.name })
    expect(tables.map((x) => x.name)).toEqual(['through_ssh'])
    const cols = await call<ColumnInfo[]>(t.dispatch, 'connections.columns', { id: c.id, database: db.name, table: 'through_ssh' })
    expect(cols.map((x) => [x.name, x.type])).toEqual([
      ['id', 'bigint(20) unsigned'],
      ['v', 'varchar(10)']
    ])
    const byId = await call<ConnectionTestReport>(t.dispatch, 'connections.test', { id: c.id })
    expect(byId.ssh.inUse).toBe(true)
    const listed = await call<ConnectionInfo[]>(t.dispatch, 'connections.list', {})
    expect(JSON.stringify(listed)).not.toContain('PRIVATE KEY')
    expect(t.system.connections.health(c.id).state).toBe('connected')
  })

  it('browses a saved connection whose tunnel logs in with a password; the password stays sealed', async () => {
    const c = await call<ConnectionInfo>(t.dispatch, 'connections.create', {
      name: 'via-ssh-password',
      host: '127.0.0.1',
      port: db.addr.port,
      user: db.addr.user,
      password: db.addr.password,
      tls: { mode: 'disabled' },
      ssh: { host: '127.0.0.1', port: sshd.port, user: sshd.user, password: SSH_PASSWORD, hostKeyFingerprint: sshd.hostFingerprint }
    })
    expect(c.ssh).toMatchObject({ passwordSet: true, privateKeySet: false })
    const tables = await call<TableInfo[]>(t.dispatch, 'connections.tables', { id: c.id, database: db.name })
    expect(tables.map((x) => x.name)).toEqual(['through_ssh'])
    const byId = await call<ConnectionTestReport>(t.dispatch, 'connections.test', { id: c.id })
    expect(byId).toMatchObject({ ok: true, ssh: { inUse: true } })
    const listed = await call<ConnectionInfo[]>(t.dispatch, 'connections.list', {})
    expect(JSON.stringify(listed)).not.toContain(SSH_PASSWORD)
  })
})
