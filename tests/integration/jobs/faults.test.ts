import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Job, SyncConfig } from '../../../src/shared/contract'
import { startPrivateServer, testServer, type PrivateServer } from '../../helpers/mariadb'
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy'
import { connect, countRows, createDb, dropDb, expectSameTable, leftoverShadows, q, uniqueName } from '../engine/support'
import { startSystem, whenChunks, type TestSystem } from './support'

/**
 * The job engine against real failures: a source server killed and restarted, a network that cuts
 * every connection, a wrong password, a cancel while a retry waits, and two schedules competing for
 * one job slot. Every job must end identical to its source, or fail the way it should.
 */

const ROWS = 100_000
const CHUNK = 2_000

async function fillOrders(c: Connection, db: string, table = 'orders', rows = ROWS): Promise<void> {
  await c.query(`CREATE TABLE \`${db}\`.\`${table}\` (id INT UNSIGNED PRIMARY KEY, uuid CHAR(36) NOT NULL, note VARCHAR(80), amount DECIMAL(12,2), KEY by_note (note))`)
  await c.query(
    `INSERT INTO \`${db}\`.\`${table}\` SELECT seq, UUID(), IF(seq % 7 = 0, NULL, CONCAT('note ', seq, ' ü')), seq / 100 FROM \`${db}\`.seq_1_to_${rows}`
  )
}

/**
 * A source and a target database on the shared server for one describe block: the source created
 * and filled by `fill` through an admin session (handed to the block), both dropped afterwards.
 */
function databases(label: string, fill: (c: Connection, srcDb: string, dstDb: string) => Promise<void>): { srcDb: string; dstDb: string } {
  const srcDb = uniqueName(`${label}_src`)
  const dstDb = uniqueName(`${label}_dst`)
  let c: Connection | undefined
  beforeAll(async () => {
    await createDb(testServer(), srcDb)
    c = await connect(testServer())
    await fill(c, srcDb, dstDb)
  }, 60_000)
  afterAll(async () => {
    await c?.end()
    await dropDb(testServer(), srcDb)
    await dropDb(testServer(), dstDb)
  })
  return { srcDb, dstDb }
}

/**
 * Runs `srcDb.orders` into `dstDb` on a system that does not resume at start, and stops that system
 * (a shutdown) once a chunk is committed: the job is left interrupted in the returned data dir.
 */
async function interruptedJob(srcDb: string, dstDb: string): Promise<{ jobId: string; syncId: string; dataDir: string }> {
  const t = await startSystem({ DBT_SYNC_RESUME_INTERRUPTED: 'false' })
  const src = await t.connection('source', testServer())
  const sync = await t.call<SyncConfig>('syncs.create', {
    name: `interrupted ${Math.random()}`,
    sourceConnectionId: src,
    targetConnectionId: src,
    sourceDatabase: srcDb,
    targetDatabase: dstDb,
    tables: [{ source: 'orders' }],
    options: { chunkRows: CHUNK }
  })
  const { jobId } = await t.call<{ jobId: string }>('syncs.run', { id: sync.id })
  await whenChunks(t.system, jobId, 1)
  await t.stop()
  return { jobId, syncId: sync.id, dataDir: t.dataDir }
}

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

describe('a private source server killed with SIGKILL mid-copy and restarted 2 s later', () => {
  let source: PrivateServer
  let t: TestSystem
  let sc: Connection
  const srcDb = 'shop'
  const dstDb = uniqueName('kill_dst')

  beforeAll(async () => {
    source = await startPrivateServer()
    sc = await connect(source)
    await sc.query(`CREATE DATABASE ${srcDb}`)
    await fillOrders(sc, srcDb)
    await sc.end()
    t = await startSystem({ DBT_SYNC_RETRY_DELAY: '250ms', DBT_SYNC_RETRY_ATTEMPTS: '8' })
  }, 120_000)

  afterAll(async () => {
    await t?.stop()
    await source?.stop()
    await dropDb(testServer(), dstDb)
  })

  it('the job retries, continues from its checkpoint and ends identical', async () => {
    const src = await t.connection('private source', source)
    const dst = await t.connection('target', testServer())
    const sync = await t.call<SyncConfig>('syncs.create', {
      name: 'survives a crash',
      sourceConnectionId: src,
      targetConnectionId: dst,
      sourceDatabase: srcDb,
      targetDatabase: dstDb,
      tables: [{ source: 'orders' }],
      options: { chunkRows: CHUNK, parallelism: 2 }
    })
    const { jobId } = await t.call<{ jobId: string }>('syncs.run', { id: sync.id })
    await whenChunks(t.system, jobId, 1)
    source.kill()
    await new Promise((r) => setTimeout(r, 2000))
    await source.restart()

    const job = await settled(t, jobId)
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded')
    expect(job.attempts).toBeGreaterThanOrEqual(2)
    expect(job.tables[0]).toMatchObject({ status: 'done', verified: true, rowsWritten: ROWS })
    const logs = await logsOf(t, jobId)
    expect(logs.some((m) => /attempt 1 failed \(transient/.test(m))).toBe(true)
    expect(logs.some((m) => /resuming after [1-9]\d* committed chunk/.test(m))).toBe(true)

    sc = await connect(source)
    const tc = await connect(testServer())
    try {
      await expectSameTable(sc, srcDb, 'orders', tc, dstDb)
      expect(await leftoverShadows(tc, dstDb)).toEqual([])
    } finally {
      await sc.end()
      await tc.end()
    }
  }, 120_000)
})

describe('a TCP proxy that cuts every source connection several times during a run', () => {
  let t: TestSystem
  let proxy: TcpProxy
  let c: Connection
  const srcDb = uniqueName('cut_src')
  const dstDb = uniqueName('cut_dst')

  beforeAll(async () => {
    await createDb(testServer(), srcDb)
    c = await connect(testServer())
    await fillOrders(c, srcDb)
    // A table without a key restarts from its beginning after a cut; it must not end with duplicates.
    await c.query(`CREATE TABLE \`${srcDb}\`.events (at DATETIME(6) NOT NULL, what VARCHAR(40)) ENGINE=InnoDB`)
    await c.query(`INSERT INTO \`${srcDb}\`.events SELECT '2026-01-01' + INTERVAL seq SECOND, CONCAT('e', seq % 13) FROM \`${srcDb}\`.seq_1_to_30000`)
    // An existing target table that the run replaces (and a cancel must leave untouched).
    await createDb(testServer(), dstDb)
    await c.query(`CREATE TABLE \`${dstDb}\`.orders (id INT UNSIGNED PRIMARY KEY, old_column INT)`)
    await c.query(`INSERT INTO \`${dstDb}\`.orders VALUES (1, 1), (2, 2)`)
    proxy = await startTcpProxy(testServer().port, testServer().host)
    t = await startSystem({ DBT_SYNC_RETRY_DELAY: '100ms', DBT_SYNC_RETRY_ATTEMPTS: '8' })
  }, 120_000)

  afterAll(async () => {
    await t?.stop()
    await proxy?.close()
    await c?.end()
    await dropDb(testServer(), srcDb)
    await dropDb(testServer(), dstDb)
  })

  async function syncThroughProxy(name: string, targetDb: string, tables = [{ source: 'orders' }, { source: 'events' }]): Promise<SyncConfig> {
    const src = await t.connection(`${name} source`, { ...testServer(), port: proxy.port })
    const dst = await t.connection(`${name} target`, testServer())
    return t.call<SyncConfig>('syncs.create', {
      name,
      sourceConnectionId: src,
      targetConnectionId: dst,
      sourceDatabase: srcDb,
      targetDatabase: targetDb,
      tables,
      options: { chunkRows: CHUNK, parallelism: 2 }
    })
  }

  it('a cancel while a retry waits discards the kept work; the existing target table is untouched', async () => {
    const sync = await syncThroughProxy('cancel while waiting', dstDb, [{ source: 'orders' }])
    const { jobId } = await t.call<{ jobId: string }>('syncs.run', { id: sync.id })
    await whenChunks(t.system, jobId, 1)
    proxy.setDown(true)
    proxy.cutAll()
    // The failed attempt keeps its shadow table for the retry...
    const until = Date.now() + 20_000
    while (!(await logsOf(t, jobId)).some((m) => m.includes('retry 1 of')) && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
    expect((await leftoverShadows(c, dstDb)).length).toBe(1)
    // ...and a cancel drops it.
    await t.call<Job>('jobs.cancel', { id: jobId })
    const job = await t.system.jobs.wait(jobId)
    proxy.setDown(false)
    expect(job.status).toBe('cancelled')
    const deadline = Date.now() + 10_000
    while ((await leftoverShadows(c, dstDb)).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    expect(await leftoverShadows(c, dstDb)).toEqual([])
    expect(await q(c, `SELECT * FROM \`${dstDb}\`.orders ORDER BY id`)).toEqual([
      { id: 1, old_column: 1 },
      { id: 2, old_column: 2 }
    ])
  }, 60_000)

  it('the job completes identical, without duplicates, after three cuts', async () => {
    const sync = await syncThroughProxy('survives cuts', dstDb)
    const { jobId } = await t.call<{ jobId: string }>('syncs.run', { id: sync.id })
    // Each cut waits for a chunk committed since the previous one (read from the store), so every
    // cut lands mid-copy and the job has made progress in between.
    // A chunk whose statement finished before a cut can still commit after it, so a new attempt
    // must have started too before the next cut.
    let cuts = 0
    let attempts = 1
    for (; cuts < 3; cuts++) {
      await expect.poll(() => t.system.jobs.get(jobId).attempts, { timeout: 20_000 }).toBeGreaterThanOrEqual(attempts)
      const committed = t.system.jobs.get(jobId).tables[0]?.chunksDone ?? 0
      await whenChunks(t.system, jobId, committed + 1)
      attempts = t.system.jobs.get(jobId).attempts + 1
      proxy.cutAll()
    }
    const job = await settled(t, jobId)
    expect(cuts).toBe(3)
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded')
    expect(job.attempts).toBeGreaterThanOrEqual(4)
    expect(job.tables.map((x) => [x.source, x.status, x.verified, x.rowsWritten])).toEqual([
      ['orders', 'done', true, ROWS],
      ['events', 'done', true, 30_000]
    ])
    // A table finished by an earlier attempt keeps its own times.
    for (const x of job.tables) expect(x.durationMs, x.source).toBeGreaterThan(0)
    await expectSameTable(c, srcDb, 'orders', c, dstDb)
    await expectSameTable(c, srcDb, 'events', c, dstDb)
    expect(await countRows(c, dstDb, 'events')).toBe(30_000)
    expect(await leftoverShadows(c, dstDb)).toEqual([])
  }, 120_000)
})

describe('an interrupted job that is never resumed', () => {
  let c: Connection
  const { srcDb, dstDb } = databases('orphan', async (conn, src, dst) => {
    c = conn
    await fillOrders(c, src)
    await createDb(testServer(), dst)
    await c.query(`CREATE TABLE \`${dst}\`.orders (id INT UNSIGNED PRIMARY KEY)`)
  })

  it('keeps its shadow table until retention: then the shadow is dropped first, and the job after it', async () => {
    const { jobId, dataDir } = await interruptedJob(srcDb, dstDb)
    expect((await leftoverShadows(c, dstDb)).length).toBe(1)

    // Restarted without resume, with every ended job past its retention age.
    const second = await startSystem({ DBT_SYNC_RESUME_INTERRUPTED: 'false', DBT_SYNC_CLEANUP_AGE: '1ms' }, dataDir)
    try {
      await expect.poll(() => leftoverShadows(c, dstDb), { timeout: 10_000 }).toEqual([])
      expect(await countRows(c, dstDb, 'orders')).toBe(0)
      expect(second.system.jobs.cleanup()).toBe(1)
      expect((await second.attempt('jobs.get', { id: jobId })).ok).toBe(false)
    } finally {
      await second.stop()
    }
  }, 60_000)
})

describe('a job interrupted and left alone, while the source and the sync move on', () => {
  let c: Connection
  const { srcDb, dstDb } = databases('moveon', async (conn, src) => {
    c = conn
    await fillOrders(c, src)
    await c.query(`ALTER TABLE \`${src}\`.orders ADD COLUMN code INT UNSIGNED NULL, ADD UNIQUE KEY uq_code (code)`)
    await c.query(`UPDATE \`${src}\`.orders SET code = id`)
  })

  it('resumed after a unique value moved across its checkpoint: the changed chunks are copied again before the unique index is built', async () => {
    await dropDb(testServer(), dstDb)
    const { jobId, dataDir } = await interruptedJob(srcDb, dstDb)
    // Row 10 (copied) gives its code to row 90000 (not copied yet): copied as they were, the index
    // build would find the value twice.
    await c.query(`UPDATE \`${srcDb}\`.orders SET code = NULL WHERE id = 90000`)
    await c.query(`UPDATE \`${srcDb}\`.orders SET code = 90000 WHERE id = 10`)
    const t = await startSystem({ DBT_SYNC_RESUME_INTERRUPTED: 'true' }, dataDir)
    try {
      const job = await settled(t, jobId, 60_000)
      expect(job.status, JSON.stringify(job.error)).toBe('succeeded')
      expect(job.attempts).toBe(2)
      expect((await logsOf(t, jobId)).some((m) => /^resuming after [1-9]\d* committed chunk/.test(m))).toBe(true)
      expect(job.tables[0]!.notes).toContain('1 chunk(s) changed on the source between attempts and were copied again')
      await expectSameTable(c, srcDb, 'orders', c, dstDb)
    } finally {
      await t.stop()
    }
  }, 90_000)

  it('resumed after the source table changed shape: the table starts over with the new definition', async () => {
    await dropDb(testServer(), dstDb)
    const { jobId, dataDir } = await interruptedJob(srcDb, dstDb)
    await c.query(`ALTER TABLE \`${srcDb}\`.orders ADD COLUMN added VARCHAR(10) NOT NULL DEFAULT 'new'`)
    const t = await startSystem({ DBT_SYNC_RESUME_INTERRUPTED: 'true' }, dataDir)
    try {
      const job = await settled(t, jobId, 60_000)
      expect(job.status, JSON.stringify(job.error)).toBe('succeeded')
      expect((await logsOf(t, jobId)).some((m) => m.includes("definition changed since the last attempt"))).toBe(true)
      await expectSameTable(c, srcDb, 'orders', c, dstDb)
    } finally {
      await t.stop()
      await c.query(`ALTER TABLE \`${srcDb}\`.orders DROP COLUMN added`)
    }
  }, 90_000)

  it('a new run of the sync discards what the interrupted job kept; cancelling that job later leaves the new table alone', async () => {
    await dropDb(testServer(), dstDb)
    // The target table did not exist: the interrupted job loaded straight into it.
    const { jobId, syncId, dataDir } = await interruptedJob(srcDb, dstDb)
    const t = await startSystem({ DBT_SYNC_RESUME_INTERRUPTED: 'false' }, dataDir)
    try {
      const second = await t.system.jobs.wait((await t.call<{ jobId: string }>('syncs.run', { id: syncId })).jobId)
      expect(second.status, JSON.stringify(second.error)).toBe('succeeded')
      expect((await logsOf(t, jobId)).some((m) => m.includes('work this job kept for its resume is discarded'))).toBe(true)
      await t.call('jobs.cancel', { id: jobId })
      await new Promise((r) => setTimeout(r, 500))
      await expectSameTable(c, srcDb, 'orders', c, dstDb)
      expect(await leftoverShadows(c, dstDb)).toEqual([])
    } finally {
      await t.stop()
    }
  }, 90_000)
})

describe('permanent errors and schedules', () => {
  let t: TestSystem
  let c: Connection
  const { srcDb, dstDb } = databases('perm', async (conn, src) => {
    c = conn
    await fillOrders(c, src, 'orders', 20_000)
    await fillOrders(c, src, 'orders_b', 20_000)
  })

  beforeAll(async () => {
    t = await startSystem({ DBT_SYNC_RETRY_DELAY: '100ms', DBT_SYNC_RETRY_ATTEMPTS: '5', DBT_SYNC_MAX_CONCURRENCY: '1' })
  })

  afterAll(async () => {
    await t?.stop()
  })

  it('a wrong password fails once, with no retries', async () => {
    await c.query("CREATE USER IF NOT EXISTS 'dbt_perm'@'127.0.0.1' IDENTIFIED BY 'right-one'")
    try {
      const src = await t.connection('wrong password', { ...testServer(), user: 'dbt_perm', password: 'wrong-one' })
      const dst = await t.connection('target', testServer())
      const sync = await t.call<SyncConfig>('syncs.create', {
        name: 'bad credentials',
        sourceConnectionId: src,
        targetConnectionId: dst,
        sourceDatabase: srcDb,
        targetDatabase: dstDb,
        tables: [{ source: 'orders' }]
      })
      const job = await t.system.jobs.wait((await t.call<{ jobId: string }>('syncs.run', { id: sync.id })).jobId)
      expect(job.status).toBe('failed')
      expect(job.error?.code).toBe('AUTH_FAILED')
      expect(job.attempts).toBe(1)
      expect((await logsOf(t, job.id)).some((m) => /retry/i.test(m))).toBe(false)
    } finally {
      await c.query("DROP USER IF EXISTS 'dbt_perm'@'127.0.0.1'")
    }
  }, 60_000)

  it('two schedules firing together with max_concurrency=1 both run, one after the other', async () => {
    const src = await t.connection('sched source', testServer())
    const dst = await t.connection('sched target', testServer())
    const make = (name: string, table: string): Promise<SyncConfig> =>
      t.call<SyncConfig>('syncs.create', {
        name,
        sourceConnectionId: src,
        targetConnectionId: dst,
        sourceDatabase: srcDb,
        targetDatabase: dstDb,
        tables: [{ source: table }],
        schedule: { kind: 'cron', cron: '* * * * * *' }
      })
    const a = await make('every second A', 'orders')
    const b = await make('every second B', 'orders_b')
    const jobsOf = async (id: string): Promise<Job[]> => (await t.call<{ jobs: Job[] }>('jobs.list', { syncId: id })).jobs
    const until = Date.now() + 30_000
    let ja: Job[] = []
    let jb: Job[] = []
    while (Date.now() < until) {
      ja = await jobsOf(a.id)
      jb = await jobsOf(b.id)
      if (ja.some((j) => j.status === 'succeeded') && jb.some((j) => j.status === 'succeeded')) break
      await new Promise((r) => setTimeout(r, 100))
    }
    // Stop the schedules before asserting, so nothing new starts.
    for (const s of [a, b]) await t.call('syncs.update', { id: s.id, schedule: null })
    const first = [...ja, ...jb].filter((j) => j.trigger === 'schedule').sort((x, y) => x.createdAt.localeCompare(y.createdAt))
    expect(ja.some((j) => j.status === 'succeeded')).toBe(true)
    expect(jb.some((j) => j.status === 'succeeded')).toBe(true)
    // Never two at once: every pair of finished jobs ran in disjoint time windows.
    const done = first.filter((j) => j.startedAt && j.finishedAt)
    for (const x of done) {
      for (const y of done) {
        if (x === y) continue
        const overlap = x.startedAt! < y.finishedAt! && y.startedAt! < x.finishedAt!
        expect(overlap, `${x.id} and ${y.id} ran at the same time`).toBe(false)
      }
    }
    await expectSameTable(c, srcDb, 'orders', c, dstDb)
    await expectSameTable(c, srcDb, 'orders_b', c, dstDb)
  }, 60_000)
})
