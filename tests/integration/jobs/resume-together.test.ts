import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Job, SyncConfig } from '../../../src/shared/syncs'
import { testServer } from '../../helpers/mariadb'
import { checksum, connect, createDb, dropDb, expectSameTable, leftoverShadows, uniqueName } from '../engine/support'
import { startSystem, type TestSystem } from './support'

/**
 * A job whose tables switch in together, stopped by a shutdown while one table is `ready` (loaded,
 * verified, waiting for the others) and another is still copying: nothing is switched in, both
 * shadow tables are kept, and the job resumed at the next start finishes both and switches them in
 * at one moment. The existing target tables are untouched until then.
 */
describe('resume with swap: together', () => {
  const addr = testServer()
  const srcDb = uniqueName('rt_src')
  const dstDb = uniqueName('rt_dst')
  let s: Connection
  let t: Connection
  let first: TestSystem | undefined
  let second: TestSystem | undefined

  beforeAll(async () => {
    await createDb(addr, srcDb)
    await createDb(addr, dstDb)
    s = await connect(addr, srcDb)
    t = await connect(addr, dstDb)
    for (const [name, rows] of [['small', 2000], ['big', 120_000]] as const) {
      await s.query(`CREATE TABLE ${name} (id INT UNSIGNED NOT NULL PRIMARY KEY, note VARCHAR(80) NOT NULL, amount DECIMAL(12,2), KEY by_note (note)) ENGINE=InnoDB`)
      await s.query(`INSERT INTO ${name} SELECT seq, CONCAT('note ', seq), seq / 100 FROM seq_1_to_${rows}`)
      await t.query(`CREATE TABLE ${name} (id INT UNSIGNED NOT NULL PRIMARY KEY, note VARCHAR(80) NOT NULL, amount DECIMAL(12,2), KEY by_note (note)) ENGINE=InnoDB`)
      await t.query(`INSERT INTO ${name} VALUES (1, 'the old target row', 0)`)
    }
  })

  afterAll(async () => {
    await first?.stop().catch(() => undefined)
    await second?.stop().catch(() => undefined)
    await s?.end()
    await t?.end()
    await dropDb(addr, srcDb)
    await dropDb(addr, dstDb)
  })

  it('interrupted with one table ready and one copying, resumed: both switch in together, identical', async () => {
    const oldSmall = await checksum(t, dstDb, 'small')
    const oldBig = await checksum(t, dstDb, 'big')
    first = await startSystem()
    const conn = await first.connection('db', addr)
    const sync = await first.call<SyncConfig>('syncs.create', {
      name: 'together',
      sourceConnectionId: conn,
      targetConnectionId: conn,
      sourceDatabase: srcDb,
      targetDatabase: dstDb,
      tables: [{ source: 'small' }, { source: 'big' }],
      options: { chunkRows: 1000, parallelism: 2 }
    })
    const { jobId } = await first.call<{ jobId: string }>('syncs.run', { id: sync.id })
    // Wait (on the store) until small is ready and big has committed chunks but is still copying.
    for (let i = 0; ; i++) {
      const job = first.system.jobs.get(jobId)
      const [small, big] = job.tables
      if (small?.status === 'ready' && big?.status === 'copying' && (big.chunksDone ?? 0) >= 2) break
      if (!['queued', 'running'].includes(job.status) || i > 20_000) throw new Error(`never saw small ready while big copies: ${JSON.stringify(job.tables)}`)
      await new Promise((r) => setTimeout(r, 5))
    }
    const dataDir = first.dataDir
    await first.stop()
    first = undefined

    // Nothing switched in; both shadows kept for the resume.
    expect(await checksum(t, dstDb, 'small')).toBe(oldSmall)
    expect(await checksum(t, dstDb, 'big')).toBe(oldBig)
    const kept = await leftoverShadows(t, dstDb)
    expect(kept.filter((n) => n.startsWith('_dbt_new_'))).toHaveLength(2)

    second = await startSystem({}, dataDir)
    let job: Job
    for (;;) {
      job = second.system.jobs.get(jobId)
      if (!['queued', 'running', 'interrupted'].includes(job.status)) break
      await new Promise((r) => setTimeout(r, 20))
    }
    expect(job.status).toBe('succeeded')
    expect(job.attempts).toBeGreaterThanOrEqual(2)
    expect(job.tables.map((x) => [x.source, x.status])).toEqual([
      ['small', 'done'],
      ['big', 'done']
    ])
    for (const x of job.tables) expect(x.verified).toBe(true)
    await expectSameTable(s, srcDb, 'small', t, dstDb)
    await expectSameTable(s, srcDb, 'big', t, dstDb)
    expect(await leftoverShadows(t, dstDb)).toEqual([])
    const logs = await second.call<{ message: string }[]>('jobs.logs', { id: jobId })
    expect(logs.some((l) => l.message.startsWith('switched in 2 table(s) at one moment'))).toBe(true)
  })
})
