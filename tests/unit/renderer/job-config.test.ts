import { describe, expect, it } from 'vitest'
import { configLines } from '../../../src/renderer/src/jobs/format'
import type { SyncConfig } from '../../../src/shared/syncs'

const base = {
  id: 's1',
  name: 'nightly',
  sourceConnectionId: 'a',
  targetConnectionId: 'b',
  sourceDatabase: 'shop',
  targetDatabase: 'shop_copy',
  schedule: null
} as unknown as SyncConfig

describe('the config a job ran with, as lines', () => {
  it('lists databases, renamed and filtered tables and the options that differ from the defaults', () => {
    expect(
      configLines({
        ...base,
        tables: [{ source: 'orders', target: 'orders_2026', where: 'id > 10', excludeColumns: ['secret', 'pin'] }, { source: 'customers', target: 'customers' }],
        options: { onExists: 'truncate', chunkRows: 20000, parallelism: 4, verify: false, writePath: 'load-data', objects: { triggers: true } }
      } as SyncConfig)
    ).toEqual([
      'shop → shop_copy',
      'orders → orders_2026; where id > 10; without secret, pin',
      'customers',
      'existing tables: truncate, 20,000 rows per chunk, parallelism 4, not verified, write path load-data, with triggers'
    ])
  })

  it('says which tables all-tables picks, and the default options plainly', () => {
    expect(configLines({ ...base, allTables: { include: ['orders_*'], exclude: ['tmp?'] } } as SyncConfig)).toEqual([
      'shop → shop_copy',
      'All tables matching orders_*, except tmp?',
      'existing tables: replace'
    ])
    expect(configLines(undefined)).toEqual([])
  })
})
