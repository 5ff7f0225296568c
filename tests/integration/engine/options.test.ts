import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../helpers/mariadb'
import { checkWhereFilter } from '../../../src/main/sync/engine/read/where-filter'
import { verifyTables } from '../../../src/main/sync/engine/compare/verify-run'
import { AppError } from '../../../src/shared/errors'
import { checksum, connect, copy, endpoint, countRows, expectSameTable, expectSucceeded, leftoverShadows, q, showCreate, type Side } from './support'

/**
 * What a run does with an existing target table (replace, truncate, append, fail; schema
 * mismatches), missing targets, a table copied onto itself, and filters that try to escape.
 */

describe('run options and validation', () => {
  let src: Awaited<ReturnType<typeof createTestDatabase>>
  let dst: Awaited<ReturnType<typeof createTestDatabase>>
  let s: Connection
  let t: Connection
  const S = (): Side => ({ addr: src.addr, db: src.name })
  const T = (): Side => ({ addr: dst.addr, db: dst.name })

  const DDL = 'CREATE TABLE items (id INT NOT NULL PRIMARY KEY, name VARCHAR(30) NOT NULL, price DECIMAL(8,2), KEY by_name (name)) ENGINE=InnoDB'

  beforeAll(async () => {
    src = await createTestDatabase('opt_src')
    dst = await createTestDatabase('opt_dst')
    s = await connect(src.addr, src.name)
    t = await connect(dst.addr, dst.name)
    await s.query(DDL)
    await s.query("INSERT INTO items SELECT seq, CONCAT('item ', seq), seq * 1.5 FROM seq_1_to_300")
  })

  afterAll(async () => {
    await s?.end()
    await t?.end()
    await src?.drop()
    await dst?.drop()
  })

  /** A target table as a test wants it before a run. */
  const resetTarget = async (ddl: string, rows: string): Promise<void> => {
    await t.query('DROP TABLE IF EXISTS items')
    await t.query(ddl)
    await t.query(rows)
  }

  it.each([
    '1=1; DROP TABLE items',
    '1) OR (1',
    'id > 1 -- and the rest',
    'id > 1 # and the rest',
    'id > 1 /* comment */',
    "name = 'unterminated",
    '(id > 1',
    'id > 1) UNION SELECT 1, 2, 3 FROM mysql.user WHERE (1',
    'LOAD_FILE("/etc/passwd") IS NOT NULL',
    'SLEEP(10) = 0'
  ])('refuses the filter %s with VALIDATION and changes nothing', async (where) => {
    await resetTarget(DDL, "INSERT INTO items VALUES (1, 'keep me', 1)")
    const before = await checksum(t, dst.name, 'items')
    expect(() => checkWhereFilter(where, 'items')).toThrow(AppError)
    const err = await copy(S(), T(), { tables: [{ source: 'items', where }] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AppError)
    expect((err as AppError).code).toBe('VALIDATION')
    expect(await checksum(t, dst.name, 'items')).toBe(before)
    expect(await countRows(s, src.name, 'items')).toBe(300)
  })

  it('accepts filters whose semicolons and comment marks are inside quotes', async () => {
    await s.query("INSERT INTO items VALUES (1000, 'a;b -- /* # */', 1)")
    const summary = await copy(S(), T(), { tables: [{ source: 'items', where: "name = 'a;b -- /* # */' OR id < 3" }] })
    expectSucceeded(summary)
    expect(await countRows(t, dst.name, 'items')).toBe(3)
    await s.query('DELETE FROM items WHERE id = 1000')
  })

  it('fail: refuses an existing table with TARGET_EXISTS and leaves it alone', async () => {
    await resetTarget(DDL, "INSERT INTO items VALUES (1, 'keep me', 1)")
    const before = await checksum(t, dst.name, 'items')
    // Known before the first write: the run refuses to start (preflight.ts).
    const err = await copy(S(), T(), { tables: [{ source: 'items' }] }, { onExists: 'fail' }).catch((e: unknown) => e)
    expect((err as AppError).code).toBe('TARGET_EXISTS')
    expect(await checksum(t, dst.name, 'items')).toBe(before)
  })

  it('truncate: empties the table and loads it, keeping the table itself', async () => {
    await resetTarget(DDL, "INSERT INTO items VALUES (1, 'old', 1), (5000, 'extra', 2)")
    await t.query('CREATE TRIGGER keep_me BEFORE INSERT ON items FOR EACH ROW SET NEW.price = NEW.price')
    const summary = await copy(S(), T(), { tables: [{ source: 'items' }] }, { onExists: 'truncate' })
    expectSucceeded(summary)
    expect(summary.tables[0]).toMatchObject({ verified: true })
    expect(summary.tables[0]?.notes.join(' ')).toContain('truncated')
    await expectSameTable(s, src.name, 'items', t, dst.name)
    // The table was not recreated: its trigger is still there.
    expect(await q(t, "SHOW TRIGGERS LIKE 'items'")).toHaveLength(1)
  })

  it('VERIFY_MISMATCH names the first differing row when the target changes rows as they arrive', async () => {
    // A target trigger (kept by truncate) rewrites one row during the load: the copy is not identical.
    await resetTarget(DDL, 'SELECT 1')
    await t.query("CREATE TRIGGER meddle BEFORE INSERT ON items FOR EACH ROW SET NEW.name = IF(NEW.id = 123, 'changed', NEW.name)")
    const summary = await copy(S(), T(), { tables: [{ source: 'items' }] }, { onExists: 'truncate', chunkRows: 50 })
    expect(summary.status).toBe('failed')
    expect(summary.error?.code).toBe('VERIFY_MISMATCH')
    expect(summary.tables[0]).toMatchObject({ verified: false, error: { code: 'VERIFY_MISMATCH' } })
    expect(summary.tables[0]?.firstDifference).toMatchObject({ chunk: 2, key: ['123'], kind: 'different', sourceRows: 50, targetRows: 50 })
    expect(summary.tables[0]?.error?.message).toContain('different at key ["123"]')
  })

  it('replace: a difference found while the indexes are built fails the table and leaves the old one untouched', async () => {
    // Verification runs while the shadow table builds its secondary index. A row of the last chunk
    // is changed in the shadow table as the build starts (verification, 300 chunks in order, reaches
    // it long after): the run must fail VERIFY_MISMATCH, wait for the build, drop the shadow and
    // leave the existing table as it was.
    await resetTarget(DDL, "INSERT INTO items VALUES (1, 'keep me', 1)")
    const before = await checksum(t, dst.name, 'items')
    let tampered: Promise<unknown> | null = null
    const summary = await copy(S(), T(), { tables: [{ source: 'items' }] }, { chunkRows: 1, parallelism: 1 }, {
      log: (_level, message) => {
        if (!message.includes('secondary index')) return
        tampered = leftoverShadows(t, dst.name).then(([shadow]) => t.query(`UPDATE \`${shadow}\` SET name = 'tampered' WHERE id = 300`))
      }
    })
    expect(tampered).not.toBeNull()
    await tampered
    expect(summary.status).toBe('failed')
    expect(summary.tables[0]).toMatchObject({ verified: false, error: { code: 'VERIFY_MISMATCH' } })
    expect(summary.tables[0]?.firstDifference).toMatchObject({ key: ['300'], kind: 'different' })
    expect(await checksum(t, dst.name, 'items')).toBe(before)
    expect(await leftoverShadows(t, dst.name)).toEqual([])
  })

  it('replace: when a changed row also breaks the unique index being built, the table fails with the difference', async () => {
    // As above, but the change duplicates another row's value of a UNIQUE index being built:
    // the build fails too (ER_DUP_ENTRY), and the answer must still be VERIFY_MISMATCH naming the row.
    await s.query('CREATE TABLE uitems (id INT NOT NULL PRIMARY KEY, name VARCHAR(30) NOT NULL, UNIQUE KEY by_name (name)) ENGINE=InnoDB')
    await s.query("INSERT INTO uitems SELECT seq, CONCAT('item ', seq) FROM seq_1_to_300")
    let tampered: Promise<unknown> | null = null
    const summary = await copy(S(), T(), { tables: [{ source: 'uitems' }] }, { chunkRows: 1, parallelism: 1 }, {
      log: (_level, message) => {
        if (!message.includes('secondary index')) return
        // A table new to the target loads under a shadow name too (swap: together).
        tampered = leftoverShadows(t, dst.name).then(([shadow]) => t.query(`UPDATE \`${shadow}\` SET name = 'item 1' WHERE id = 300`))
      }
    })
    expect(tampered).not.toBeNull()
    await tampered
    expect(summary.status).toBe('failed')
    expect(summary.tables[0]).toMatchObject({ verified: false, error: { code: 'VERIFY_MISMATCH' } })
    expect(summary.tables[0]?.firstDifference).toMatchObject({ key: ['300'], kind: 'different' })
    // The table this run created is dropped again: the target is as it was.
    expect(await q(t, "SHOW TABLES LIKE 'uitems'")).toHaveLength(0)
  })

  it('verification tells two copies of one row from two copies of another in a keyless table', async () => {
    await s.query("CREATE TABLE dup_rows (a INT, b VARCHAR(5)); INSERT INTO dup_rows VALUES (1, 'x'), (1, 'x'), (3, 'z')")
    await t.query("DROP TABLE IF EXISTS dup_rows; CREATE TABLE dup_rows (a INT, b VARCHAR(5)); INSERT INTO dup_rows VALUES (2, 'y'), (2, 'y'), (3, 'z')")
    const spec = {
      source: endpoint(src.addr, src.name),
      target: endpoint(dst.addr, dst.name),
      sourceDatabase: src.name,
      targetDatabase: dst.name,
      selection: { tables: [{ source: 'dup_rows' }] },
      parallelism: 1,
      chunkRows: 100
    }
    const r = await verifyTables(spec)
    expect(r.tables[0]).toMatchObject({ identical: false, sourceRows: 3, targetRows: 3 })
    expect(r.tables[0]!.method).toBe('chunks')
    await t.query("DELETE FROM dup_rows WHERE a = 2; INSERT INTO dup_rows VALUES (1, 'x'), (1, 'x')")
    const same = await verifyTables(spec)
    expect(same.identical).toBe(true)
    // Identical whole tables are settled by the servers' own CHECKSUM TABLE; a filter needs chunks.
    expect(same.tables[0]).toMatchObject({ method: 'checksum-table', sourceRows: null })
    const filtered = await verifyTables({ ...spec, selection: { tables: [{ source: 'dup_rows', where: 'a = 1' }] } })
    expect(filtered.tables[0]).toMatchObject({ method: 'chunks', identical: false })
  })

  it('append: adds the rows to what is there; verification does not apply', async () => {
    await resetTarget(DDL, "INSERT INTO items VALUES (5001, 'already here', 2)")
    const summary = await copy(S(), T(), { tables: [{ source: 'items', where: 'id <= 10' }] }, { onExists: 'append' })
    expectSucceeded(summary)
    expect(summary.tables[0]).toMatchObject({ verified: null, rowsWritten: 10 })
    expect(await countRows(t, dst.name, 'items')).toBe(11)
  })

  it('SCHEMA_MISMATCH lists the differences and changes nothing; recreateOnMismatch recreates', async () => {
    const other = DDL.replace('price DECIMAL(8,2)', 'price DECIMAL(10,2), extra INT')
    await resetTarget(other, "INSERT INTO items VALUES (1, 'old', 1, 7)")
    const before = await checksum(t, dst.name, 'items')
    const err = (await copy(S(), T(), { tables: [{ source: 'items' }] }, { onExists: 'truncate' }).catch((e: unknown) => e)) as AppError
    expect(err.code).toBe('SCHEMA_MISMATCH')
    const diffs = (err.details as { problems: { details: { differences: string[] } }[] }).problems[0]!.details.differences
    expect(diffs).toContain('target lacks: `price` decimal(8,2) DEFAULT NULL')
    expect(diffs).toContain('target has extra: `extra` int(11) DEFAULT NULL')
    expect(err?.message).toContain('`extra`')
    expect(await checksum(t, dst.name, 'items')).toBe(before)

    const again = await copy(S(), T(), { tables: [{ source: 'items' }] }, { onExists: 'append', recreateOnMismatch: true })
    expectSucceeded(again)
    expect(again.tables[0]?.notes.join(' ')).toContain('schema differed; recreated')
    await expectSameTable(s, src.name, 'items', t, dst.name)
    expect(await leftoverShadows(t, dst.name)).toEqual([])
  })

  it('replace lists the schema changes it makes', async () => {
    await resetTarget(DDL.replace('price DECIMAL(8,2)', 'price FLOAT'), "INSERT INTO items VALUES (1, 'old', 1)")
    const summary = await copy(S(), T(), { tables: [{ source: 'items' }] })
    expectSucceeded(summary)
    expect(summary.tables[0]?.notes.join(' ')).toContain('schema changes: target lacks: `price` decimal(8,2) DEFAULT NULL')
    expect(await showCreate(t, dst.name, 'items')).toBe(await showCreate(s, src.name, 'items'))
  })

  it('createMissing off: a missing table is TABLE_NOT_FOUND, a missing database too', async () => {
    await t.query('DROP TABLE IF EXISTS items')
    const missing = await copy(S(), T(), { tables: [{ source: 'items' }] }, { createMissing: false }).catch((e: unknown) => e)
    expect((missing as AppError).code).toBe('TABLE_NOT_FOUND')
    expect(await q(t, "SHOW TABLES LIKE 'items'")).toHaveLength(0)

    const err = await copy(S(), { addr: dst.addr, db: `${dst.name}_nope` }, { tables: [{ source: 'items' }] }, { createMissing: false }).catch((e: unknown) => e)
    expect((err as AppError).code).toBe('TABLE_NOT_FOUND')
    expect(await q(t, 'SHOW DATABASES LIKE ?', [`${dst.name}_nope`])).toHaveLength(0)
  })

  it('a source table that does not exist is TABLE_NOT_FOUND before anything runs', async () => {
    const err = await copy(S(), T(), { tables: [{ source: 'nope' }] }).catch((e: unknown) => e)
    expect((err as AppError).code).toBe('TABLE_NOT_FOUND')
  })

  it('excluding a key column is refused', async () => {
    const err = await copy(S(), T(), { tables: [{ source: 'items', excludeColumns: ['id'] }] }).catch((e: unknown) => e)
    expect((err as AppError).code).toBe('VALIDATION')
    expect((err as AppError).message).toContain('cannot be excluded')
  })

  it('SAME_TABLE: the same server reached as 127.0.0.1 and as localhost, same database and table', async () => {
    const before = await checksum(s, src.name, 'items')
    const err = await copy(S(), { addr: { ...src.addr, host: 'localhost' }, db: src.name }, { tables: [{ source: 'items' }] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AppError)
    expect((err as AppError).code).toBe('SAME_TABLE')
    expect(await checksum(s, src.name, 'items')).toBe(before)
    // Another table name in the same database is fine.
    const ok = await copy(S(), { addr: { ...src.addr, host: 'localhost' }, db: src.name }, { tables: [{ source: 'items', target: 'items_copy' }] })
    expectSucceeded(ok)
    await expectSameTable(s, src.name, 'items', s, src.name, 'items_copy')
  })
})
