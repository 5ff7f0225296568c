import { describe, expect, it } from 'vitest'
import { rankCursorCandidates, type ColumnFacts } from '../../../src/main/sync/engine/schema/cursor-candidates'

const col = (name: string, dataType: string, o: Partial<ColumnFacts> = {}): ColumnFacts => ({ name, dataType, extra: '', nullable: false, indexed: true, ...o })

describe('rankCursorCandidates', () => {
  it('puts a server-maintained ON UPDATE timestamp first, then an updated-like name, then the id, then created-like', () => {
    const ranked = rankCursorCandidates(
      [
        col('id', 'bigint', { extra: 'auto_increment' }),
        col('created_at', 'datetime'),
        col('modified', 'datetime'),
        col('touched', 'timestamp', { extra: 'on update current_timestamp()' }),
        col('note', 'varchar')
      ],
      ['id']
    )
    expect(ranked.map((c) => [c.columns[0], c.sees])).toEqual([
      ['touched', 'changes'],
      ['modified', 'changes'],
      ['id', 'grows'],
      ['created_at', 'grows']
    ])
    expect(ranked[0]!.reason).toMatch(/ON UPDATE CURRENT_TIMESTAMP/)
    expect(ranked[0]!.caveats).toEqual([])
    expect(ranked[2]!.caveats.join(' ')).toMatch(/updates to existing rows are not read.*deletes are never carried/)
  })

  it('prefers an indexed, NOT NULL column within a rank and says why the others are worse', () => {
    const ranked = rankCursorCandidates(
      [
        col('updated_at', 'datetime', { indexed: false }),
        col('last_update', 'timestamp', { nullable: true }),
        col('mtime', 'datetime')
      ],
      []
    )
    expect(ranked.map((c) => c.columns[0])).toEqual(['mtime', 'last_update', 'updated_at'])
    expect(ranked[1]!.caveats.join(' ')).toMatch(/may be NULL: rows where it is NULL are never read/)
    expect(ranked[2]!.caveats.join(' ')).toMatch(/leads no index.*add an index on updated_at/)
  })

  it('offers nothing for tables without time columns or a single AUTO_INCREMENT key', () => {
    expect(rankCursorCandidates([col('a', 'int'), col('b', 'int', { extra: 'auto_increment' }), col('updated', 'date')], ['a', 'b'])).toEqual([])
    // A DATE has no time of day: many changes share one value per day, so it is no cursor.
    expect(rankCursorCandidates([col('updated_on', 'date')], [])).toEqual([])
  })

  it('does not take names that only contain the words', () => {
    expect(rankCursorCandidates([col('unmodified_flag_ts', 'datetime'), col('recreated', 'datetime')], []).map((c) => c.columns[0])).toEqual([])
  })
})
