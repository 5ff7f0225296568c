import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  clampPage,
  DEFAULT_PAGE_SIZE,
  EMPTY_JOB_FILTERS,
  isFiltered,
  jobListRequest,
  localDayStart,
  pageCount,
  pageRangeText,
  type JobFilterForm
} from '../../../src/renderer/src/jobs/filters'
import { attemptsText, chunksText } from '../../../src/renderer/src/jobs/format'
import { jobListSchema } from '../../../src/shared/syncs'

/** The Jobs page's filter form -> jobs.list input, pages, and the attempts / chunks lines of the detail. */

// Local days are the user's: pin a zone with a daylight-saving change (2026-03-08 in New York has 23 hours).
const savedTz = process.env.TZ
beforeAll(() => {
  process.env.TZ = 'America/New_York'
})
afterAll(() => {
  if (savedTz === undefined) delete process.env.TZ
  else process.env.TZ = savedTz
})

const form = (patch: Partial<JobFilterForm> = {}): JobFilterForm => ({ ...EMPTY_JOB_FILTERS, ...patch })

describe('localDayStart', () => {
  it('runs in the pinned zone', () => {
    expect(new Date(2026, 0, 1).toISOString()).toBe('2026-01-01T05:00:00.000Z')
  })

  it('is local midnight of the day, optionally some days later', () => {
    expect(localDayStart('2026-01-31')!.toISOString()).toBe('2026-01-31T05:00:00.000Z')
    expect(localDayStart('2026-01-31', 1)!.toISOString()).toBe('2026-02-01T05:00:00.000Z')
    expect(localDayStart('2026-12-31', 1)!.toISOString()).toBe('2027-01-01T05:00:00.000Z')
    // Across the change to summer time the offset moves from -05:00 to -04:00.
    expect(localDayStart('2026-03-08', 1)!.toISOString()).toBe('2026-03-09T04:00:00.000Z')
  })

  it('refuses what is not a real day', () => {
    for (const bad of ['', '2026-02-30', '2026-13-01', '2026-00-10', '2026-1-5', '26-01-05', '0099-01-01', 'yesterday', '2026-01-01T00:00']) {
      expect(localDayStart(bad), bad).toBeNull()
    }
    expect(localDayStart('2028-02-29')).not.toBeNull()
  })
})

describe('jobListRequest', () => {
  it('without filters asks for the first page only', () => {
    expect(jobListRequest(form(), 1)).toEqual({ ok: true, input: { limit: DEFAULT_PAGE_SIZE, offset: 0 } })
    expect(jobListRequest(form(), 3, 50)).toEqual({ ok: true, input: { limit: 50, offset: 100 } })
    expect(jobListRequest(form(), 0, 50)).toEqual({ ok: true, input: { limit: 50, offset: 0 } })
  })

  it('passes status and sync; "all" and no sync are left out', () => {
    expect(jobListRequest(form({ status: 'failed', syncId: 's1' }), 2, 20)).toEqual({
      ok: true,
      input: { status: 'failed', syncId: 's1', limit: 20, offset: 20 }
    })
    expect(jobListRequest(form({ status: 'all', syncId: null }), 1, 20)).toEqual({ ok: true, input: { limit: 20, offset: 0 } })
  })

  it('turns whole local days into from (inclusive) and the next midnight as to (exclusive)', () => {
    const r = jobListRequest(form({ fromDay: '2026-03-07', toDay: '2026-03-08' }), 1, 20)
    expect(r).toEqual({ ok: true, input: { from: '2026-03-07T05:00:00.000Z', to: '2026-03-09T04:00:00.000Z', limit: 20, offset: 0 } })
    // One day: its own midnight to the next.
    expect(jobListRequest(form({ fromDay: '2026-06-01', toDay: '2026-06-01' }), 1)).toMatchObject({
      ok: true,
      input: { from: '2026-06-01T04:00:00.000Z', to: '2026-06-02T04:00:00.000Z' }
    })
    // Either bound alone.
    expect(jobListRequest(form({ fromDay: '2026-06-01' }), 1)).toEqual({ ok: true, input: { from: '2026-06-01T04:00:00.000Z', limit: 20, offset: 0 } })
    expect(jobListRequest(form({ toDay: ' 2026-06-01 ' }), 1)).toEqual({ ok: true, input: { to: '2026-06-02T04:00:00.000Z', limit: 20, offset: 0 } })
  })

  it('produces inputs the API schema accepts', () => {
    const forms = [form(), form({ status: 'succeeded', syncId: 'x', fromDay: '2026-03-08', toDay: '2026-03-08' }), form({ toDay: '2026-11-01' })]
    for (const f of forms) {
      const r = jobListRequest(f, 4, 100)
      expect(r.ok).toBe(true)
      if (r.ok) expect(jobListSchema.safeParse(r.input).success).toBe(true)
    }
  })

  it('names the field of a date it cannot send', () => {
    expect(jobListRequest(form({ fromDay: '2026-02-30' }), 1)).toEqual({ ok: false, field: 'fromDay', message: 'Not a valid date.' })
    expect(jobListRequest(form({ toDay: '0002-01-01' }), 1)).toEqual({ ok: false, field: 'toDay', message: 'Not a valid date.' })
    expect(jobListRequest(form({ fromDay: '2026-06-02', toDay: '2026-06-01' }), 1)).toEqual({ ok: false, field: 'toDay', message: 'Ends before it starts.' })
  })
})

describe('filters and pages', () => {
  it('isFiltered says whether any filter narrows the list', () => {
    expect(isFiltered(EMPTY_JOB_FILTERS)).toBe(false)
    expect(isFiltered(form({ status: 'running' }))).toBe(true)
    expect(isFiltered(form({ syncId: 's' }))).toBe(true)
    expect(isFiltered(form({ fromDay: '2026-01-01' }))).toBe(true)
    expect(isFiltered(form({ toDay: '2026-01-01' }))).toBe(true)
    expect(isFiltered(form({ toDay: '  ' }))).toBe(false)
  })

  it('counts pages, keeps the page in range and says which jobs are shown', () => {
    expect(pageCount(0, 20)).toBe(1)
    expect(pageCount(20, 20)).toBe(1)
    expect(pageCount(21, 20)).toBe(2)
    expect(clampPage(3, 57, 20)).toBe(3)
    expect(clampPage(4, 57, 20)).toBe(3)
    expect(clampPage(2, 0, 20)).toBe(1)
    expect(clampPage(0, 57, 20)).toBe(1)
    expect(pageRangeText(1, 20, 57)).toBe('1–20 of 57')
    expect(pageRangeText(3, 20, 57)).toBe('41–57 of 57')
    expect(pageRangeText(1, 20, 0)).toBe('0 of 0')
    expect(pageRangeText(5, 20, 57)).toBe('0 of 57')
    expect(pageRangeText(2, 1000, 12345)).toBe('1,001–2,000 of 12,345')
  })
})

describe('filter store', () => {
  beforeEach(async () => {
    const { useJobFilters } = await import('../../../src/renderer/src/jobs/filter-store')
    useJobFilters.getState().reset()
    useJobFilters.getState().setPageSize(DEFAULT_PAGE_SIZE)
  })

  it('a filter change goes back to the first page; clear keeps the page size', async () => {
    const { useJobFilters } = await import('../../../src/renderer/src/jobs/filter-store')
    const s = useJobFilters.getState
    s().setPageSize(50)
    s().setPage(4)
    expect(s()).toMatchObject({ page: 4, pageSize: 50 })
    s().setFilters({ fromDay: '2026-01-01' })
    expect(s()).toMatchObject({ page: 1, form: { ...EMPTY_JOB_FILTERS, fromDay: '2026-01-01' } })
    s().setPage(2)
    s().setPageSize(100)
    expect(s().page).toBe(1)
    s().reset()
    expect(s()).toMatchObject({ page: 1, pageSize: 100, form: EMPTY_JOB_FILTERS })
  })
})

describe('attempts and chunks in the detail', () => {
  it('attemptsText', () => {
    expect(attemptsText(1)).toBe('1')
    expect(attemptsText(2)).toBe('2 (1 retry or resume)')
    expect(attemptsText(4)).toBe('4 (3 retries or resumes)')
    expect(attemptsText(undefined)).toBeNull()
    expect(attemptsText(null)).toBeNull()
    // A job still queued has not started a run yet.
    expect(attemptsText(0)).toBeNull()
    expect(attemptsText(Number.NaN)).toBeNull()
  })

  it('chunksText', () => {
    expect(chunksText(0)).toBe('0 chunks')
    expect(chunksText(1)).toBe('1 chunk')
    expect(chunksText(12_500)).toBe('12,500 chunks')
    expect(chunksText(undefined)).toBeNull()
    expect(chunksText(-1)).toBeNull()
  })
})
