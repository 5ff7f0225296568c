import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type PrivateServer } from '../../helpers/mariadb'
import { verifyTables } from '../../../src/main/sync/engine/compare/verify-run'
import {
  connect,
  copy,
  createDb,
  endpoint,
  expectSameTable,
  expectSucceeded,
  PATHS,
  privateServer,
  q,
  STRICT_LATIN1
} from './support'
import { ALL_TYPES_DDL, ALL_TYPES_ROWS } from './all-types'

/**
 * Every column type MariaDB has, at its extremes, copied byte-identically through both write paths
 * into a target server whose defaults differ (latin1, strict sql_mode) and a target database whose
 * default character set is latin1.
 */

describe.each(PATHS)('every column type (%s path)', (path) => {
  let source: Awaited<ReturnType<typeof createTestDatabase>>
  let target: PrivateServer
  let s: Connection
  let t: Connection
  const targetDb = 'copy_target'

  beforeAll(async () => {
    source = await createTestDatabase(`types_${path.replace('-', '')}`)
    target = await privateServer(path === 'insert' ? [...STRICT_LATIN1, '--local-infile=0'] : STRICT_LATIN1)
    s = await connect(source.addr, source.name, '')
    await s.query(ALL_TYPES_DDL)
    for (const sql of ALL_TYPES_ROWS) await s.query(sql)
    // Verify-the-fixture: the zero dates and the invalid ENUM really are in the source.
    const z = await q(s, "SELECT CAST(dt AS CHAR) AS dt, e + 0 AS e, e_empty + 0 AS ee FROM all_types WHERE nn IN ('zero', 'zero-in-date') ORDER BY nn")
    expect(z).toMatchObject([{ dt: '0000-00-00', e: 0, ee: 0 }, { ee: 1 }])
    await createDb(target, targetDb, 'latin1')
    t = await connect(target, targetDb)
  })

  afterAll(async () => {
    await s?.end()
    await t?.end()
    await source?.drop()
    await target?.stop()
  })

  it('copies every value byte-identically and verifies', async () => {
    const summary = await copy({ addr: source.addr, db: source.name }, { addr: target, db: targetDb }, { tables: [{ source: 'all_types' }] }, { chunkRows: 3, writePath: path })
    expectSucceeded(summary)
    expect(summary.writePath).toBe(path)
    const [n] = await q(s, 'SELECT COUNT(*) AS n FROM all_types')
    expect(summary.tables[0]).toMatchObject({ status: 'done', verified: true, rowsRead: Number(n?.n), rowsWritten: Number(n?.n) })
    expect(Number(n?.n)).toBe(16)
    // The invalid ENUM value loads as the same invalid value, with a warning the summary passes on.
    expect(summary.tables[0]!.notes.join('\n')).toMatch(/the target raised \d+ warning\(s\) while loading \(e\.g\. Warning \d+: [^)]*column '?`?e/)
    await expectSameTable(s, source.name, 'all_types', t, targetDb)
    const [db] = await q(t, 'SELECT DEFAULT_CHARACTER_SET_NAME AS cs FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [targetDb])
    expect(db?.cs).toBe('latin1')
  })

  it('replaces the table on a second run and stays identical', async () => {
    await t.query("SET sql_mode = ''")
    await t.query("UPDATE all_types SET vc = 'changed' WHERE nn = 'max'")
    const summary = await copy({ addr: source.addr, db: source.name }, { addr: target, db: targetDb }, { tables: [{ source: 'all_types' }] }, { chunkRows: 4, parallelism: 3, writePath: path })
    expectSucceeded(summary)
    expect(summary.tables[0]?.notes.join(' ')).toContain('replaced')
    await expectSameTable(s, source.name, 'all_types', t, targetDb)
  })

  it('db-taxi verify agrees, and notices one changed byte', async () => {
    const spec = {
      source: endpoint(source.addr, source.name),
      target: endpoint(target, targetDb),
      sourceDatabase: source.name,
      targetDatabase: targetDb,
      selection: { tables: [{ source: 'all_types' }] },
      parallelism: 2,
      chunkRows: 5
    }
    expect((await verifyTables(spec)).identical).toBe(true)
    await t.query("SET sql_mode = ''")
    await t.query("UPDATE all_types SET bl = CONCAT(bl, 'x') WHERE nn = 'text'")
    const r = await verifyTables(spec)
    expect(r.identical).toBe(false)
    expect(r.tables[0]?.firstDifference).toMatchObject({ kind: 'different' })
  })
})
