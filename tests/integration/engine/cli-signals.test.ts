import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, cleanEnv } from '../../helpers/cli'
import { startStallingProxy, until, type StallingProxy } from '../../helpers/stalling-proxy'
import { createTestDatabase, type PrivateServer } from '../../helpers/mariadb'
import type { Job, SyncConfig } from '../../../src/shared/contract'
import { startSystem } from '../jobs/support'
import { checksum, connect, privateServer, q } from './support'

/**
 * Issue 10 item 4 (CLI part): SIGTERM (`kill`, `timeout`, systemd, Kubernetes) and SIGHUP (a closed
 * terminal) stop `db-taxi sync` the way Ctrl+C does: the run is cancelled, its shadow table dropped,
 * its sessions closed, and the process exits 128 + the signal's number. Before, Node died at once on
 * both and left `_dbt_new_*` on the target.
 *
 * Mid-copy without timing: the source is reached through a proxy that passes the first MiB each
 * session receives and then holds the rest, so the readers stall with the shadow table created and
 * part-loaded; the test waits for that table to exist, then sends the signal.
 */

const ROWS = 40_000
// Chunks of ~20 MB: more than the sockets between server and proxy buffer, so a stalled read keeps
// the server's query running (blocked sending) rather than finished into a buffer.
const BIG_CHUNK_ROWS = '20000'
const STALL_AFTER_BYTES = 1024 * 1024

describe('db-taxi sync cancelled by SIGINT, SIGTERM or SIGHUP cleans up (issue 10 item 4)', () => {
  let source: Awaited<ReturnType<typeof createTestDatabase>>
  let target: PrivateServer
  let proxy: StallingProxy
  let s: Connection
  let t: Connection
  // Users of their own on both servers, so the checks below see the run's sessions and nothing
  // else. With RELOAD the run reads every table at one consistent point through shared readers;
  // without it each table gets a reader (and a snapshot) of its own: both ways must clean up.
  const suffix = randomBytes(3).toString('hex')
  const users = { shared: `dbt_sig_g_${suffix}`, perTable: `dbt_sig_t_${suffix}` }
  const password = 'sig-pw'
  const targetDb = 'signals_copy'
  let before: string

  beforeAll(async () => {
    source = await createTestDatabase('cli_signals')
    target = await privateServer([])
    s = await connect(source.addr, source.name)
    await s.query('CREATE TABLE big (id INT PRIMARY KEY, pad VARCHAR(1000) NOT NULL)')
    await s.query(`INSERT INTO big SELECT seq, REPEAT(CHAR(65 + seq % 26), 1000) FROM seq_1_to_${ROWS}`)
    t = await connect(target)
    for (const user of Object.values(users)) {
      await s.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', password])
      await s.query(`GRANT SELECT, SHOW VIEW ON \`${source.name}\`.* TO ?@?`, [user, '%'])
      await t.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', password])
      await t.query('GRANT ALL ON *.* TO ?@?', [user, '%'])
    }
    await s.query('GRANT RELOAD ON *.* TO ?@?', [users.shared, '%'])
    await t.query(`CREATE DATABASE ${targetDb}`)
    // The target already holds the table, different rows: a replace loads into a shadow table first.
    await t.query(`CREATE TABLE ${targetDb}.big (id INT PRIMARY KEY, pad VARCHAR(1000) NOT NULL)`)
    await t.query(`INSERT INTO ${targetDb}.big VALUES (1, 'kept'), (2, 'as it was')`)
    before = await checksum(t, targetDb, 'big')
    proxy = await startStallingProxy(source.addr.port, STALL_AFTER_BYTES)
  })

  afterAll(async () => {
    await proxy?.close()
    for (const user of Object.values(users)) await s?.query('DROP USER IF EXISTS ?@?', [user, '%']).catch(() => undefined)
    await s?.end()
    await t?.end()
    await source?.drop()
    await target?.stop()
  })

  const shadowTables = async (): Promise<string[]> =>
    (await q(t, "SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE '\\_dbt\\_%'", [targetDb])).map((r) => String(r.n))
  const sessionsOf = async (c: Connection, user: string): Promise<string[]> =>
    (await q(c, 'SELECT CONCAT(ID, " ", COMMAND, " ", COALESCE(STATE, ""), " ", COALESCE(LEFT(INFO, 60), "")) AS p FROM information_schema.PROCESSLIST WHERE USER = ?', [user])).map((r) =>
      String(r.p)
    )

  /**
   * Starts the copy, waits for the state, signals, and checks what is left. `chunkRows` decides where
   * the readers stall: small chunks are answered whole into the sockets' buffers (the server is idle,
   * the client waits on the proxy); chunks of ~20 MB cannot be, so the server's SELECT is still
   * running, blocked sending, when the signal arrives.
   */
  async function signalMidCopy(user: string, signal: NodeJS.Signals, exitCode: number, chunkRows: string, queryRunning: boolean): Promise<void> {
    const args = [
      'sync',
      '--source',
      `mysql://${user}:${password}@127.0.0.1:${proxy.port}/${source.name}`,
      '--target',
      `mysql://${user}:${password}@127.0.0.1:${target.port}/${targetDb}`,
      '--tables',
      'big',
      '--chunk-rows',
      chunkRows
    ]
    await signalCommand(args, user, signal, exitCode, queryRunning)
  }

  /** Runs `db-taxi ARGS`, signals it once the run is mid-copy, and checks that nothing is left. */
  async function signalCommand(args: string[], user: string, signal: NodeJS.Signals, exitCode: number, queryRunning: boolean): Promise<void> {
    const leftBefore = new Set(await shadowTables())
    const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, sig) => r({ code, signal: sig })))

    // Mid-copy: this run's shadow table exists (and the stalled readers cannot finish it).
    const shadow = await until(`a shadow table on the target (stderr: ${stderr})`, async () => (await shadowTables()).find((n) => n.startsWith('_dbt_new_') && !leftBefore.has(n)))
    // ...and, with big chunks, the source busy answering the run's read (held by the proxy).
    if (queryRunning) {
      await until(`a running query of the run on the source (stderr: ${stderr})`, async () =>
        (await q(s, "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ? AND COMMAND = 'Query'", [user])).length > 0 ? true : undefined
      )
    }
    expect(child.exitCode).toBeNull()
    child.kill(signal)
    const end = await Promise.race([
      exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => {
          child.kill('SIGKILL')
          reject(new Error(`db-taxi ${args[0]} did not exit within 30 s of ${signal}; stderr: ${stderr}`))
        }, 30_000)
      )
    ])

    expect({ code: end.code, signal: end.signal }, stderr).toEqual({ code: exitCode, signal: null })
    expect(await shadowTables(), `${shadow} left behind`).toEqual([])
    expect(await checksum(t, targetDb, 'big')).toBe(before)
    expect(await q(t, `SELECT id, pad FROM ${targetDb}.big ORDER BY id`)).toEqual([
      { id: 1, pad: 'kept' },
      { id: 2, pad: 'as it was' }
    ])
    // Sessions a server has not yet seen closed may linger a moment; none may stay.
    for (const [side, c] of [
      ['source', s],
      ['target', t]
    ] as const) {
      let last: string[] = []
      await until(`no session of the run on the ${side} (still: ${JSON.stringify(last)})`, async () => {
        last = await sessionsOf(c, user)
        return last.length === 0 ? true : undefined
      }, 30_000).catch((err: Error) => {
        throw new Error(`${err.message}: ${JSON.stringify(last)}`)
      })
    }
    expect(stderr).not.toMatch(/unexpected error/)
  }

  describe('one consistent point (RELOAD): shared readers', () => {
    it.each([
      ['SIGTERM', 143],
      ['SIGHUP', 129],
      ['SIGINT', 130]
    ] as const)('%s mid-copy: exit %i, no shadow table, the target table unchanged, no session of the run left on either server', async (signal, exitCode) => {
      await signalMidCopy(users.shared, signal, exitCode, '500', false)
    })

    it.each([
      ['SIGTERM', 143],
      ['SIGHUP', 129]
    ] as const)('%s while the source is still sending a chunk the run reads: exit %i, all cleaned up', async (signal, exitCode) => {
      await signalMidCopy(users.shared, signal, exitCode, BIG_CHUNK_ROWS, true)
    })
  })

  describe('a snapshot per table (no RELOAD): a reader per table', () => {
    // The table's reader is closed when the table stops; it must not wait for a statement whose
    // answer nobody reads any more.
    it.each([
      ['SIGTERM', 143],
      ['SIGINT', 130]
    ] as const)('%s while the source is still sending a chunk the run reads: exit %i, all cleaned up', async (signal, exitCode) => {
      await signalMidCopy(users.perTable, signal, exitCode, BIG_CHUNK_ROWS, true)
    })
  })

  describe('db-taxi run NAME (a saved sync run as a job in the CLI process)', () => {
    let dataDir: string
    beforeAll(async () => {
      const sys = await startSystem()
      dataDir = sys.dataDir
      const via = { host: '127.0.0.1', user: users.shared, password }
      const src = await sys.connection('source via proxy', { ...via, port: proxy.port })
      const dst = await sys.connection('target', { ...via, port: target.port })
      await sys.call<SyncConfig>('syncs.create', {
        name: 'nightly',
        sourceConnectionId: src,
        targetConnectionId: dst,
        sourceDatabase: source.name,
        targetDatabase: targetDb,
        tables: [{ source: 'big' }],
        options: { chunkRows: Number(BIG_CHUNK_ROWS) }
      })
      await sys.stop()
    })

    it.each([
      ['SIGTERM', 143],
      ['SIGHUP', 129]
    ] as const)('%s: the job is cancelled and cleaned up, exit %i', async (signal, exitCode) => {
      await signalCommand(['run', 'nightly', '--data-dir', dataDir], users.shared, signal, exitCode, true)
      const sys = await startSystem({ DBT_SYNC_RESUME_INTERRUPTED: 'false' }, dataDir)
      try {
        const { jobs } = await sys.call<{ jobs: Job[] }>('jobs.list', {})
        expect(jobs.map((j) => j.status)[0]).toBe('cancelled')
      } finally {
        await sys.stop()
      }
    })
  })
})
