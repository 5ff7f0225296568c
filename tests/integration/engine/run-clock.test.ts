import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../helpers/mariadb'
import { connect, copy, dropDb, expectSucceeded, q, type Side } from './support'

/**
 * A run reads the clock once: NOW() and its kin answer the same moment on every source reader, in
 * every chunk and in the verification that follows, so a time-relative filter picks one set of rows.
 * The filter below changes its answer every 100 ms; read at the moments the chunks happen to be
 * read, the copy would pick rows of both parities and its verification others again.
 */
describe("a run's one moment", () => {
  let src: Awaited<ReturnType<typeof createTestDatabase>>
  let s: Connection
  let t: Connection
  let targetDb: string

  beforeAll(async () => {
    src = await createTestDatabase('run_clock')
    targetDb = `${src.name}_t`
    s = await connect(src.addr, src.name)
    await s.query('CREATE TABLE ticks (id INT NOT NULL PRIMARY KEY, v VARCHAR(10)) ENGINE=InnoDB; INSERT INTO ticks SELECT seq, "x" FROM seq_1_to_4000')
    t = await connect(src.addr)
  })

  afterAll(async () => {
    await s?.end()
    await t?.end()
    await dropDb(src.addr, targetDb)
    await src?.drop()
  })

  it('a filter on NOW() picks the same rows in every chunk and in the verification', async () => {
    const S: Side = { addr: src.addr, db: src.name }
    const T: Side = { addr: src.addr, db: targetDb }
    const where = 'id % 2 = FLOOR(UNIX_TIMESTAMP(NOW(6)) * 10) % 2'
    const summary = await copy(S, T, { tables: [{ source: 'ticks', where }] }, { chunkRows: 20, parallelism: 2 })
    expectSucceeded(summary)
    expect(summary.tables[0]).toMatchObject({ verified: true, rowsWritten: 2000 })
    const parities = await q(t, `SELECT COUNT(DISTINCT id % 2) AS n FROM \`${targetDb}\`.ticks`)
    expect(Number(parities[0]?.n)).toBe(1)
  })
})
