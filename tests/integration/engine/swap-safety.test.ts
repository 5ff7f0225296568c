import type { Connection } from 'mysql2/promise'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { SwapStep } from '../../../src/main/sync/engine/swap'
import { openSession } from '../../../src/main/sync/engine/session/endpoint'
import { resolveTasks } from '../../../src/main/sync/engine/plan'
import { runFullCopy } from '../../../src/main/sync/engine/run'
import { checksum, connect, copy, endpoint, expectSameTable, expectSucceeded, leftoverShadows, options, q, sourceAndTarget, type SourceAndTarget } from './support'

/**
 * The target table exists at every moment, and a run's tables change together (issue 10 items 5
 * and 7): the swap is one atomic RENAME for every table of the run; foreign keys of tables outside
 * the run that point at a replaced table are pointed at the new one (two ALTERs that each keep one
 * constraint in place); the old tables are dropped last. A failure injected before each of those
 * statements leaves every target table whole (all old, or all new), and the next run finishes what
 * is left over. A reader that runs throughout never sees a missing table or a mix of old and new.
 */

const SOURCE = `
CREATE TABLE a (id INT NOT NULL PRIMARY KEY, v VARCHAR(20) NOT NULL, KEY by_v (v)) ENGINE=InnoDB;
CREATE TABLE b (id INT NOT NULL PRIMARY KEY, a_id INT NOT NULL, KEY by_a (a_id), CONSTRAINT b_fk FOREIGN KEY (a_id) REFERENCES a (id)) ENGINE=InnoDB;
INSERT INTO a SELECT seq, CONCAT('new', seq) FROM seq_1_to_3000;
INSERT INTO b SELECT seq, 1 + seq % 3000 FROM seq_1_to_2000;
`
// The target holds older versions of a and b, and c, a table of its own that references a.
const TARGET = `
DROP TABLE IF EXISTS c, b, a;
CREATE TABLE a (id INT NOT NULL PRIMARY KEY, v VARCHAR(20) NOT NULL, KEY by_v (v)) ENGINE=InnoDB;
CREATE TABLE b (id INT NOT NULL PRIMARY KEY, a_id INT NOT NULL, KEY by_a (a_id), CONSTRAINT b_fk FOREIGN KEY (a_id) REFERENCES a (id)) ENGINE=InnoDB;
CREATE TABLE c (id INT NOT NULL PRIMARY KEY, a_id INT NOT NULL, KEY by_a (a_id), CONSTRAINT c_fk FOREIGN KEY (a_id) REFERENCES a (id) ON DELETE CASCADE) ENGINE=InnoDB;
INSERT INTO a SELECT seq, CONCAT('old', seq) FROM seq_1_to_500;
INSERT INTO b SELECT seq, 1 + seq % 500 FROM seq_1_to_100;
INSERT INTO c SELECT seq, 1 + seq % 400 FROM seq_1_to_50;
`

describe('the swap: atomic, whole at every step, finished by the next run', () => {
  const env = sourceAndTarget('swap_safety', SOURCE)
  const { S, T } = env
  let src: SourceAndTarget['src']
  let s: Connection
  let t: Connection
  let targetDb: string
  beforeAll(() => void ({ src, s, t, targetDb } = env))
  let oldA = ''
  let oldB = ''
  let oldC = ''

  beforeEach(async () => {
    // What an earlier test's failed swap left holds constraint names the fresh tables need.
    for (const name of await leftoverShadows(t, targetDb)) await t.query(`SET foreign_key_checks = 0; DROP TABLE \`${name}\`; SET foreign_key_checks = 1`)
    await t.query(TARGET)
    oldA = await checksum(t, targetDb, 'a')
    oldB = await checksum(t, targetDb, 'b')
    oldC = await checksum(t, targetDb, 'c')
  })

  const fks = async (): Promise<string[]> =>
    (
      await q(
        t,
        'SELECT CONCAT(TABLE_NAME, ".", CONSTRAINT_NAME, "->", REFERENCED_TABLE_NAME) AS f FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? ORDER BY 1',
        [targetDb]
      )
    ).map((r) => String(r.f))

  /** Both tables are there and hold either all of the old rows or all of the new ones, the same for both. */
  const whole = async (): Promise<'old' | 'new'> => {
    const [a, b] = [await checksum(t, targetDb, 'a'), await checksum(t, targetDb, 'b')]
    if (a === oldA && b === oldB) return 'old'
    // The rows (a swap that did not finish has not added b's foreign key yet: compared at the end).
    expect([a, b]).toEqual([await checksum(s, src.name, 'a'), await checksum(s, src.name, 'b')])
    return 'new'
  }

  const run = (swapStep?: (step: SwapStep) => void) =>
    copy(S(), T(), { tables: [{ source: 'a' }, { source: 'b' }] }, { chunkRows: 500, parallelism: 2 }, swapStep ? { swapStep } : {})

  it('a clean run: one moment for both tables, c points at the new a, nothing left', async () => {
    const summary = await run()
    expectSucceeded(summary)
    expect(summary.swap).toBe('together')
    expect(await whole()).toBe('new')
    expect(await fks()).toEqual(['b.b_fk->a', 'c.c_fk->a'])
    expect(await checksum(t, targetDb, 'c')).toBe(oldC)
    expect(await leftoverShadows(t, targetDb)).toEqual([])
    // c's constraint is enforced against the new a.
    await expect(t.query('INSERT INTO c VALUES (9000, 2999)')).resolves.toBeDefined()
    await expect(t.query('INSERT INTO c VALUES (9001, 999999)')).rejects.toMatchObject({ code: 'ER_NO_REFERENCED_ROW_2' })
  })

  const steps: SwapStep[] = ['rename', 'repoint-add', 'repoint-restore', 'drop-old']
  it.each(steps)('a failure before "%s": every table whole, and the next run leaves it clean', async (step) => {
    const summary = await run((at) => {
      if (at === step) throw new Error(`injected failure before ${at}`)
    })
    expect(summary.status).toBe('failed')
    expect(summary.error?.message).toContain(`injected failure before ${step}`)
    const state = await whole()
    expect(state).toBe(step === 'rename' ? 'old' : 'new')
    for (const table of summary.tables) {
      // A table that is not in place is never shown verified; one that is, is done.
      if (state === 'old') expect(table).toMatchObject({ status: 'failed', verified: null })
      else expect(table.status).toBe('done')
    }
    expect(await checksum(t, targetDb, 'c')).toBe(oldC)
    // c always has exactly one constraint on a_id, pointing at a table that exists.
    const cFks = (await fks()).filter((f) => f.startsWith('c.'))
    expect(cFks).toHaveLength(1)
    if (step === 'rename') expect(await leftoverShadows(t, targetDb)).toEqual([])

    // The next run (a new one-shot run) clears what the dead one left and succeeds.
    const next = await run()
    expectSucceeded(next)
    if (step !== 'rename') expect((next.cleared ?? []).map((c) => c.dropped.length).reduce((x, y) => x + y, 0)).toBeGreaterThan(0)
    expect(await whole()).toBe('new')
    await expectSameTable(s, src.name, 'a', t, targetDb)
    await expectSameTable(s, src.name, 'b', t, targetDb)
    expect(await fks()).toEqual(['b.b_fk->a', 'c.c_fk->a'])
    expect(await checksum(t, targetDb, 'c')).toBe(oldC)
    expect(await leftoverShadows(t, targetDb)).toEqual([])
  })

  it("a job's next attempt (same tag) finishes the swap its earlier attempt stopped in", async () => {
    const source = endpoint(src.addr, src.name)
    const target = endpoint(src.addr, targetDb)
    const meta = await openSession(source, 'meta')
    const tables = await resolveTasks(meta, src.name, { tables: [{ source: 'a' }, { source: 'b' }] }).finally(() => meta.end())
    const spec = { source, target, sourceDatabase: src.name, targetDatabase: targetDb, tables, options: options({ chunkRows: 500 }), runTag: 'abc999' }
    const failed = await runFullCopy(spec, {
      swapStep: (step) => {
        if (step === 'repoint-add') throw new Error('stopped after the rename')
      }
    })
    expect(failed.status).toBe('failed')
    expect((await leftoverShadows(t, targetDb)).filter((n) => n.startsWith('_dbt_old_abc999_'))).toHaveLength(2)
    const logs: string[] = []
    const again = await runFullCopy(spec, { log: (_l, m) => logs.push(m) })
    expectSucceeded(again)
    expect(logs.some((m) => m.startsWith('finished the swap an earlier attempt of this job stopped in'))).toBe(true)
    expect(await fks()).toEqual(['b.b_fk->a', 'c.c_fk->a'])
    expect(await checksum(t, targetDb, 'c')).toBe(oldC)
    expect(await leftoverShadows(t, targetDb)).toEqual([])
    await expectSameTable(s, src.name, 'a', t, targetDb)
  })

  it('a reader looping across a run never sees an error, a missing table or a mix of old and new', async () => {
    const reader = await connect(src.addr, targetDb)
    const seen = new Set<string>()
    const errors: string[] = []
    let stop = false
    const loop = (async () => {
      while (!stop) {
        try {
          // One statement reads both tables: it sees them at one moment.
          const rows = await q(reader, 'SELECT (SELECT COUNT(*) FROM a) AS a, (SELECT COUNT(*) FROM b) AS b, (SELECT MIN(v) FROM a) AS v')
          seen.add(`${String(rows[0]!.a)}/${String(rows[0]!.b)}/${String(rows[0]!.v).slice(0, 3)}`)
        } catch (err) {
          errors.push((err as Error).message)
        }
      }
    })()
    try {
      // Wait until the reader has seen the old tables, then run.
      await expect.poll(() => seen.size, { timeout: 10_000 }).toBeGreaterThan(0)
      expectSucceeded(await run())
      const after = seen.size
      await expect.poll(() => seen.has('3000/2000/new'), { timeout: 10_000 }).toBe(true)
      expect(after).toBeGreaterThan(0)
    } finally {
      stop = true
      await loop
      await reader.end()
    }
    expect(errors).toEqual([])
    expect([...seen].sort()).toEqual(['3000/2000/new', '500/100/old'])
  })
})
