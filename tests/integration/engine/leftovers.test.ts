import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { openSession } from '../../../src/main/sync/engine/session/endpoint'
import { planRun, resolveTasks } from '../../../src/main/sync/engine/plan'
import { connect, copy, endpoint, expectSameTable, expectSucceeded, leftoverShadows, options, q, sourceAndTarget, type SourceAndTarget } from './support'

/**
 * Leftovers of runs that died (issue 10 item 4). A run holds the named lock `db-taxi:run:<tag>`
 * and tags its statements; a later run on the same target finds the shadow tables and statements
 * of runs whose lock is free, drops and kills them, and says so; the plan lists them first. A live
 * run's tables (its lock is held) and a job's that may resume are never touched.
 */

describe('leftovers of dead runs', () => {
  const env = sourceAndTarget('leftovers', 'CREATE TABLE items (id INT NOT NULL PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB; INSERT INTO items SELECT seq, CONCAT("v", seq) FROM seq_1_to_200')
  const { S, T } = env
  let src: SourceAndTarget['src']
  let s: Connection
  let t: Connection
  let targetDb: string
  beforeAll(() => void ({ src, s, t, targetDb } = env))
  const held: Connection[] = []

  afterAll(async () => {
    for (const c of held) await c.end().catch(() => c.destroy())
  })

  beforeEach(async () => {
    for (const name of await leftoverShadows(t, targetDb)) await t.query(`DROP TABLE \`${name}\``)
  })

  const shadow = async (name: string): Promise<void> => {
    await t.query(`CREATE TABLE \`${name}\` (id INT PRIMARY KEY) ENGINE=InnoDB`)
  }

  /** A statement running under a run's tag, on a connection of its own (as a dead run's server side goes on). */
  const taggedSleep = async (tag: string): Promise<{ conn: Connection; ended: Promise<unknown> }> => {
    const conn = await connect(src.addr)
    held.push(conn)
    const ended = conn.query(`/* db-taxi:${tag} */ SELECT SLEEP(120)`).then(
      () => 'finished',
      (e: { code?: string }) => e.code ?? 'error'
    )
    // Wait until the server shows it running.
    for (let i = 0; i < 100; i++) {
      const rows = await q(t, "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE ?", [`/* db-taxi:${tag} */%`])
      if (Number(rows[0]?.n) > 0) break
      await new Promise((r) => setTimeout(r, 20))
    }
    return { conn, ended }
  }

  const plan = async () => {
    const source = endpoint(src.addr, src.name)
    const sm = await openSession(source, 'meta')
    const tm = await openSession(endpoint(src.addr, targetDb), 'write')
    try {
      const tasks = await resolveTasks(sm, src.name, { tables: [{ source: 'items' }] })
      return await planRun(sm, tm, src.name, targetDb, tasks, options())
    } finally {
      await sm.end()
      await tm.end()
    }
  }

  it('a dead one-shot run: its shadow and old tables are dropped, its statements killed, and the run says so', async () => {
    await shadow('_dbt_new_xdead1_items')
    await shadow('_dbt_old_xdead1_other')
    await t.query('CREATE TABLE other (id INT PRIMARY KEY)')
    const sleeping = await taggedSleep('xdead1')

    const before = await plan()
    const dead = before.leftovers.find((l) => l.tag === 'xdead1')
    expect(dead).toMatchObject({ state: 'dead' })
    expect(dead!.tables.map((x) => x.name).sort()).toEqual(['_dbt_new_xdead1_items', '_dbt_old_xdead1_other'])
    expect(dead!.queries.length).toBe(1)
    // The plan changed nothing.
    expect((await leftoverShadows(t, targetDb)).sort()).toEqual(['_dbt_new_xdead1_items', '_dbt_old_xdead1_other'])

    const logs: string[] = []
    const summary = await copy(S(), T(), { tables: [{ source: 'items' }] }, {}, { log: (_l, m) => logs.push(m) })
    expectSucceeded(summary)
    await expectSameTable(s, src.name, 'items', t, targetDb)
    const cleared = summary.cleared?.find((c) => c.tag === 'xdead1')
    expect(cleared?.dropped.sort()).toEqual(['_dbt_new_xdead1_items', '_dbt_old_xdead1_other'])
    expect(cleared?.killed).toBe(1)
    expect(logs.some((m) => m.startsWith('cleared what the dead run xdead1 left: dropped'))).toBe(true)
    expect(await sleeping.ended).not.toBe('finished')
    expect(await leftoverShadows(t, targetDb)).toEqual([])
    await t.query('DROP TABLE other')
  })

  it("a live run's tables and statements are never touched", async () => {
    // A run that is alive holds its lock (here on a connection of the test's).
    const live = await connect(src.addr)
    held.push(live)
    await live.query("SELECT GET_LOCK('db-taxi:run:xlive1', 0)")
    await shadow('_dbt_new_xlive1_items')
    const sleeping = await taggedSleep('xlive1')
    const before = await plan()
    expect(before.leftovers.find((l) => l.tag === 'xlive1')).toMatchObject({ state: 'live' })

    const summary = await copy(S(), T(), { tables: [{ source: 'items' }] })
    expectSucceeded(summary)
    expect(summary.cleared?.find((c) => c.tag === 'xlive1')).toBeUndefined()
    expect(summary.leftovers?.find((l) => l.tag === 'xlive1')).toMatchObject({ state: 'live' })
    expect(await leftoverShadows(t, targetDb)).toEqual(['_dbt_new_xlive1_items'])
    const still = await q(t, 'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE ?', ['/* db-taxi:xlive1 */%'])
    expect(Number(still[0]?.n)).toBe(1)
    await t.query(`KILL ${sleeping.conn.threadId}`)
    await sleeping.ended
    await live.query("SELECT RELEASE_LOCK('db-taxi:run:xlive1')")
  })

  it("a job's shadow table is kept while the job may resume, and dropped once it will not", async () => {
    await shadow('_dbt_new_abc123_items')
    // Not known to this run (another store's job, or a CLI run): kept and reported.
    const unknown = await copy(S(), T(), { tables: [{ source: 'items' }] })
    expectSucceeded(unknown)
    expect(unknown.leftovers?.find((l) => l.tag === 'abc123')).toMatchObject({ state: 'resumable' })
    expect(await leftoverShadows(t, targetDb)).toEqual(['_dbt_new_abc123_items'])
    // The job engine knows the job may resume: kept.
    const resumable = await copy(S(), T(), { tables: [{ source: 'items' }] }, {}, { resumable: (tag) => (tag === 'abc123' ? true : undefined) })
    expect(resumable.cleared?.find((c) => c.tag === 'abc123')).toBeUndefined()
    expect(await leftoverShadows(t, targetDb)).toEqual(['_dbt_new_abc123_items'])
    // The job has ended: its shadow goes.
    const ended = await copy(S(), T(), { tables: [{ source: 'items' }] }, {}, { resumable: (tag) => (tag === 'abc123' ? false : undefined) })
    expect(ended.cleared?.find((c) => c.tag === 'abc123')?.dropped).toEqual(['_dbt_new_abc123_items'])
    expect(await leftoverShadows(t, targetDb)).toEqual([])
  })

  it('a run never takes a table of its own tag for a leftover (a resumed job finds its shadows)', async () => {
    await shadow('_dbt_new_xself1_items')
    const before = await plan()
    expect(before.leftovers.map((l) => l.tag)).toContain('xself1')
    const sm = await openSession(endpoint(src.addr, src.name), 'meta')
    const tm = await openSession(endpoint(src.addr, targetDb), 'write')
    try {
      const { findLeftovers } = await import('../../../src/main/sync/engine/leftovers')
      expect((await findLeftovers(tm, targetDb, { selfTag: 'xself1', source: sm })).map((l) => l.tag)).not.toContain('xself1')
    } finally {
      await sm.end()
      await tm.end()
    }
  })
})
