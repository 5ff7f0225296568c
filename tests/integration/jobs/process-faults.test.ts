import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Job, SyncConfig } from '../../../src/shared/contract'
import { rpc as serveRpc, startServe, type RunningServe } from '../../helpers/cli'
import { testServer, type PrivateServer, type ServerAddress } from '../../helpers/mariadb'
import { connect, countRows, createDb, dropDb, expectSameTable, leftoverShadows, privateServer, q, uniqueName } from '../engine/support'

/**
 * The DB-Taxi process itself dies or is stopped under a job: `db-taxi serve` SIGKILLed at random
 * points and restarted (the job resumes by itself from its checkpoints), SIGTERM (the job ends
 * `interrupted` and resumes on request), and the acceptance run: a 1M-row sync into a
 * second server surviving three SIGKILLs.
 */

const TOKEN = 'process-faults-token-0123456789'

/** The contract over HTTP with this file's fixed token. */
const rpc = <T>(s: RunningServe, method: string, input: unknown = {}): Promise<T> => serveRpc<T>({ baseUrl: s.baseUrl, token: TOKEN }, method, input)

async function fillOrders(c: Connection, db: string, rows: number): Promise<void> {
  await c.query(
    `CREATE TABLE \`${db}\`.orders (id BIGINT UNSIGNED PRIMARY KEY, uuid CHAR(36) NOT NULL, email VARCHAR(120), amount DECIMAL(12,2) NOT NULL,
       status ENUM('new','paid','shipped') NOT NULL, placed_at DATETIME(6) NOT NULL, note TEXT, KEY by_status (status, placed_at), KEY by_email (email))`
  )
  await c.query(
    `INSERT INTO \`${db}\`.orders SELECT seq, UUID(), IF(seq % 9 = 0, NULL, CONCAT('kunde', seq, '@example.org')), seq / 100,
       ELT(1 + seq % 3, 'new', 'paid', 'shipped'), '2026-01-01' + INTERVAL seq SECOND + INTERVAL seq % 999999 MICROSECOND, CONCAT('Grüße ', seq, ' 🚕')
     FROM \`${db}\`.seq_1_to_${rows}`
  )
}

/** A serve process on a data dir that outlives it; restart() starts the next one on the same dir. */
class Host {
  s: RunningServe | null = null
  readonly dataDir = mkdtempSync(join(tmpdir(), 'dbt-proc-'))
  constructor(private readonly env: Record<string, string> = {}) {}
  async start(env: Record<string, string> = {}): Promise<RunningServe> {
    this.s = await startServe(['--data-dir', this.dataDir], { DBT_SERVER_TOKEN: TOKEN, DBT_SYNC_RETRY_DELAY: '200ms', ...this.env, ...env })
    return this.s
  }
  async kill(): Promise<void> {
    const s = this.s!
    const exited = new Promise((r) => s.proc.once('exit', r))
    s.proc.kill('SIGKILL')
    await exited
    this.s = null
  }
  async close(): Promise<void> {
    await this.s?.stop().catch(() => undefined)
    rmSync(this.dataDir, { recursive: true, force: true })
  }
}

async function saveSync(s: RunningServe, source: ServerAddress, target: ServerAddress, sourceDatabase: string, targetDatabase: string, chunkRows?: number): Promise<SyncConfig> {
  const conn = async (name: string, a: ServerAddress): Promise<string> =>
    (await rpc<{ id: string }>(s, 'connections.create', { name, host: a.host, port: a.port, user: a.user, password: a.password })).id
  return rpc<SyncConfig>(s, 'syncs.create', {
    name: `orders ${targetDatabase}`,
    sourceConnectionId: await conn('source', source),
    targetConnectionId: await conn('target', target),
    sourceDatabase,
    targetDatabase,
    tables: [{ source: 'orders' }],
    options: chunkRows ? { chunkRows, parallelism: 2 } : { parallelism: 2 }
  })
}

/** Polls jobs.get until `pred` holds; fails with the job's state after `ms`. */
async function until(s: RunningServe, jobId: string, pred: (j: Job) => boolean, ms = 60_000): Promise<Job> {
  const deadline = Date.now() + ms
  let job = await rpc<Job>(s, 'jobs.get', { id: jobId })
  while (!pred(job)) {
    if (Date.now() > deadline) throw new Error(`job never reached the expected state: ${JSON.stringify(job)}`)
    await new Promise((r) => setTimeout(r, 20))
    job = await rpc<Job>(s, 'jobs.get', { id: jobId })
  }
  return job
}

const chunksOf = (j: Job): number => j.tables[0]?.chunksDone ?? 0
const ended = (j: Job): boolean => !['queued', 'running'].includes(j.status)

describe('db-taxi serve killed and stopped under a job', () => {
  const srcDb = uniqueName('proc_src')
  const dstDb = uniqueName('proc_dst')
  let c: Connection

  beforeAll(async () => {
    await createDb(testServer(), srcDb)
    c = await connect(testServer())
    await fillOrders(c, srcDb, 200_000)
  }, 120_000)

  afterAll(async () => {
    await c?.end()
    await dropDb(testServer(), srcDb)
    await dropDb(testServer(), dstDb)
  })

  it('SIGKILLed at a random point five times in a row: each start resumes the same job from its checkpoint; it ends identical', async () => {
    // An existing target table: the copy goes through a shadow table that every resume must reuse.
    await createDb(testServer(), dstDb)
    await c.query(`CREATE TABLE \`${dstDb}\`.orders (id BIGINT UNSIGNED PRIMARY KEY, stale INT)`)
    await c.query(`INSERT INTO \`${dstDb}\`.orders VALUES (1, 1)`)
    const host = new Host()
    try {
      let s = await host.start()
      const sync = await saveSync(s, testServer(), testServer(), srcDb, dstDb, 5000)
      const { jobId } = await rpc<{ jobId: string }>(s, 'syncs.run', { id: sync.id })
      let seen = 0
      const shadows = new Set<string>()
      for (let kill = 1; kill <= 5; kill++) {
        // Somewhere in the copy, after this process has committed at least one more chunk.
        const target = seen + 1 + Math.floor(Math.random() * 2)
        const job = await until(s, jobId, (j) => chunksOf(j) >= target || ended(j))
        expect(job.status, `kill ${kill}: the job ended before it could be killed`).toBe('running')
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 150)))
        await host.kill()
        seen = chunksOf(await (async () => {
          // Read what the dead process committed, through a fresh one that does not resume yet.
          const peek = await host.start({ DBT_SYNC_RESUME_INTERRUPTED: 'false' })
          const j = await rpc<Job>(peek, 'jobs.get', { id: jobId })
          expect(j.status).toBe('interrupted')
          await peek.stop()
          host.s = null
          return j
        })())
        for (const t of await leftoverShadows(c, dstDb)) shadows.add(t)
        s = await host.start()
      }
      const job = await until(s, jobId, ended, 120_000)
      expect(job.status, JSON.stringify(job.error)).toBe('succeeded')
      expect(job.id).toBe(jobId)
      expect(job.attempts).toBe(6)
      expect(job.tables[0]).toMatchObject({ status: 'done', verified: true, rowsWritten: 200_000 })
      // One shadow table served every attempt, and it is gone now.
      expect(shadows.size).toBe(1)
      expect(await leftoverShadows(c, dstDb)).toEqual([])
      await expectSameTable(c, srcDb, 'orders', c, dstDb)
      const logs = (await rpc<{ message: string }[]>(s, 'jobs.logs', { id: jobId, limit: 500 })).map((l) => l.message)
      expect(logs.filter((m) => /^resuming after [1-9]\d* committed chunk/.test(m)).length).toBeGreaterThanOrEqual(5)
    } finally {
      await host.close()
    }
  }, 300_000)

  it('SIGTERM mid-job ends it interrupted with its shadow kept; jobs.resume finishes it under the same id', async () => {
    await dropDb(testServer(), dstDb)
    await createDb(testServer(), dstDb)
    await c.query(`CREATE TABLE \`${dstDb}\`.orders (id BIGINT UNSIGNED PRIMARY KEY, stale INT)`)
    await c.query(`INSERT INTO \`${dstDb}\`.orders VALUES (7, 7)`)
    const host = new Host({ DBT_SYNC_RESUME_INTERRUPTED: 'false' })
    try {
      let s = await host.start()
      const sync = await saveSync(s, testServer(), testServer(), srcDb, dstDb, 5000)
      const { jobId } = await rpc<{ jobId: string }>(s, 'syncs.run', { id: sync.id })
      await until(s, jobId, (j) => chunksOf(j) >= 3 || ended(j))
      expect(await s.stop('SIGTERM')).toBe(0)
      host.s = null

      s = await host.start()
      const stopped = await rpc<Job>(s, 'jobs.get', { id: jobId })
      expect(stopped.status).toBe('interrupted')
      expect(chunksOf(stopped)).toBeGreaterThanOrEqual(3)
      expect((await leftoverShadows(c, dstDb)).length).toBe(1)
      // The old table is still the old table while the job waits.
      expect(await q(c, `SELECT * FROM \`${dstDb}\`.orders`)).toEqual([{ id: 7, stale: 7 }])

      // The source moves on while the job waits: rows in chunks already copied change and go, one
      // arrives past the end. The resumed job reads at a new point and must end equal to it.
      await c.query(`UPDATE \`${srcDb}\`.orders SET email = 'changed@example.org', amount = 0.01 WHERE id = 10`)
      await c.query(`DELETE FROM \`${srcDb}\`.orders WHERE id = 20`)
      await c.query(`INSERT INTO \`${srcDb}\`.orders SELECT 200001, UUID(), NULL, 1, 'new', NOW(6), 'late'`)

      const resumed = await rpc<Job>(s, 'jobs.resume', { id: jobId })
      expect(resumed.id).toBe(jobId)
      const job = await until(s, jobId, ended, 120_000)
      expect(job.status, JSON.stringify(job.error)).toBe('succeeded')
      expect(job.attempts).toBe(2)
      expect(job.tables[0]).toMatchObject({ verified: true, rowsWritten: 200_000 })
      expect(job.tables[0]!.notes).toContain('1 chunk(s) changed on the source between attempts and were copied again')
      await expectSameTable(c, srcDb, 'orders', c, dstDb)
      expect(await leftoverShadows(c, dstDb)).toEqual([])
      // Resuming a finished job is refused.
      await expect(rpc(s, 'jobs.resume', { id: jobId })).rejects.toThrow(/CONFLICT/)
    } finally {
      await host.close()
    }
  }, 180_000)
})

describe('acceptance: a 1M-row sync into a second server survives three SIGKILLs of db-taxi serve', () => {
  const ROWS = 1_000_000
  const srcDb = uniqueName('acc_src')
  const dstDb = 'acc_dst'
  let c: Connection
  let target: PrivateServer

  beforeAll(async () => {
    await createDb(testServer(), srcDb)
    c = await connect(testServer())
    await fillOrders(c, srcDb, ROWS)
    target = await privateServer(['--innodb-buffer-pool-size=256M'])
  }, 300_000)

  afterAll(async () => {
    await c?.end()
    await dropDb(testServer(), srcDb)
    await target?.stop()
  })

  it('ends succeeded with CHECKSUM TABLE and row count equal to the source', async () => {
    const host = new Host()
    try {
      let s = await host.start()
      const sync = await saveSync(s, testServer(), target, srcDb, dstDb)
      const { jobId } = await rpc<{ jobId: string }>(s, 'syncs.run', { id: sync.id })
      let seen = 0
      for (let kill = 1; kill <= 3; kill++) {
        const job = await until(s, jobId, (j) => chunksOf(j) >= seen + 2 || ended(j), 120_000)
        expect(job.status, `kill ${kill}: the job ended before it could be killed`).toBe('running')
        seen = chunksOf(job)
        await host.kill()
        s = await host.start()
      }
      const job = await until(s, jobId, ended, 240_000)
      expect(job.status, JSON.stringify(job.error)).toBe('succeeded')
      expect(job.attempts).toBe(4)
      expect(job.tables[0]).toMatchObject({ status: 'done', verified: true, rowsWritten: ROWS })
      const t = await connect(target)
      try {
        expect(await countRows(t, dstDb, 'orders')).toBe(ROWS)
        const [a] = await q(c, `CHECKSUM TABLE \`${srcDb}\`.orders`)
        const [b] = await q(t, `CHECKSUM TABLE \`${dstDb}\`.orders`)
        expect(String(b?.Checksum)).toBe(String(a?.Checksum))
      } finally {
        await t.end()
      }
    } finally {
      await host.close()
    }
  }, 600_000)
})
