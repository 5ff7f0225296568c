import type { Connection } from 'mysql2/promise'
import { describe, expect, it } from 'vitest'
import { escapeExpr, rowHashExpr, tsvLineExpr, sqlTupleExpr } from '../../../src/main/sync/engine/read/encoding'
import { dropDefiner, retarget, retargetTrigger } from '../../../src/main/sync/engine/schema/objects'
import { retargetForeignKey } from '../../../src/main/sync/engine/run'
import { shadowName } from '../../../src/main/sync/engine/modes/full'
import { InsertWriter } from '../../../src/main/sync/engine/write/writers'
import type { ColumnInfo } from '../../../src/main/sync/engine/schema/table-info'

const col = (name: string, kind: ColumnInfo['kind'], dataType: string, nullable = false): ColumnInfo => ({
  name,
  kind,
  nullable,
  dataType,
  columnType: dataType,
  generated: false,
  charset: null
})

describe('dialect-specific rendering', () => {
  it('escapes with one linear REGEXP_REPLACE on MariaDB and nested REPLACE on MySQL', () => {
    expect(escapeExpr('x', 'mariadb')).toBe("REGEXP_REPLACE(x, '([\\\\\\\\\\t\\n])', '\\\\\\\\\\\\1')")
    expect(escapeExpr('x', 'mysql')).toBe("REPLACE(REPLACE(REPLACE(x, '\\\\', '\\\\\\\\'), '\\t', '\\\\t'), '\\n', '\\\\n')")
    expect(tsvLineExpr([col('a', 'string', 'varchar', true)], 'mariadb')).toContain('REGEXP_REPLACE(CONVERT(`a` USING binary)')
  })

  it('never reads a value through CAST ... AS BINARY (NULL above max_allowed_packet)', () => {
    const cols = [col('f', 'float', 'float'), col('d', 'float', 'double'), col('t', 'string', 'longtext', true), col('b', 'bit', 'bit')]
    for (const e of [tsvLineExpr(cols, 'mariadb'), sqlTupleExpr(cols), rowHashExpr(cols)]) expect(e).not.toMatch(/AS BINARY/)
    expect(tsvLineExpr(cols)).toContain('CONVERT(CAST(`f` AS DOUBLE) USING binary)')
  })

  it('hashes long values by MD5 so no row is too large to hash', () => {
    expect(rowHashExpr([col('t', 'string', 'longtext')])).toContain('IF(LENGTH(`t`) > 4096, MD5(`t`), CONVERT(`t` USING binary))')
    expect(rowHashExpr([col('v', 'string', 'varchar')])).not.toContain('MD5')
  })
})

describe('objects', () => {
  it('points qualified references at the target database and drops DEFINER', () => {
    const view = 'CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `v` AS select `src`.`t`.`a` AS `a` from `src`.`t`'
    expect(dropDefiner(retarget(view, 'src', 'dst'))).toBe('CREATE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `v` AS select `dst`.`t`.`a` AS `a` from `dst`.`t`')
    expect(dropDefiner("CREATE DEFINER='app'@'%' TRIGGER x")).toBe('CREATE TRIGGER x')
  })

  it('moves a trigger to the target table whatever way the user wrote the name', () => {
    expect(retargetTrigger('CREATE TRIGGER t1 BEFORE INSERT ON orders FOR EACH ROW SET NEW.a = 1', 'orders copy')).toBe(
      'CREATE TRIGGER t1 BEFORE INSERT ON `orders copy` FOR EACH ROW SET NEW.a = 1'
    )
    expect(retargetTrigger('CREATE TRIGGER t1 after update on `src`.`or``ders` for each row begin end', 'o2')).toBe('CREATE TRIGGER t1 after update on `o2` for each row begin end')
    expect(retargetTrigger('CREATE TRIGGER t1 AFTER DELETE ON src.orders FOR EACH ROW DELETE FROM x', 'o2')).toBe('CREATE TRIGGER t1 AFTER DELETE ON `o2` FOR EACH ROW DELETE FROM x')
  })

  it('points foreign keys at renamed parents only', () => {
    const fk = 'ADD CONSTRAINT `fk` FOREIGN KEY (`p`) REFERENCES `parent` (`id`) ON DELETE CASCADE'
    expect(retargetForeignKey(fk, new Map([['parent', 'parent_v2']]))).toBe('ADD CONSTRAINT `fk` FOREIGN KEY (`p`) REFERENCES `parent_v2` (`id`) ON DELETE CASCADE')
    expect(retargetForeignKey(fk, new Map([['other', 'x']]))).toBe(fk)
    const crossDb = 'ADD CONSTRAINT `fk` FOREIGN KEY (`p`) REFERENCES `db`.`parent` (`id`)'
    expect(retargetForeignKey(crossDb, new Map([['parent', 'p2']]))).toBe(crossDb)
  })
})

describe('INSERT writer', () => {
  /** A connection double that records statements. */
  const fakeConn = (): { conn: Connection; sql: string[] } => {
    const sql: string[] = []
    const conn = {
      query: async (s: string) => {
        sql.push(s)
        return [{ affectedRows: s.startsWith('INSERT') ? (s.match(/\),\(/g)?.length ?? 0) + 1 : 0, warningStatus: 0 }]
      }
    } as unknown as Connection
    return { conn, sql }
  }
  const cols = [col('id', 'int', 'int')]

  it('batches rows by bytes and takes a single row up to max_allowed_packet', async () => {
    const { conn, sql } = fakeConn()
    const w = new InsertWriter(conn, 64 * 1024 * 1024, 100_000)
    const sink = await w.begin('db', 't', cols)
    for (let i = 0; i < 30; i++) await sink.push(Buffer.from(`('${'x'.repeat(10_000)}')`))
    // A 20 MB row: more than a batch, less than the packet.
    await sink.push(Buffer.from(`('${'y'.repeat(20_000_000)}')`))
    const r = await sink.end()
    expect(r.rowsWritten).toBe(31)
    const inserts = sql.filter((s) => s.startsWith('INSERT'))
    expect(inserts.length).toBeGreaterThan(3)
    expect(Math.max(...inserts.slice(0, -1).map((s) => s.length))).toBeLessThanOrEqual(100_000)
    expect(sql[0]).toBe('START TRANSACTION')
    expect(sql.at(-1)).toBe('COMMIT')
  })

  it('refuses a row larger than the target can take, with COPY_FAILED', async () => {
    const { conn } = fakeConn()
    const sink = await new InsertWriter(conn, 1024 * 1024).begin('db', 't', cols)
    expect(() => sink.push(Buffer.alloc(2 * 1024 * 1024, 0x41))).toThrow(/max_allowed_packet/)
  })
})

describe('shadow table names', () => {
  it('stay within 64 characters and unique for long names that share a prefix', () => {
    expect(shadowName('new', 'abc123', 'orders')).toBe('_dbt_new_abc123_orders')
    const a = shadowName('new', 'abc123', `${'x'.repeat(60)}_2023`)
    const b = shadowName('new', 'abc123', `${'x'.repeat(60)}_2024`)
    expect(a).not.toBe(b)
    expect([...a].length).toBeLessThanOrEqual(64)
    expect([...shadowName('old', 'abc123', '表'.repeat(64))].length).toBeLessThanOrEqual(64)
  })
})
