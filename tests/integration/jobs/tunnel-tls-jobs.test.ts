import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectionTestReport, Job, SyncConfig } from '../../../src/shared/contract'
import { testServer } from '../../helpers/mariadb'
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy'
import { createUser, makeCa, makeSigned, removeDir, startTlsServer, tempDir } from '../connections/support'
import { sshdAvailable, startSshd, type TestSshd } from '../connections/sshd'
import { connect, createDb, dropDb, expectSameTable, leftoverShadows, q, uniqueName } from '../engine/support'
import { startSystem, whenChunks, type TestSystem } from './support'

/**
 * Copy jobs run by the job engine over saved connections that go through a real OpenSSH server
 * (key and password logins) and over TLS: parallel sessions through one tunnel, the SSH session
 * killed under a running job (retried, identical target), the SSH server gone for good (a clear
 * failure, the old target intact), and verify-identity to an IP address checking that address,
 * through a tunnel too.
 */

const ROWS = 40_000
const CHUNK = 2_000
const SSH_PASSWORD = 'jobs tunnel pw 3f9a'

async function fillOrders(c: Connection, db: string): Promise<void> {
  await c.query(`CREATE TABLE \`${db}\`.orders (id INT UNSIGNED PRIMARY KEY, uuid CHAR(36) NOT NULL, note VARCHAR(80), amount DECIMAL(12,2), at DATETIME(6), KEY by_note (note))`)
  await c.query(
    `INSERT INTO \`${db}\`.orders SELECT seq, UUID(), IF(seq % 7 = 0, NULL, CONCAT('note ', seq, ' ü 🚕')), seq / 100, '2026-01-01' + INTERVAL seq SECOND + INTERVAL seq MICROSECOND FROM \`${db}\`.seq_1_to_${ROWS}`
  )
}

/** An existing target table that a run replaces, and a refused or failed run must leave as it is. */
async function oldTarget(c: Connection, db: string): Promise<void> {
  await c.query(`DROP DATABASE IF EXISTS \`${db}\``)
  await c.query(`CREATE DATABASE \`${db}\``)
  await c.query(`CREATE TABLE \`${db}\`.orders (id INT UNSIGNED PRIMARY KEY, old_column VARCHAR(10))`)
  await c.query(`INSERT INTO \`${db}\`.orders VALUES (1, 'old'), (2, 'older')`)
}
const OLD_ROWS = [
  { id: 1, old_column: 'old' },
  { id: 2, old_column: 'older' }
]

/** Waits for the job to end; on a timeout, fails with its log so a hang says where it hangs. */
async function settled(t: TestSystem, jobId: string, ms = 90_000): Promise<Job> {
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref())
  const r = await Promise.race([t.system.jobs.wait(jobId), timeout])
  if (r === 'timeout') throw new Error(`job did not end in ${ms} ms: ${JSON.stringify(t.system.jobs.get(jobId))}\n${(await logsOf(t, jobId)).join('\n')}`)
  return r
}

async function logsOf(t: TestSystem, jobId: string): Promise<string[]> {
  return (await t.call<{ message: string }[]>('jobs.logs', { id: jobId, limit: 500 })).map((l) => l.message)
}

/**
 * Which process owns the client end of each TCP connection to `port` on loopback, by the client's
 * local port (from `ss`, which reads every process's sockets).
 */
function clientOwners(port: number): Map<number, string> {
  const r = spawnSync('ss', ['-tnpH', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`ss failed: ${r.stderr}`)
  const out = new Map<number, string>()
  for (const line of r.stdout.split('\n')) {
    const m = /\S+:(\d+)\s+\S+:\d+\s+users:\(\("([^"]+)"/.exec(line)
    if (m) out.set(Number(m[1]), m[2]!)
  }
  return out
}

/** A TCP relay listening on `host` (another loopback address) to a port on 127.0.0.1. */
async function relay(host: string, targetPort: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    const upstream = netConnect(targetPort, '127.0.0.1')
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => undefined)
      s.on('close', () => {
        sockets.delete(s)
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve())
  })
  const addr = server.address()
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      })
  }
}

describe('copy jobs through SSH tunnels and TLS', () => {
  let sshd: TestSshd
  let t: TestSystem
  let admin: Connection
  const srcDb = uniqueName('tun_src')
  const dstDb = uniqueName('tun_dst')
  const dropUsers: (() => Promise<void>)[] = []

  beforeAll(async () => {
    // Never skipped quietly: a missing sshd is a broken test machine (.ci/run installs openssh-server).
    if (!sshdAvailable()) throw new Error('SSH tests need /usr/sbin/sshd (apt-get install openssh-server) and root')
    sshd = await startSshd({ password: SSH_PASSWORD })
    await createDb(testServer(), srcDb)
    admin = await connect(testServer())
    await fillOrders(admin, srcDb)
    // Users of their own, so the sessions of each side can be told apart on the server.
    dropUsers.push(await createUser(testServer(), 'dbt_tun_src', 'tun src pw', ['GRANT ALL ON *.* TO {user}']))
    dropUsers.push(await createUser(testServer(), 'dbt_tun_dst', 'tun dst pw', ['GRANT ALL ON *.* TO {user}']))
    t = await startSystem({ DBT_SYNC_RETRY_DELAY: '100ms', DBT_SYNC_RETRY_ATTEMPTS: '3' })
  }, 120_000)

  afterAll(async () => {
    await t?.stop()
    for (const drop of dropUsers) await drop().catch(() => undefined)
    await admin?.end()
    await dropDb(testServer(), srcDb)
    await dropDb(testServer(), dstDb)
    await sshd?.stop()
  })

  /** The shared MySQL server as a saved connection through the SSH server, logged in with the key or the password. */
  const viaTunnel = (name: string, user: string, password: string, login: 'key' | 'password', sshPort = sshd.port): Promise<string> =>
    t.connection(name, { ...testServer(), user, password }, {
      tls: { mode: 'disabled' },
      connectTimeoutMs: 5000,
      ssh: {
        host: '127.0.0.1',
        port: sshPort,
        user: sshd.user,
        hostKeyFingerprint: sshd.hostFingerprint,
        ...(login === 'key' ? { privateKey: sshd.clientKey } : { password: SSH_PASSWORD })
      }
    })

  const syncOf = (name: string, sourceConnectionId: string, targetConnectionId: string, parallelism = 3): Promise<SyncConfig> =>
    t.call<SyncConfig>('syncs.create', {
      name,
      sourceConnectionId,
      targetConnectionId,
      sourceDatabase: srcDb,
      targetDatabase: dstDb,
      tables: [{ source: 'orders' }],
      options: { chunkRows: CHUNK, parallelism }
    })

  async function expectIdentical(job: Job): Promise<void> {
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded')
    expect(job.tables[0]).toMatchObject({ status: 'done', verified: true, rowsWritten: ROWS })
    await expectSameTable(admin, srcDb, 'orders', admin, dstDb)
    expect(await leftoverShadows(admin, dstDb)).toEqual([])
  }

  it('a job with both ends through the tunnel (key login for the source, password login for the target) runs parallel sessions through sshd and ends identical', async () => {
    const src = await viaTunnel('tunnel source (key)', 'dbt_tun_src', 'tun src pw', 'key')
    const dst = await viaTunnel('tunnel target (password)', 'dbt_tun_dst', 'tun dst pw', 'password')
    await oldTarget(admin, dstDb)
    const sync = await syncOf('through the tunnel', src, dst)
    const { jobId } = await t.call<{ jobId: string }>('syncs.run', { id: sync.id })
    // The readers and writers are open once a chunk is committed. Freeze the SSH sessions (every
    // tunnelled socket stays open, nothing moves, so the job cannot end meanwhile) and look at who
    // holds the client end of each server session of the two users.
    await whenChunks(t.system, jobId, 1)
    const frozen = sshd.freezeSessions()
    let seen: { user: string; owner: string | undefined }[]
    try {
      expect(frozen.length).toBeGreaterThan(0)
      const owners = clientOwners(testServer().port)
      const sessions = await q(admin, "SELECT USER AS u, HOST AS h FROM information_schema.PROCESSLIST WHERE USER IN ('dbt_tun_src', 'dbt_tun_dst')")
      seen = sessions.map((s) => ({ user: String(s.u), owner: owners.get(Number(/:(\d+)$/.exec(String(s.h))?.[1])) }))
    } finally {
      sshd.thawSessions(frozen)
    }
    // Every session of both users comes from sshd (none straight from this process), several per side at once.
    expect(seen.filter((s) => s.owner !== 'sshd'), JSON.stringify(seen)).toEqual([])
    expect(seen.filter((s) => s.user === 'dbt_tun_src').length, JSON.stringify(seen)).toBeGreaterThanOrEqual(3)
    expect(seen.filter((s) => s.user === 'dbt_tun_dst').length, JSON.stringify(seen)).toBeGreaterThanOrEqual(3)

    const job = await settled(t, jobId)
    expect(job.attempts).toBe(1)
    await expectIdentical(job)
  }, 120_000)

  it('the SSH sessions serving the tunnels killed mid-job: the job retries through new SSH sessions, resumes, and ends identical', async () => {
    const src = await viaTunnel('killed tunnel source', 'dbt_tun_src', 'tun src pw', 'key')
    const dst = await viaTunnel('killed tunnel target', 'dbt_tun_dst', 'tun dst pw', 'password')
    await oldTarget(admin, dstDb)
    const sync = await syncOf('tunnel killed', src, dst)
    const { jobId } = await t.call<{ jobId: string }>('syncs.run', { id: sync.id })
    await whenChunks(t.system, jobId, 1)
    // Frozen first, so the job is surely mid-copy when its SSH sessions die.
    const frozen = sshd.freezeSessions()
    expect(t.system.jobs.get(jobId).status).toBe('running')
    expect(sshd.killSessions()).toBeGreaterThan(0)
    sshd.thawSessions(frozen)

    const job = await settled(t, jobId)
    const logs = await logsOf(t, jobId)
    expect(job.attempts, logs.join('\n')).toBeGreaterThanOrEqual(2)
    expect(logs.some((m) => /attempt 1 failed \(transient/.test(m)), logs.join('\n')).toBe(true)
    expect(logs.some((m) => /resuming after [1-9]\d* committed chunk/.test(m)), logs.join('\n')).toBe(true)
    await expectIdentical(job)
    // The tunnels were opened again: new SSH sessions serve them.
    expect(sshd.sessionPids().length).toBeGreaterThan(0)
  }, 120_000)

  describe('the SSH server unreachable for good mid-job (a proxy in front of sshd cut and refusing)', () => {
    let proxy: TcpProxy
    beforeAll(async () => {
      proxy = await startTcpProxy(sshd.port)
    })
    afterAll(async () => {
      await proxy?.close()
    })

    it('the job retries, then fails with an error that names the SSH server; the old target table is intact and no shadow table is left', async () => {
      const src = await viaTunnel('tunnel through a proxy', 'dbt_tun_src', 'tun src pw', 'key', proxy.port)
      const dst = await t.connection('direct target', testServer())
      await oldTarget(admin, dstDb)
      const sync = await syncOf('tunnel gone', src, dst)
      const { jobId } = await t.call<{ jobId: string }>('syncs.run', { id: sync.id })
      await whenChunks(t.system, jobId, 1)
      proxy.setDown(true)
      expect(proxy.cutAll()).toBeGreaterThan(0)

      const job = await settled(t, jobId)
      const logs = await logsOf(t, jobId)
      expect(job.status, logs.join('\n')).toBe('failed')
      // Retried as a network failure, not given up at once as a login failure.
      expect(job.attempts, logs.join('\n')).toBe(4)
      expect(job.error?.code, JSON.stringify(job.error)).toBe('CONNECTION_REFUSED')
      expect(job.error?.message, JSON.stringify(job.error)).toMatch(/^The SSH server \S+ closed the connection before the SSH handshake/)
      expect(logs.filter((m) => /^attempt \d failed \(transient/.test(m)), logs.join('\n')).toHaveLength(3)
      expect(await q(admin, `SELECT * FROM \`${dstDb}\`.orders ORDER BY id`)).toEqual(OLD_ROWS)
      await expect.poll(() => leftoverShadows(admin, dstDb), { timeout: 10_000 }).toEqual([])
      proxy.setDown(false)
    }, 120_000)
  })

  describe('TLS through the tunnel', () => {
    let certs: string
    let tls: Awaited<ReturnType<typeof startTlsServer>>
    let aside: Awaited<ReturnType<typeof relay>>
    const pem = (name: string): string => readFileSync(join(certs, name), 'utf8')

    beforeAll(async () => {
      certs = tempDir('tun-tls-certs')
      makeCa(certs, 'ca')
      makeSigned(certs, 'ca', 'server', 'db-taxi tunnel tls server', 'IP:127.0.0.1,DNS:localhost')
      tls = await startTlsServer(certs, 'server')
      const c = await connect(tls)
      try {
        for (const host of ['127.0.0.1', 'localhost']) {
          await c.query("CREATE USER ?@? IDENTIFIED BY 'tls tun pw' REQUIRE SSL", ['tlstun', host])
          await c.query('GRANT ALL ON *.* TO ?@?', ['tlstun', host])
        }
        await c.query(`CREATE DATABASE \`${srcDb}\` CHARACTER SET utf8mb4`)
        await fillOrders(c, srcDb)
      } finally {
        await c.end()
      }
      // The same server seen at another loopback address, which its certificate does not name.
      aside = await relay('127.0.0.2', tls.port)
    }, 120_000)

    afterAll(async () => {
      await aside?.close()
      await tls?.stopAll()
      if (certs) removeDir(certs)
    })

    const tlsConnection = (name: string, host: string, port: number, ssh: boolean): Promise<string> =>
      t.connection(name, { host, port, user: 'tlstun', password: 'tls tun pw' }, {
        tls: { mode: 'verify-identity', ca: pem('ca.pem') },
        connectTimeoutMs: 5000,
        ...(ssh ? { ssh: { host: '127.0.0.1', port: sshd.port, user: sshd.user, privateKey: sshd.clientKey, hostKeyFingerprint: sshd.hostFingerprint } } : {})
      })

    it('a job over verify-identity connections through the tunnel at both ends (a user that requires TLS) ends identical', async () => {
      const src = await tlsConnection('tls via ssh source', '127.0.0.1', tls.port, true)
      const dst = await tlsConnection('tls via ssh target', '127.0.0.1', tls.port, true)
      const c = await connect(tls)
      try {
        await oldTarget(c, dstDb)
        const sync = await syncOf('tls through the tunnel', src, dst, 2)
        const job = await settled(t, (await t.call<{ jobId: string }>('syncs.run', { id: sync.id })).jobId)
        expect(job.status, JSON.stringify(job.error)).toBe('succeeded')
        expect(job.tables[0]).toMatchObject({ status: 'done', verified: true, rowsWritten: ROWS })
        await expectSameTable(c, srcDb, 'orders', c, dstDb)
      } finally {
        await c.end()
      }
    }, 120_000)

    it('verify-identity to an IP address checks that address, through a tunnel too: 127.0.0.2, which the certificate does not name, is refused for the test and for a job', async () => {
      // The certificate names 127.0.0.1 and localhost. Before the fix in connections/session.ts Node
      // checked every IP host against "localhost" (mysql2 passes it no name for an IP), so both of
      // these were accepted.
      const direct = await tlsConnection('tls at 127.0.0.2', '127.0.0.2', aside.port, false)
      expect((await t.call<ConnectionTestReport>('connections.test', { id: direct })).error?.code).toBe('TLS_FAILED')
      // Through the tunnel the socket goes to the local forward on 127.0.0.1, but the host is still 127.0.0.2.
      const tunnelled = await tlsConnection('tls at 127.0.0.2 via ssh', '127.0.0.2', aside.port, true)
      const r = await t.call<ConnectionTestReport>('connections.test', { id: tunnelled })
      expect(r.ok).toBe(false)
      expect(r.error?.code).toBe('TLS_FAILED')
      expect(r.error?.message).toMatch(/127\.0\.0\.2/)

      const c = await connect(tls)
      try {
        await oldTarget(c, dstDb)
        const plainSource = await t.connection('plain source', testServer())
        const sync = await syncOf('to a host the certificate does not name', plainSource, tunnelled)
        const job = await settled(t, (await t.call<{ jobId: string }>('syncs.run', { id: sync.id })).jobId)
        expect(job.status).toBe('failed')
        expect(job.error?.code, JSON.stringify(job.error)).toBe('TLS_FAILED')
        expect(job.attempts).toBe(1)
        expect(await q(c, `SELECT * FROM \`${dstDb}\`.orders ORDER BY id`)).toEqual(OLD_ROWS)
        expect(await leftoverShadows(c, dstDb)).toEqual([])
      } finally {
        await c.end()
      }
    }, 120_000)
  })
})
