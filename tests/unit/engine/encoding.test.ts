import { describe, expect, it } from 'vitest'
import { sqlQuote, tsvEscape, tsvLineExpr, loadColumnList, rowHashExpr } from '../../../src/main/sync/engine/read/encoding'
import { rangePredicate } from '../../../src/main/sync/engine/read/chunks'
import type { ColumnInfo, KeyInfo } from '../../../src/main/sync/engine/schema/table-info'

const col = (name: string, kind: ColumnInfo['kind'], nullable = false): ColumnInfo => ({
  name,
  kind,
  nullable,
  dataType: kind === 'int' ? 'int' : kind === 'bit' ? 'bit' : 'varchar',
  columnType: '',
  generated: false,
  charset: null
})

describe('row encodings', () => {
  it('escapes tab, newline and backslash for LOAD DATA; NULL is \\N', () => {
    expect(tsvEscape(Buffer.from('a\tb\nc\\d\\N'), true).toString()).toBe('a\\tb\\nc\\\\d\\\\N')
    expect(tsvEscape(null, true).toString()).toBe('\\N')
    expect(tsvEscape(Buffer.from([0, 255, 9]), true)).toEqual(Buffer.from([0, 255, 0x5c, 0x74]))
  })

  it('quotes SQL literals like QUOTE()', () => {
    expect(sqlQuote(Buffer.from("it's \\ \0 \x1a")).toString()).toBe("'it\\'s \\\\ \\0 \\Z'")
    expect(sqlQuote(null).toString()).toBe('NULL')
  })

  it('wraps nullable fields so CONCAT_WS cannot drop them, and quotes hostile names', () => {
    const e = tsvLineExpr([col('id', 'int'), col('we`ird', 'string', true)])
    expect(e).toContain('`we``ird`')
    expect(e).toContain("IFNULL(")
    expect(e.startsWith("CONCAT_WS('\\t', CONVERT(`id` USING binary), IFNULL(REPLACE(")).toBe(true)
  })

  it('routes BIT columns through a variable', () => {
    expect(loadColumnList([col('a', 'int'), col('b', 'bit')])).toEqual({ list: '`a`, @v1', set: ' SET `b` = CAST(@v1 AS UNSIGNED)' })
  })

  it('marks NULLs in the row hash', () => {
    // The value, then its length, then the NULL marker: no two rows share a text (a tab inside a value cannot pass for a separator).
    const row = "CONCAT_WS('\\t', CONVERT(`x` USING binary), LENGTH(`x`), ISNULL(`x`))"
    expect(rowHashExpr([col('x', 'string', true)])).toBe(`CRC32(CONCAT(CRC32(${row}), '\\t', ${row}))`)
  })
})

describe('key ranges', () => {
  const key: KeyInfo = { name: 'PRIMARY', kind: 'primary', columns: [col('a', 'int'), col('b', 'string')] }
  it('spells out tuple comparisons for composite keys', () => {
    const p = rangePredicate(key, { after: [1n, 'x'], upTo: [5n, 'y'] })
    expect(p.sql).toBe('((`a` > ?) OR (`a` = ? AND `b` > ?)) AND ((`a` < ?) OR (`a` = ? AND `b` <= ?))')
    expect(p.params).toEqual([1n, 1n, 'x', 5n, 5n, 'y'])
  })
  it('is open on a missing side', () => {
    expect(rangePredicate(key, { after: null, upTo: null }).sql).toBe('1=1')
  })
})
