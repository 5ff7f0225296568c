import { describe, expect, it } from 'vitest'
import { compareDigests, digestEntryExpr, entryKey, type RangeDiff } from '../../../src/main/sync/engine/compare/row-diff'
import type { ColumnInfo, KeyInfo } from '../../../src/main/sync/engine/schema/table-info'

const col = (name: string, kind: ColumnInfo['kind'], dataType: string, collation: string | null = null): ColumnInfo => ({
  name,
  kind,
  nullable: false,
  dataType,
  columnType: dataType,
  generated: false,
  charset: collation ? 'utf8mb4' : null,
  collation
})

const intKey: KeyInfo = { name: 'PRIMARY', kind: 'primary', columns: [col('id', 'int', 'bigint')] }
const empty = (): RangeDiff => ({ missing: [], different: [], extra: [], sourceRows: 0, targetRows: 0 })

/** Digest entries of an int-keyed page: `id crc`. */
const entries = (rows: Map<number, number>, order: number[]): string[] => order.map((id) => `${id} ${rows.get(id)}`)

/** A small deterministic generator, so a failure names its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

describe('row digests', () => {
  it('matches rows in any order and classifies every difference exactly as a map-based comparison does', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed)
      const source = new Map<number, number>()
      for (let id = 1; id <= 60; id++) if (r() < 0.9) source.set(id, Math.floor(r() * 1e6))
      const target = new Map(source)
      for (const id of [...target.keys()]) {
        const x = r()
        if (x < 0.1) target.delete(id)
        else if (x < 0.2) target.set(id, target.get(id)! + 1)
      }
      for (let id = 61; id <= 70; id++) if (r() < 0.3) target.set(id, 7)
      // Mostly key order, sometimes shuffled: the result must not depend on it.
      const order = (m: Map<number, number>): number[] => {
        const ids = [...m.keys()].sort((a, b) => a - b)
        if (r() < 0.3) ids.sort(() => r() - 0.5)
        return ids
      }
      const out = empty()
      compareDigests(intKey, entries(source, order(source)), entries(target, order(target)), out)
      const ids = (keys: RangeDiff['missing']): number[] => keys.map((k) => Number(k[0])).sort((a, b) => a - b)
      const want = {
        missing: [...source.keys()].filter((id) => !target.has(id)).sort((a, b) => a - b),
        different: [...source.keys()].filter((id) => target.has(id) && target.get(id) !== source.get(id)).sort((a, b) => a - b),
        extra: [...target.keys()].filter((id) => !source.has(id)).sort((a, b) => a - b)
      }
      expect({ seed, missing: ids(out.missing), different: ids(out.different), extra: ids(out.extra) }).toEqual({ seed, ...want })
      expect(out.sourceRows).toBe(source.size)
      expect(out.targetRows).toBe(target.size)
    }
  })

  it('an inserted row at the start does not make every later row look different', () => {
    const a = Array.from({ length: 1000 }, (_, i) => `${i + 2} 5`)
    const b = ['1 5', ...a]
    const out = empty()
    compareDigests(intKey, a, b, out)
    expect(out.extra.map((k) => k[0])).toEqual([1n])
    expect(out.missing).toEqual([])
    expect(out.different).toEqual([])
  })

  it('reads composite keys of text, bytes, numbers and dates back from their entries', () => {
    const key: KeyInfo = {
      name: 'k',
      kind: 'unique',
      columns: [col('name', 'string', 'varchar', 'utf8mb4_general_ci'), col('bin', 'binary', 'binary'), col('n', 'int', 'int'), col('at', 'temporal', 'datetime')]
    }
    // match fields (weight of 'Äb', bytes as hex, the int, the datetime's text as hex), then the text's bytes, then the crc.
    const entry = ['41C2', Buffer.from([0, 255]).toString('hex'), '-7', Buffer.from('2024-01-02 03:04:05').toString('hex'), Buffer.from('Äb ').toString('hex'), '123'].join(' ')
    expect(entryKey(key, entry)).toEqual(['Äb ', Buffer.from([0, 255]), -7n, '2024-01-02 03:04:05'])
    const expr = digestEntryExpr(key, key.columns)
    // Numbers are hexed as text (HEX(1.5) would be the hex of 2), bytes as they are, text by its weight.
    expect(expr).toContain('HEX(CONVERT(`at` USING utf8mb4))')
    expect(expr).toContain('HEX(`bin`)')
    expect(expr).toContain("HEX(WEIGHT_STRING(TRIM(TRAILING ' ' FROM `name`)))")
    expect(expr).toContain('HEX(CONVERT(`name` USING utf8mb4))')
  })

  it('a matched key whose bytes differ is a different row (the repair writes the source bytes)', () => {
    const key: KeyInfo = { name: 'k', kind: 'primary', columns: [col('name', 'string', 'varchar', 'utf8mb4_general_ci')] }
    const hex = (s: string): string => Buffer.from(s).toString('hex')
    const out = empty()
    compareDigests(key, [`41 ${hex('a')} 9`], [`41 ${hex('A')} 9`], out)
    expect(out.different).toEqual([['a']])
    expect(out.missing).toEqual([])
    expect(out.extra).toEqual([])
  })
})
