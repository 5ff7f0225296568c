import type { Connection } from 'mysql2/promise'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { checksum, copy, expectSameTable, expectSucceeded, leftoverShadows, q, sourceAndTarget, type SourceAndTarget } from './support'

/**
 * All tables or none (issue 10 item 7) and an honest outcome (item 8). Under `swap: together` (the
 * default) a run whose third table fails leaves the first two as they were, and says which table
 * was the root cause; under `swap: each` tables publish as they finish. A table that did not end in
 * place is never shown verified; a cancelled one is `cancelled`.
 */

const SOURCE = `
CREATE TABLE t1 (id INT NOT NULL PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB;
CREATE TABLE t2 (id INT NOT NULL PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB;
CREATE TABLE t3 (id INT NOT NULL PRIMARY KEY, v VARCHAR(20) NOT NULL, KEY by_v (v)) ENGINE=InnoDB;
CREATE TABLE fresh (id INT NOT NULL PRIMARY KEY) ENGINE=InnoDB;
INSERT INTO t1 SELECT seq, CONCAT('new', seq) FROM seq_1_to_50;
INSERT INTO t2 SELECT seq, CONCAT('new', seq) FROM seq_1_to_60;
INSERT INTO t3 SELECT seq, CONCAT('new', seq) FROM seq_1_to_1000;
INSERT INTO fresh SELECT seq FROM seq_1_to_10;
`
const TARGET = `
DROP TABLE IF EXISTS t1, t2, t3, fresh;
CREATE TABLE t1 (id INT NOT NULL PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB;
CREATE TABLE t2 (id INT NOT NULL PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB;
CREATE TABLE t3 (id INT NOT NULL PRIMARY KEY, v VARCHAR(20) NOT NULL, KEY by_v (v)) ENGINE=InnoDB;
INSERT INTO t1 VALUES (1, 'old');
INSERT INTO t2 VALUES (1, 'old');
INSERT INTO t3 VALUES (1, 'old');
`

describe('all tables or none, and an honest outcome', () => {
  const env = sourceAndTarget('all_or_none', SOURCE)
  const { S, T } = env
  let src: SourceAndTarget['src']
  let s: Connection
  let t: Connection
  let targetDb: string
  beforeAll(() => void ({ src, s, t, targetDb } = env))
  const before: Record<string, string> = {}
  const ALL = [{ source: 't1' }, { source: 't2' }, { source: 'fresh' }, { source: 't3' }]

  beforeEach(async () => {
    await t.query(TARGET)
    for (const x of ['t1', 't2', 't3']) before[x] = await checksum(t, targetDb, x)
  })

  /** Makes t3 differ from the source while its index is built: it fails VERIFY_MISMATCH, after t1 and t2 are ready. */
  const breakT3 = {
    log: (_level: string, message: string, table?: string): void => {
      if (table !== 't3' || !message.includes('secondary index')) return
      void leftoverShadows(t, targetDb).then((names) => {
        const shadow = names.find((n) => n.endsWith('_t3'))
        return shadow ? t.query(`UPDATE \`${shadow}\` SET v = 'tampered' WHERE id = 1000`) : undefined
      })
    }
  }

  it('together: the third table fails, so no table is switched in; the error names the root cause', async () => {
    // t3 runs last and alone (parallelism 1), so t1, t2 and fresh are ready before it fails.
    const summary = await copy(S(), T(), { tables: ALL }, { chunkRows: 1, parallelism: 1 }, breakT3)
    expect(summary.status).toBe('failed')
    expect(summary.swap).toBe('together')
    const byName = Object.fromEntries(summary.tables.map((x) => [x.source, x]))
    expect(byName.t3).toMatchObject({ status: 'failed', verified: false, error: { code: 'VERIFY_MISMATCH' } })
    for (const x of ['t1', 't2', 'fresh']) {
      expect(byName[x]).toMatchObject({ status: 'cancelled', verified: null, error: { code: 'CANCELLED' } })
      expect(byName[x]!.error!.message).toContain('Not switched in: t3 failed')
    }
    // The root cause, its code and its message, not only a count of failed tables.
    expect(summary.error?.code).toBe('VERIFY_MISMATCH')
    expect(summary.error?.message).toMatch(/^t3: VERIFY_MISMATCH: Verification failed for t3/)
    expect(summary.error?.message).toContain('3 other table(s) were not switched in')
    for (const x of ['t1', 't2', 't3']) expect(await checksum(t, targetDb, x)).toBe(before[x])
    // The table that did not exist before does not appear either.
    expect(await q(t, "SHOW TABLES LIKE 'fresh'")).toHaveLength(0)
    expect(await leftoverShadows(t, targetDb)).toEqual([])
  })

  it('each: tables publish as they finish; only the failed one stays as it was', async () => {
    const summary = await copy(S(), T(), { tables: ALL }, { chunkRows: 1, parallelism: 1, swap: 'each' }, breakT3)
    expect(summary.status).toBe('failed')
    expect(summary.swap).toBe('each')
    for (const x of ['t1', 't2', 'fresh']) await expectSameTable(s, src.name, x, t, targetDb)
    expect(summary.tables.filter((x) => x.status === 'done').map((x) => x.source)).toEqual(['t1', 't2', 'fresh'])
    expect(await checksum(t, targetDb, 't3')).toBe(before.t3)
    expect(await leftoverShadows(t, targetDb)).toEqual([])
  })

  it('together: a clean run switches every table in at the end, each verified', async () => {
    const summary = await copy(S(), T(), { tables: ALL }, { chunkRows: 100, parallelism: 2 })
    expectSucceeded(summary)
    for (const x of summary.tables) expect(x).toMatchObject({ status: 'done', verified: true })
    for (const x of ['t1', 't2', 't3', 'fresh']) await expectSameTable(s, src.name, x, t, targetDb)
    expect(await leftoverShadows(t, targetDb)).toEqual([])
  })

  it('a table whose foreign key cannot be added fails and is not shown verified', async () => {
    // The child references a parent the target holds without an index on the referenced column:
    // the rows copy and verify, then ALTER TABLE ... ADD FOREIGN KEY is refused.
    await s.query('CREATE TABLE IF NOT EXISTS parent_x (id INT NOT NULL PRIMARY KEY) ENGINE=InnoDB')
    await s.query('CREATE TABLE IF NOT EXISTS child_x (id INT NOT NULL PRIMARY KEY, p INT, KEY (p), CONSTRAINT child_x_fk FOREIGN KEY (p) REFERENCES parent_x (id)) ENGINE=InnoDB')
    await s.query('INSERT IGNORE INTO parent_x VALUES (1); INSERT IGNORE INTO child_x VALUES (1, 1)')
    await t.query('DROP TABLE IF EXISTS child_x, parent_x; CREATE TABLE parent_x (id INT NOT NULL) ENGINE=InnoDB')
    const summary = await copy(S(), T(), { tables: [{ source: 'child_x' }] })
    expect(summary.status).toBe('failed')
    expect(summary.tables[0]).toMatchObject({ status: 'failed', verified: null })
    expect(summary.tables[0]!.error!.message).toContain('adding foreign keys failed')
    expect(summary.error?.message).toMatch(/^child_x: COPY_FAILED: adding foreign keys failed/)
  })

  it('a cancelled run: tables in flight and not started are cancelled, not failed; nothing switched in', async () => {
    const ac = new AbortController()
    const summary = await copy(S(), T(), { tables: ALL }, { chunkRows: 1, parallelism: 1 }, {
      progress: (r) => {
        if (r.source === 't2' && r.status === 'copying' && r.rowsWritten > 0) ac.abort()
      },
      signal: ac.signal
    })
    expect(summary.status).toBe('cancelled')
    const status = Object.fromEntries(summary.tables.map((x) => [x.source, x.status]))
    expect(status).toEqual({ t1: 'cancelled', t2: 'cancelled', fresh: 'cancelled', t3: 'cancelled' })
    for (const x of summary.tables) expect(x.verified).toBeNull()
    for (const x of ['t1', 't2', 't3']) expect(await checksum(t, targetDb, x)).toBe(before[x])
    expect(await leftoverShadows(t, targetDb)).toEqual([])
  })
})
