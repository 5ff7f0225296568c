import { describe, expect, it } from 'vitest'
import { barLayout, niceMax } from '../../../src/renderer/src/format/chart'
import {
  elapsedMs,
  formatByteRate,
  formatCompact,
  formatCount,
  formatDurationMs,
  formatRelative,
  formatRowRate,
  plural
} from '../../../src/renderer/src/format/numbers'
import { editSyncHash, hashFor, jobHash, newSyncHash, pageFromHash, subPathFromHash, syncsView } from '../../../src/renderer/src/routing/routes'

describe('numbers', () => {
  it('counts, compact counts, rates', () => {
    expect(formatCount(1234567)).toBe('1,234,567')
    expect(formatCount(null)).toBe('—')
    expect(formatCompact(950)).toBe('950')
    expect(formatCompact(12_345)).toBe('12.3k')
    expect(formatCompact(4_500_000)).toBe('4.5M')
    expect(formatCompact(250_000)).toBe('250k')
    expect(formatRowRate(12345.4)).toBe('12,345 rows/s')
    expect(formatRowRate(null)).toBe('—')
    expect(formatByteRate(1536)).toBe('1.5 KiB/s')
    expect(formatByteRate(-1)).toBe('—')
    expect(plural(1, 'job')).toBe('1 job')
    expect(plural(3, 'job')).toBe('3 jobs')
  })

  it.each([
    [0, '0 s'],
    [55, '0.1 s'],
    [400, '0.4 s'],
    [1500, '1.5 s'],
    [2000, '2 s'],
    [42_000, '42 s'],
    [185_000, '3 min 5 s'],
    [180_000, '3 min'],
    [7_800_000, '2 h 10 min'],
    [3 * 86_400_000 + 4 * 3_600_000, '3 d 4 h'],
    [null, '—']
  ])('formatDurationMs(%s) = %s', (ms, text) => expect(formatDurationMs(ms)).toBe(text))

  it('elapsed and relative times', () => {
    expect(elapsedMs('2026-01-01T00:00:00Z', '2026-01-01T00:00:05Z')).toBe(5000)
    expect(elapsedMs('2026-01-01T00:00:00Z', null, Date.parse('2026-01-01T00:01:00Z'))).toBe(60_000)
    expect(elapsedMs(null, null)).toBeNull()
    const now = Date.parse('2026-01-01T12:00:00Z')
    expect(formatRelative('2026-01-01T12:00:10Z', now)).toBe('in a few seconds')
    expect(formatRelative('2026-01-01T11:59:50Z', now)).toBe('just now')
    expect(formatRelative('2026-01-01T12:05:00Z', now)).toBe('in 5 min')
    expect(formatRelative('2026-01-01T09:00:00Z', now)).toBe('3 h ago')
    expect(formatRelative('2026-01-04T12:00:00Z', now)).toBe('in 3 d')
    expect(formatRelative(null, now)).toBe('—')
  })
})

describe('chart geometry', () => {
  it('nice axis maxima', () => {
    expect(niceMax(0)).toBe(1)
    expect(niceMax(7)).toBe(10)
    expect(niceMax(12)).toBe(20)
    expect(niceMax(2100)).toBe(2500)
    expect(niceMax(4000)).toBe(5000)
    expect(niceMax(100)).toBe(100)
  })

  it('bars fill the width, scale to the axis, and zero gets no bar', () => {
    const { bars, max } = barLayout(
      [
        { t: 'a', value: 0 },
        { t: 'b', value: 50 },
        { t: 'c', value: 100 },
        { t: 'd', value: 0.001 }
      ],
      400,
      100
    )
    expect(max).toBe(100)
    expect(bars.map((b) => b.x)).toEqual([0, 100, 200, 300])
    expect(bars.map((b) => b.height)).toEqual([0, 50, 100, 1])
    expect(bars[1]!.y).toBe(50)
    expect(bars[0]!.width).toBe(99)
    expect(barLayout([], 100, 10).bars).toEqual([])
  })
})

describe('routes with detail views', () => {
  it('reads and writes sub-paths', () => {
    expect(subPathFromHash('#/jobs/abc-123')).toEqual(['abc-123'])
    expect(subPathFromHash('#/syncs/s1/edit')).toEqual(['s1', 'edit'])
    expect(subPathFromHash('#/jobs')).toEqual([])
    expect(subPathFromHash('#/nope/x')).toEqual([])
    expect(subPathFromHash('#token=abc')).toEqual([])
    expect(pageFromHash(jobHash('abc'))).toBe('jobs')
    expect(jobHash('a/b')).toBe('#/jobs/a%2Fb')
    expect(subPathFromHash(jobHash('a/b'))).toEqual(['a/b'])
    expect(hashFor('jobs')).toBe('#/jobs')
    expect(syncsView(subPathFromHash(newSyncHash()))).toEqual({ kind: 'new' })
    expect(syncsView(subPathFromHash(editSyncHash('s1')))).toEqual({ kind: 'edit', id: 's1' })
    expect(syncsView([])).toEqual({ kind: 'list' })
  })
})
