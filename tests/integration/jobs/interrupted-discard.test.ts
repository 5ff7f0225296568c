import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Job, SyncConfig } from '../../../src/shared/contract'
import { testServer } from '../../helpers/mariadb'
import { checksum, connect, countRows, createDb, dropDb, expectSameTable, leftoverShadows, q, rowsHex, uniqueName } from '../engine/support'
import { logRows, settledJob, startSystem, whenJob, type TestSystem } from './support'

/**
 * Issue 11 item 6: what a job interrupted by a shutdown keeps on the target, and what becomes of it.
 * A shutdown keeps the shadow tables (`_dbt_new_<tag>_*`) and checkpoints for a resume; a cancel of
 * the interrupted job, or a new run of its sync, discards them (the existing target tables were
 * never touched); and an `append` into an existing table cannot be resumed mid-copy (docs/api.md):
 * the resumed job fails saying so and appends nothing more.
 */

const ROWS = 100_000
const CHUNK = 2_000

async function fill(c: Connection, db: string, table: string, rows: number): Promise<void> {
  await c.query(`CREATE TABLE \`${db}\`.\`${table}\` (id INT UNSIGNED PRIMARY KEY, uuid CHAR(36) NOT NULL, note VARCHAR(80), amount DECIMAL(12,2), KEY by_note (note))`)
  await c.query(`INSERT INTO \`${db}\`.\`${table}\` SELECT seq, UUID(), IF(seq % 7 = 0, NULL, CONCAT('note ', seq, ' ü')), seq / 100 FROM seq_1_to_${rows}`)
}

const NO_RESUME = { DBT_SYNC_RESUME_INTERRUPTED: 'false' }

/**
 * Saves a sync on a fresh system that does not resume at start, runs it, and stops the system (a
 * shutdown) once `ready` holds for the job: the job is left `interrupted` in the returned data dir.
 */
async function interrupt(
  sync: Omit<SyncConfig, 'id' | 'name' | 'sourceConnectionId' | 'targetConnectionId' | 'createdAt' | 'updatedAt' | 'schedule' | 'lastJob'>,
  ready: (j: Job) => boolean,
  what: string
): Promise<{ jobId: string; syncId: string; dataDir: string }> {
  const t = await startSystem(NO_RESUME)
  try {
    const conn = await t.connection('server', testServer())
    const saved = await t.call<SyncConfig>('syncs.create', { ...sync, name: `interrupted ${Math.random()}`, sourceConnectionId: conn, targetConnectionId: conn })
    const { jobId } = await t.call<{ jobId: string }>('syncs.run', { id: saved.id })
    await whenJob(t.system, jobId, (j) => j.status === 'running' && ready(j), what)
    return { jobId, syncId: saved.id, dataDir: t.dataDir }
  } finally {
    await t.stop()
  }
}

/** The system restarted on an interrupted job's data dir (not resuming), the job checked interrupted. */
async function restart(r: { jobId: string; dataDir: string }): Promise<TestSystem> {
  const t = await startSystem(NO_RESUME, r.dataDir)
  const job = t.system.jobs.get(r.jobId)
  // Not a test of this file if the job ended before the shutdown reached it.
  if (job.status !== 'interrupted') {
    await t.stop()
    throw new Error(`the job must still run at the shutdown: ${JSON.stringify(job)}`)
  }
  return t
}

/** Resolves once `db` holds no `_dbt_` table (a discard runs after the call that started it answered). */
async function whenNoShadows(c: Connection, db: string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms
  while ((await leftoverShadows(c, db)).length > 0) {
    if (Date.now() > until) throw new Error(`shadow tables still on ${db}: ${(await leftoverShadows(c, db)).join(', ')}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('an interrupted job that kept shadow tables', () => {
  const srcDb = uniqueName('int_src')
  const dstDb = uniqueName('int_dst')
  let c: Connection
  const before: Record<string, string> = {}

  beforeAll(async () => {
    await createDb(testServer(), srcDb)
    c = await connect(testServer(), srcDb)
    await fill(c, srcDb, 'small', 3_000)
    await fill(c, srcDb, 'fresh', 3_000)
    await fill(c, srcDb, 'orders', ROWS)
  }, 120_000)

  afterAll(async () => {
    await c?.end()
    await dropDb(testServer(), srcDb)
    await dropDb(testServer(), dstDb)
  })

  /** Target tables small and orders exist with rows of their own; fresh does not exist. */
  async function resetTarget(): Promise<void> {
    await createDb(testServer(), dstDb)
    await c.query(`CREATE TABLE \`${dstDb}\`.small (id INT UNSIGNED PRIMARY KEY, kept VARCHAR(20))`)
    await c.query(`INSERT INTO \`${dstDb}\`.small VALUES (1, 'old small'), (2, 'old small')`)
    await c.query(`CREATE TABLE \`${dstDb}\`.orders (id INT UNSIGNED PRIMARY KEY, kept VARCHAR(20))`)
    await c.query(`INSERT INTO \`${dstDb}\`.orders VALUES (7, 'old orders'), (8, 'old orders')`)
    for (const table of ['small', 'orders']) before[table] = await checksum(c, dstDb, table)
  }

  async function expectTargetAsBefore(): Promise<void> {
    for (const table of ['small', 'orders']) expect(await checksum(c, dstDb, table), table).toBe(before[table])
    expect(await q(c, `SELECT * FROM \`${dstDb}\`.orders ORDER BY id`)).toEqual([
      { id: 7, kept: 'old orders' },
      { id: 8, kept: 'old orders' }
    ])
    const tables = await q(c, 'SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME', [dstDb])
    expect(tables.map((r) => String(r.n))).toEqual(['orders', 'small'])
  }

  it('jobs.cancel on it drops every kept shadow (tables ready to switch in, a new table, one mid-copy); the target tables stay as they were', async () => {
    await resetTarget()
    const r = await interrupt(
      {
        sourceDatabase: srcDb,
        targetDatabase: dstDb,
        tables: [{ source: 'small' }, { source: 'fresh' }, { source: 'orders' }],
        options: { chunkRows: CHUNK, parallelism: 2 }
      },
      // small and fresh wait for the run's one RENAME (swap: together); orders is mid-copy.
      (j) => j.tables[0]?.status === 'ready' && j.tables[1]?.status === 'ready' && (j.tables[2]?.chunksDone ?? 0) >= 1,
      'small and fresh ready, orders copying'
    )
    // The shutdown kept one shadow per table (fresh too: a new table loads under a shadow name)
    // and touched none of the target's tables.
    const kept = await leftoverShadows(c, dstDb)
    expect(kept.map((n) => n.replace(/^_dbt_new_[0-9a-f]+_/, '')).sort()).toEqual(['fresh', 'orders', 'small'])
    expect(kept.every((n) => n.startsWith('_dbt_new_'))).toBe(true)
    for (const table of ['small', 'orders']) expect(await checksum(c, dstDb, table), table).toBe(before[table])

    const t = await restart(r)
    try {
      const cancelled = await t.call<Job>('jobs.cancel', { id: r.jobId })
      expect(cancelled.status).toBe('cancelled')
      expect(cancelled.error).toEqual({ code: 'CANCELLED', message: 'Cancelled; its unfinished work is discarded.' })
      await whenNoShadows(c, dstDb)
      await expectTargetAsBefore()
      const log = (await logRows(t, r.jobId)).map((l) => l.message)
      const dropped = log.find((m) => m.startsWith('dropped the unfinished table(s) '))
      expect(dropped, log.join('\n')).toBeDefined()
      expect(dropped!.replace(/^dropped the unfinished table\(s\) | on the target$/g, '').split(', ').sort()).toEqual([...kept].sort())
      // Nothing is left to resume.
      expect((await t.attempt('jobs.resume', { id: r.jobId })).ok).toBe(false)
    } finally {
      await t.stop()
    }
    // The cancel forgot the checkpoints once the tables were gone: retention finds nothing to drop.
    const later = await startSystem(NO_RESUME, r.dataDir)
    try {
      expect(later.system.jobs.repo.endedWithWorkBefore(Date.now() + 1)).toEqual([])
      await expectTargetAsBefore()
    } finally {
      await later.stop()
    }
  }, 120_000)

  it('a new run of its sync discards the kept shadow first, then replaces the target table; nothing is left over', async () => {
    await resetTarget()
    const r = await interrupt(
      { sourceDatabase: srcDb, targetDatabase: dstDb, tables: [{ source: 'orders' }], options: { chunkRows: CHUNK, parallelism: 2 } },
      (j) => (j.tables[0]?.chunksDone ?? 0) >= 1,
      'orders copying'
    )
    const kept = await leftoverShadows(c, dstDb)
    expect(kept).toHaveLength(1)
    const t = await restart(r)
    try {
      const { jobId } = await t.call<{ jobId: string }>('syncs.run', { id: r.syncId })
      const second = await settledJob(t, jobId)
      expect(second.status, JSON.stringify(second.error)).toBe('succeeded')
      const oldLog = (await logRows(t, r.jobId)).map((l) => l.message)
      expect(oldLog).toContain('a new run of this sync started: the work this job kept for its resume is discarded')
      expect(oldLog).toContain(`dropped the unfinished table(s) ${kept[0]} on the target`)
      await expectSameTable(c, srcDb, 'orders', c, dstDb)
      expect(await leftoverShadows(c, dstDb)).toEqual([])
      expect(await checksum(c, dstDb, 'small')).toBe(before.small)
    } finally {
      await t.stop()
    }
  }, 120_000)
})

describe('an append into an existing table, interrupted mid-copy and resumed', () => {
  const srcDb = uniqueName('app_src')
  const dstDb = uniqueName('app_dst')
  let c: Connection

  beforeAll(async () => {
    await createDb(testServer(), srcDb)
    c = await connect(testServer(), srcDb)
    await fill(c, srcDb, 'orders', ROWS)
    // The same shape on the target, with rows of its own past the source's keys.
    await createDb(testServer(), dstDb)
    await c.query(`CREATE TABLE \`${dstDb}\`.orders LIKE \`${srcDb}\`.orders`)
    await c.query(`INSERT INTO \`${dstDb}\`.orders SELECT 1000000 + seq, UUID(), CONCAT('own ', seq), seq FROM seq_1_to_10`)
  }, 120_000)

  afterAll(async () => {
    await c?.end()
    await dropDb(testServer(), srcDb)
    await dropDb(testServer(), dstDb)
  })

  it('fails with the documented refusal and appends nothing more: the target holds its own rows and each copied row once', async () => {
    const own = await rowsHex(c, dstDb, 'orders')
    const r = await interrupt(
      { sourceDatabase: srcDb, targetDatabase: dstDb, tables: [{ source: 'orders' }], options: { chunkRows: CHUNK, parallelism: 2, onExists: 'append' } },
      (j) => (j.tables[0]?.chunksDone ?? 0) >= 1,
      'orders appending'
    )
    // An append writes straight into the target: the chunks committed before the shutdown are there.
    expect(await leftoverShadows(c, dstDb)).toEqual([])
    const afterStop = { count: await countRows(c, dstDb, 'orders'), sum: await checksum(c, dstDb, 'orders') }
    const t = await restart(r)
    try {
      const chunks = t.system.jobs.get(r.jobId).tables[0]!.chunksDone!
      expect(chunks).toBeGreaterThanOrEqual(1)
      expect(afterStop.count).toBeGreaterThanOrEqual(own.length + chunks * CHUNK)
      expect((await t.call<Job>('jobs.resume', { id: r.jobId })).id).toBe(r.jobId)
      const job = await settledJob(t, r.jobId)
      expect(job.status, JSON.stringify(job)).toBe('failed')
      expect(job.attempts).toBe(2)
      // The root-cause table, the code, and why (docs/api.md: "such a job fails and says so").
      expect(job.error?.code).toBe('COPY_FAILED')
      expect(job.error?.message).toBe(
        `orders: COPY_FAILED: An append copy of orders stopped after ${chunks} committed chunk(s) and cannot be resumed safely (the target's own rows cannot be told from those of an unfinished chunk); run it again with truncate or replace.`
      )
      expect(job.tables[0]).toMatchObject({ status: 'failed', error: { code: 'COPY_FAILED' } })
      expect((await logRows(t, r.jobId)).map((l) => l.message)).toContain(`failed: ${job.error!.message}`)

      // The resume wrote nothing: the target is as the shutdown left it, the table still there.
      expect(await countRows(c, dstDb, 'orders')).toBe(afterStop.count)
      expect(await checksum(c, dstDb, 'orders')).toBe(afterStop.sum)
      // Its own rows untouched, and every copied row once and as on the source (a primary key
      // would refuse a second copy; the rows compare value by value with the source's).
      expect(await rowsHex(c, dstDb, 'orders', { where: 'id > 1000000' })).toEqual(own)
      expect(await countRows(c, dstDb, 'orders', `id <= ${ROWS}`)).toBe(afterStop.count - own.length)
      expect(await rowsHex(c, dstDb, 'orders', { where: `id <= ${ROWS}` })).toEqual(
        await rowsHex(c, srcDb, 'orders', { where: `id IN (SELECT id FROM \`${dstDb}\`.orders WHERE id <= ${ROWS})` })
      )
      // The refusal is final: the job keeps nothing for another resume.
      expect((await t.attempt('jobs.resume', { id: r.jobId })).ok).toBe(false)
    } finally {
      await t.stop()
    }
  }, 120_000)
})
