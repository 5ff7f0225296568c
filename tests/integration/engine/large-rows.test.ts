import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type PrivateServer } from '../../helpers/mariadb'
import { connect, copy, expectSameTable, expectSucceeded, PATHS, privateServer, q } from './support'

/**
 * Rows larger than a server's max_allowed_packet (a private server with max_allowed_packet=1M and
 * rows of 2 and 3 MB):
 * - on the source, the server cannot render them as one line (CONCAT_WS returns NULL), so the line
 *   paths re-read that chunk value by value and render the rows in Node; the bulk path reads plain
 *   columns and never renders a line;
 * - on the target, no statement or packet may be that large: the bulk path sends the large values
 *   ahead in pieces (COM_STMT_SEND_LONG_DATA), LOAD DATA streams them, and the INSERT path, which
 *   cannot, fails the table with a message naming max_allowed_packet.
 */

describe('rows larger than max_allowed_packet', () => {
  let source: PrivateServer
  let target: Awaited<ReturnType<typeof createTestDatabase>>
  let small: PrivateServer
  let s: Connection
  let t: Connection
  let st: Connection
  const db = 'big'

  beforeAll(async () => {
    source = await privateServer(['--max-allowed-packet=1M'])
    target = await createTestDatabase('large_rows')
    // Only a session started under a larger global limit can write such rows; the engine's sessions
    // start after it is back to 1M.
    const admin = await connect(source)
    await admin.query('SET GLOBAL max_allowed_packet = 16777216')
    const w = await connect(source)
    await w.query(`CREATE DATABASE ${db} CHARACTER SET utf8mb4`)
    await w.query(`USE ${db}`)
    await w.query(`CREATE TABLE wide_rows (
      id INT NOT NULL PRIMARY KEY, b BIT(12), f FLOAT, note VARCHAR(20), lb LONGBLOB, lt LONGTEXT, j JSON, n INT NULL
    ) ENGINE=InnoDB`)
    await w.query(`INSERT INTO wide_rows SELECT seq, seq, seq / 3, CONCAT('row\\t', seq), UNHEX(REPEAT('5c090a00ff', seq)), REPEAT('é', seq), '{"a":1}', NULL FROM seq_1_to_9`)
    // 2 MB of every byte value (tabs, newlines, backslashes included) and 2 MB of emoji text.
    await w.query(`UPDATE wide_rows SET lb = REPEAT(UNHEX('${Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0')).join('')}'), 8192), lt = REPEAT('😀\\t\\\\N', 350000) WHERE id = 4`)
    await w.query(`UPDATE wide_rows SET lb = REPEAT('x', 3000000), lt = NULL, j = CONCAT('{"big":"', REPEAT('y', 1200000), '"}') WHERE id = 7`)
    await w.end()
    await admin.query('SET GLOBAL max_allowed_packet = 1048576')
    await admin.end()
    s = await connect(source, db)
    const big = await q(s, 'SELECT id, LENGTH(lb) AS l FROM wide_rows WHERE LENGTH(lb) > 1000000 ORDER BY id')
    expect(big.map((r) => Number(r.id))).toEqual([4, 7])
    t = await connect(target.addr, target.name)
    small = await privateServer(['--max-allowed-packet=1M'])
    st = await connect(small)
    await st.query('CREATE DATABASE tgt CHARACTER SET latin1')
    await st.query('USE tgt')
  })

  afterAll(async () => {
    await s?.end()
    await t?.end()
    await st?.end()
    await target?.drop()
    await source?.stop()
    await small?.stop()
  })

  it.each(PATHS)('copies them exactly from a source that cannot render them (%s path)', async (path) => {
    const logs: string[] = []
    const summary = await copy(
      { addr: source, db },
      { addr: target.addr, db: target.name },
      { tables: [{ source: 'wide_rows', target: `wide_rows_${path.replace('-', '_')}` }] },
      { chunkRows: 3, writePath: path },
      { log: (_level, message) => logs.push(message) }
    )
    expectSucceeded(summary)
    expect(summary.writePath).toBe(path)
    expect(summary.tables[0]).toMatchObject({ rowsRead: 9, rowsWritten: 9, verified: true })
    expect(logs.some((l) => l.includes('too large to render on the source'))).toBe(path !== 'bulk')
    await expectSameTable(s, db, 'wide_rows', t, target.name, `wide_rows_${path.replace('-', '_')}`)
  })

  it.each(['bulk', 'load-data'] as const)('copies them exactly into a target that cannot take them in one packet (%s path)', async (path) => {
    const summary = await copy({ addr: source, db }, { addr: small, db: 'tgt' }, { tables: [{ source: 'wide_rows', target: `into_small_${path.replace('-', '_')}` }] }, { chunkRows: 4, writePath: path })
    expectSucceeded(summary)
    expect(summary.writePath).toBe(path)
    expect(summary.tables[0]).toMatchObject({ rowsRead: 9, rowsWritten: 9, verified: true })
    await expectSameTable(s, db, 'wide_rows', st, 'tgt', `into_small_${path.replace('-', '_')}`)
  })

  it('fails the table clearly on the INSERT path, which cannot split a statement', async () => {
    const summary = await copy({ addr: source, db }, { addr: small, db: 'tgt' }, { tables: [{ source: 'wide_rows', target: 'into_small_insert' }] }, { chunkRows: 4, writePath: 'insert' })
    expect(summary.status).toBe('failed')
    expect(summary.tables[0]!.error).toMatchObject({ code: 'COPY_FAILED' })
    expect(summary.tables[0]!.error!.message).toMatch(/max_allowed_packet/)
    expect(await q(st, "SHOW TABLES LIKE 'into_small_insert'")).toHaveLength(0)
  })

  it('fails the table clearly on the bulk path when the target has no LOAD DATA to fall back on', async () => {
    await st.query('SET GLOBAL local_infile = 0')
    try {
      const summary = await copy({ addr: source, db }, { addr: small, db: 'tgt' }, { tables: [{ source: 'wide_rows', target: 'into_small_nolocal' }] }, { chunkRows: 4, writePath: 'bulk' })
      expect(summary.status).toBe('failed')
      expect(summary.tables[0]!.error).toMatchObject({ code: 'COPY_FAILED' })
      expect(summary.tables[0]!.error!.message).toMatch(/max_allowed_packet.*local_infile/)
      expect(await q(st, "SHOW TABLES LIKE 'into_small_nolocal'")).toHaveLength(0)
    } finally {
      await st.query('SET GLOBAL local_infile = 1')
    }
  })
})
