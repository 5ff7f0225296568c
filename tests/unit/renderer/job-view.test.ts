import { describe, expect, it } from 'vitest'
import type { Job, JobTable } from '../../../src/shared/syncs'
import { availableJobActions, jobIdAfterAction, OPTIONAL_JOB_ACTIONS } from '../../../src/renderer/src/jobs/actions'
import {
  consistencyText,
  describeFirstDifference,
  jobVerification,
  verificationOf,
  writePathText
} from '../../../src/renderer/src/jobs/format'
import { appendLive, fromEvent, fromStored, mergeLogs, MAX_LOG_LINES } from '../../../src/renderer/src/jobs/logs'
import {
  applyProgress,
  applyStatus,
  etaSeconds,
  formatEta,
  jobTotals,
  mergeSnapshot,
  rowsText,
  tableProgress,
  type LiveJob
} from '../../../src/renderer/src/jobs/progress'
import { isMethod } from '../../../src/shared/contract'

function table(patch: Partial<JobTable> = {}): JobTable {
  return {
    source: 'orders',
    target: 'orders',
    mode: 'full',
    status: 'copying',
    rowsEstimated: 1000,
    rowsRead: 0,
    rowsWritten: 0,
    inserted: 0,
    updated: 0,
    deleted: 0,
    bytes: 0,
    keyless: false,
    verified: null,
    ...patch
  }
}

function job(tables: JobTable[], patch: Partial<Job> = {}): Job {
  return {
    id: 'j1',
    syncId: 's1',
    status: 'running',
    trigger: 'manual',
    attempts: 1,
    createdAt: '2026-01-01T00:00:00Z',
    startedAt: '2026-01-01T00:00:01Z',
    finishedAt: null,
    tables,
    ...patch
  }
}

describe('progress bars', () => {
  it('cap at 100% while copying (estimates are approximate), and read each state', () => {
    expect(tableProgress(table({ rowsWritten: 250 }))).toEqual({ percent: 25, active: true, color: 'blue' })
    expect(tableProgress(table({ rowsWritten: 1300 })).percent).toBe(100)
    expect(tableProgress(table({ rowsEstimated: 0, rowsWritten: 5 })).percent).toBeNull()
    expect(tableProgress(table({ status: 'pending' })).percent).toBe(0)
    expect(tableProgress(table({ status: 'verifying', rowsWritten: 10 })).percent).toBe(100)
    expect(tableProgress(table({ status: 'done', rowsWritten: 10 }))).toEqual({ percent: 100, active: false, color: 'green' })
    expect(tableProgress(table({ status: 'failed', rowsWritten: 500 }))).toEqual({ percent: 50, active: false, color: 'red' })
    expect(tableProgress(table({ status: 'skipped' })).percent).toBe(0)
  })

  it('ETA only while copying with a rate and rows left', () => {
    expect(etaSeconds({ status: 'copying', rowsWritten: 200, rowsEstimated: 1000, rowsPerSecond: 100 })).toBe(8)
    expect(etaSeconds({ status: 'copying', rowsWritten: 1200, rowsEstimated: 1000, rowsPerSecond: 100 })).toBeNull()
    expect(etaSeconds({ status: 'copying', rowsWritten: 0, rowsEstimated: 1000, rowsPerSecond: 0 })).toBeNull()
    expect(etaSeconds({ status: 'copying', rowsWritten: 0, rowsEstimated: 1000, rowsPerSecond: null })).toBeNull()
    expect(etaSeconds({ status: 'verifying', rowsWritten: 0, rowsEstimated: 1000, rowsPerSecond: 10 })).toBeNull()
    expect(formatEta(null)).toBe('—')
    expect(formatEta(0.2)).toBe('~1 s')
    expect(formatEta(42)).toBe('~42 s')
    expect(formatEta(125)).toBe('~2 min 5 s')
    expect(formatEta(7260)).toBe('~2 h 1 min')
  })

  it('rows: written against the estimate while running, exact once ended', () => {
    expect(rowsText(table({ rowsWritten: 1234, rowsEstimated: 5000 }))).toBe('1,234 / ~5,000')
    expect(rowsText(table({ status: 'done', rowsWritten: 4990 }))).toBe('4,990')
    expect(rowsText(table({ rowsWritten: 3, rowsEstimated: 0 }))).toBe('3')
  })

  it('job totals: ended tables count in full, others up to their estimate; no rate until one is measured', () => {
    const t = jobTotals([
      { ...table({ status: 'done', rowsWritten: 900, rowsEstimated: 1000, bytes: 10 }), rowsPerSecond: 50 },
      { ...table({ status: 'copying', rowsWritten: 500, rowsEstimated: 1000, bytes: 5 }), rowsPerSecond: 100 },
      { ...table({ status: 'failed', rowsWritten: 10, rowsEstimated: 100 }), rowsPerSecond: null }
    ])
    expect(t).toMatchObject({ tables: 3, tablesEnded: 2, tablesDone: 1, tablesFailed: 1, rowsWritten: 1410, bytes: 15, rowsPerSecond: 100 })
    expect(t.percent).toBeCloseTo(((1000 + 500 + 10) / (1000 + 1000 + 100)) * 100)
    expect(jobTotals([{ ...table(), rowsPerSecond: null }]).rowsPerSecond).toBeNull()
    expect(jobTotals([]).percent).toBeNull()
  })
})

describe('live job state', () => {
  it('progress events update their table, start a queued job, and add a table not yet known', () => {
    const live = mergeSnapshot(null, job([table()], { status: 'queued' }), 1000)
    const ev = { jobId: 'j1', table: 'orders', status: 'copying' as const, rowsEstimated: 1000, rowsRead: 300, rowsWritten: 250, bytes: 99, rowsPerSecond: 125 }
    const next = applyProgress(live, ev, 2000)
    expect(next.status).toBe('running')
    expect(next.tables[0]).toMatchObject({ rowsWritten: 250, rowsRead: 300, bytes: 99, rowsPerSecond: 125, sampledAt: 2000 })
    expect(applyProgress(live, { ...ev, jobId: 'other' }, 2000)).toBe(live)
    const added = applyProgress(live, { ...ev, table: 'items' }, 2000)
    expect(added.tables.map((t) => t.source)).toEqual(['orders', 'items'])
  })

  it('a snapshot never moves counters or stages back, derives a rate, and takes final values as they are', () => {
    let live: LiveJob = mergeSnapshot(null, job([table({ rowsWritten: 100 })]), 1000)
    expect(live.tables[0]!.rowsPerSecond).toBeNull()
    live = applyProgress(live, { jobId: 'j1', table: 'orders', status: 'copying', rowsEstimated: 1000, rowsRead: 500, rowsWritten: 500, bytes: 5, rowsPerSecond: 200 }, 2000)
    // An older poll answer: still 300 rows and pending.
    live = mergeSnapshot(live, job([table({ status: 'pending', rowsWritten: 300 })]), 2500)
    expect(live.tables[0]).toMatchObject({ status: 'copying', rowsWritten: 500, rowsPerSecond: 200 })
    // A newer one: 900 rows one second after the last sample -> 400 rows/s.
    live = mergeSnapshot(live, job([table({ rowsWritten: 900 })]), 3000)
    expect(live.tables[0]).toMatchObject({ rowsWritten: 900, rowsPerSecond: 400 })
    // Done: the average over its duration.
    live = mergeSnapshot(live, job([table({ status: 'done', rowsWritten: 1000, durationMs: 4000, verified: true })], { status: 'succeeded' }), 4000)
    expect(live.tables[0]).toMatchObject({ status: 'done', rowsWritten: 1000, rowsPerSecond: 250, verified: true })
    expect(live.status).toBe('succeeded')
  })

  it('status events set the status and error of their job only', () => {
    const live = mergeSnapshot(null, job([]), 0)
    const failed = applyStatus(live, { jobId: 'j1', syncId: 's1', status: 'failed', error: { code: 'COPY_FAILED', message: 'x' } })
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'COPY_FAILED' } })
    expect(applyStatus(live, { jobId: 'j2', syncId: 's1', status: 'failed' })).toBe(live)
  })
})

describe('verification and job facts', () => {
  it('verified, NOT IDENTICAL with the first difference, not verified', () => {
    expect(verificationOf(table({ status: 'done', verified: true }))).toEqual({ kind: 'verified', text: 'verified ✓' })
    expect(verificationOf(table({ status: 'done', verified: null }))).toEqual({ kind: 'none', text: 'not verified' })
    expect(verificationOf(table({ status: 'verifying' })).text).toBe('verifying…')
    const diff = verificationOf(
      table({ status: 'done', verified: false, firstDifference: { chunk: 2, after: ['100'], upTo: ['200'], sourceRows: 100, targetRows: 99, key: ['142'], kind: 'missing-on-target' } })
    )
    expect(diff).toEqual({ kind: 'different', text: 'NOT IDENTICAL', detail: 'chunk 3, key 142, 100 source rows vs 99 target rows: missing on the target' })
  })

  it('first differences of every shape the engine sends', () => {
    expect(describeFirstDifference(null)).toBeNull()
    expect(describeFirstDifference({})).toBeNull()
    expect(describeFirstDifference({ chunk: 0, after: null, upTo: ['10'], sourceRows: 5, targetRows: 5 })).toBe('chunk 1, keys from the start up to 10')
    expect(describeFirstDifference({ chunk: 0, key: ['a', { hex: 'ff00' }], kind: 'different' })).toBe('chunk 1, key (a, 0xff00): different values')
    expect(describeFirstDifference({ kind: 'extra-on-target' })).toBe('extra on the target')
  })

  it('a verdict per job', () => {
    expect(jobVerification(job([table({ verified: true }), table({ verified: true })], { status: 'succeeded' })).text).toBe('verified ✓')
    expect(jobVerification(job([table({ verified: true }), table({ verified: false })], { status: 'failed' })).text).toBe('1 NOT IDENTICAL')
    expect(jobVerification(job([table({ verified: true }), table()])).text).toBe('1/2 verified')
    expect(jobVerification(job([table()], { status: 'succeeded' })).text).toBe('not verified')
    expect(jobVerification(job([])).text).toBe('—')
  })

  it('consistency and write path in words', () => {
    expect(consistencyText('global')).toBe('one consistent point for all tables')
    expect(consistencyText('per-table')).toBe('per-table snapshots')
    expect(consistencyText(null)).toBe('—')
    expect(consistencyText(null, true)).toBe('shown when the run ends')
    expect(writePathText('bulk')).toBe('array binding (MariaDB bulk INSERT)')
    expect(writePathText('load-data')).toBe('LOAD DATA LOCAL INFILE')
    expect(writePathText('insert')).toBe('multi-row INSERT')
    expect(writePathText(undefined)).toBe('—')
  })
})

describe('logs', () => {
  it('stored lines first; live lines already stored are shown once', () => {
    const stored = [fromStored({ id: 1, ts: '2026-01-01T00:00:00.000Z', level: 'info', table: null, message: 'started' })]
    const live = [
      fromEvent({ jobId: 'j', ts: '2026-01-01T00:00:00.004Z', level: 'info', message: 'started' }),
      fromEvent({ jobId: 'j', ts: '2026-01-01T00:00:01.000Z', level: 'info', table: 'orders', message: 'done' })
    ]
    const merged = mergeLogs(stored, live)
    expect(merged.map((l) => [l.id, l.message, l.table])).toEqual([
      [1, 'started', null],
      [null, 'done', 'orders']
    ])
    // The same text much later is a new line.
    expect(mergeLogs(stored, [fromEvent({ jobId: 'j', ts: '2026-01-01T00:10:00Z', level: 'info', message: 'started' })])).toHaveLength(2)
  })

  it('stays bounded', () => {
    let lines = Array.from({ length: MAX_LOG_LINES }, (_, i) => fromStored({ id: i, ts: '', level: 'info', table: null, message: String(i) }))
    lines = appendLive(lines, fromEvent({ jobId: 'j', ts: '', level: 'info', message: 'last' }))
    expect(lines).toHaveLength(MAX_LOG_LINES)
    expect(lines[lines.length - 1]!.message).toBe('last')
    expect(lines[0]!.message).toBe('1')
  })
})

describe('optional job actions (jobs.retry / jobs.resume)', () => {
  it('appear only when the contract has the method, for the statuses they suit', () => {
    const all = (): boolean => true
    expect(availableJobActions('interrupted', all).map((a) => a.key)).toEqual(['resume'])
    expect(availableJobActions('cancelled', all).map((a) => a.key)).toEqual(['retry'])
    expect(availableJobActions('failed', all).map((a) => a.key)).toEqual(['retry'])
    expect(availableJobActions('running', all)).toEqual([])
    expect(availableJobActions('succeeded', all)).toEqual([])
    expect(availableJobActions('failed', () => false)).toEqual([])
    // With this build's contract: shown exactly when the backend declares them.
    expect(availableJobActions('interrupted').map((a) => a.method)).toEqual(['jobs.resume'].filter((m) => isMethod(m)))
    expect(availableJobActions('failed').map((a) => a.method)).toEqual(['jobs.retry'].filter((m) => isMethod(m)))
    expect(OPTIONAL_JOB_ACTIONS.every((a) => isMethod(a.method))).toBe(true)
  })

  it('after an action: a new job id, or the same job', () => {
    expect(jobIdAfterAction({ jobId: 'new' }, 'old')).toBe('new')
    expect(jobIdAfterAction({ id: 'old', status: 'running' }, 'old')).toBe('old')
    expect(jobIdAfterAction(undefined, 'old')).toBe('old')
  })
})
