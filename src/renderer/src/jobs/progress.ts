import type { JobProgressEvent, JobStatusEvent } from '../../../shared/contract'
import type { Job, JobTable } from '../../../shared/syncs'
import { FINAL_TABLE_STATUSES } from '../../../shared/contract-states'

/**
 * The live state of a job as the run view shows it: `jobs.get` snapshots merged with `job.progress`
 * and `job.status` events, rates and ETAs derived from them. Pure, unit-tested.
 */

export interface LiveTable extends JobTable {
  /** Rows written per second: the event's figure, or derived from two snapshots; null before any. */
  rowsPerSecond: number | null
  /** When rowsWritten was last seen to change (ms), for rates derived from snapshots. */
  sampledAt?: number
}

export interface LiveJob extends Omit<Job, 'tables'> {
  tables: LiveTable[]
}

export const ACTIVE_JOB_STATUSES: Job['status'][] = ['queued', 'running']
export const isActive = (status: Job['status']): boolean => ACTIVE_JOB_STATUSES.includes(status)

const FINAL_TABLE = new Set<JobTable['status']>(FINAL_TABLE_STATUSES)
const STAGE_RANK: Record<JobTable['status'], number> = { pending: 0, copying: 1, verifying: 2, ready: 3, done: 4, failed: 4, cancelled: 4, skipped: 4 }

/** Average rate of a finished table, when its duration is known. */
function finishedRate(t: JobTable): number | null {
  if (!t.durationMs || t.durationMs <= 0) return null
  return Math.round(t.rowsWritten / (t.durationMs / 1000))
}

/**
 * A new `jobs.get` answer over what is on screen. Counters never go backwards while a table is still
 * copying (a poll can answer older numbers than the last event); rates carry over or are derived from
 * the change since the previous sample.
 */
export function mergeSnapshot(prev: LiveJob | null, next: Job, now: number = Date.now()): LiveJob {
  const before = new Map((prev?.tables ?? []).map((t) => [t.source, t]))
  const tables = next.tables.map((t): LiveTable => {
    const p = before.get(t.source)
    if (FINAL_TABLE.has(t.status)) return { ...t, rowsPerSecond: finishedRate(t) ?? p?.rowsPerSecond ?? null }
    if (!p) return { ...t, rowsPerSecond: null, sampledAt: now }
    const sameStage = !FINAL_TABLE.has(p.status)
    const rowsWritten = sameStage ? Math.max(p.rowsWritten, t.rowsWritten) : t.rowsWritten
    const rowsRead = sameStage ? Math.max(p.rowsRead, t.rowsRead) : t.rowsRead
    const bytes = sameStage ? Math.max(p.bytes, t.bytes) : t.bytes
    let rate = p.rowsPerSecond
    let sampledAt = p.sampledAt ?? now
    if (rowsWritten > p.rowsWritten && p.sampledAt !== undefined && now > p.sampledAt) {
      rate = Math.round((rowsWritten - p.rowsWritten) / ((now - p.sampledAt) / 1000))
      sampledAt = now
    }
    // An older snapshot than the last event must not move the stage back (copying -> pending).
    const status = sameStage && STAGE_RANK[t.status] < STAGE_RANK[p.status] ? p.status : t.status
    return { ...t, status, rowsWritten, rowsRead, bytes, rowsPerSecond: rate, sampledAt }
  })
  return { ...next, tables }
}

/** A `job.progress` event for this job applied to what is on screen. */
export function applyProgress(job: LiveJob, ev: JobProgressEvent, now: number = Date.now()): LiveJob {
  if (ev.jobId !== job.id) return job
  let found = false
  const tables = job.tables.map((t): LiveTable => {
    if (t.source !== ev.table) return t
    found = true
    return {
      ...t,
      status: ev.status,
      rowsEstimated: ev.rowsEstimated,
      rowsRead: ev.rowsRead,
      rowsWritten: ev.rowsWritten,
      bytes: ev.bytes,
      rowsPerSecond: ev.rowsPerSecond,
      sampledAt: now
    }
  })
  if (!found) {
    // Tables are known once the run resolved them; an event can come first. The next poll fills the rest.
    tables.push({
      source: ev.table,
      target: ev.table,
      mode: 'full',
      status: ev.status,
      rowsEstimated: ev.rowsEstimated,
      rowsRead: ev.rowsRead,
      rowsWritten: ev.rowsWritten,
      inserted: 0,
      updated: 0,
      deleted: 0,
      bytes: ev.bytes,
      keyless: false,
      verified: null,
      rowsPerSecond: ev.rowsPerSecond,
      sampledAt: now
    })
  }
  const status = job.status === 'queued' ? 'running' : job.status
  return { ...job, status, tables }
}

/** A `job.status` event for this job: the status (and error) at once; the details come with the next `jobs.get`. */
export function applyStatus(job: LiveJob, ev: JobStatusEvent): LiveJob {
  if (ev.jobId !== job.id) return job
  const next: LiveJob = { ...job, status: ev.status }
  if (ev.error) next.error = ev.error
  return next
}

export interface TableProgress {
  /** 0..100, or null when there is nothing to measure against (no estimate yet). */
  percent: number | null
  /** The copy is under way: the bar moves (striped) and the figures are estimates. */
  active: boolean
  color: string
}

/**
 * The bar of one table. Estimates come from InnoDB statistics and can be off either way, so while
 * copying the bar stops at 100% rather than running past it.
 */
export function tableProgress(t: Pick<JobTable, 'status' | 'rowsWritten' | 'rowsEstimated'>): TableProgress {
  const ratio = t.rowsEstimated > 0 ? Math.min(100, (t.rowsWritten / t.rowsEstimated) * 100) : null
  switch (t.status) {
    case 'pending':
      return { percent: 0, active: false, color: 'gray' }
    case 'copying':
      return { percent: ratio, active: true, color: 'blue' }
    case 'verifying':
      return { percent: 100, active: true, color: 'teal' }
    case 'ready':
      return { percent: 100, active: false, color: 'cyan' }
    case 'done':
      return { percent: 100, active: false, color: 'green' }
    case 'failed':
      return { percent: ratio ?? 0, active: false, color: 'red' }
    case 'cancelled':
      return { percent: ratio ?? 0, active: false, color: 'orange' }
    case 'skipped':
      return { percent: 0, active: false, color: 'gray' }
  }
}

/** Seconds left for a table being copied, or null when it cannot be told (no rate, no estimate, past it). */
export function etaSeconds(t: Pick<LiveTable, 'status' | 'rowsWritten' | 'rowsEstimated' | 'rowsPerSecond'>): number | null {
  if (t.status !== 'copying') return null
  if (!t.rowsPerSecond || t.rowsPerSecond <= 0 || t.rowsEstimated <= 0) return null
  const left = t.rowsEstimated - t.rowsWritten
  if (left <= 0) return null
  return left / t.rowsPerSecond
}

/** `~2 min 5 s`; an approximate figure is marked as one. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—'
  const s = Math.max(1, Math.round(seconds))
  if (s < 60) return `~${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `~${m} min ${s % 60} s`
  const h = Math.floor(m / 60)
  return `~${h} h ${m % 60} min`
}

/** `~2,500 / ~5,000` style figures for a row cell: written, and the estimate it is measured against. */
export function rowsText(t: Pick<JobTable, 'status' | 'rowsWritten' | 'rowsEstimated'>): string {
  const written = t.rowsWritten.toLocaleString('en-US')
  if (FINAL_TABLE.has(t.status)) return written
  if (t.rowsEstimated <= 0) return written
  return `${written} / ~${t.rowsEstimated.toLocaleString('en-US')}`
}

export interface JobTotals {
  tables: number
  /** Tables that ended (done, failed or skipped). */
  tablesEnded: number
  tablesDone: number
  tablesFailed: number
  rowsWritten: number
  rowsEstimated: number
  bytes: number
  /** Sum over the tables being copied; null while none of them has a measured rate yet. */
  rowsPerSecond: number | null
  /** 0..100 over all tables, or null with nothing to measure. */
  percent: number | null
}

/** A whole job as one bar (Dashboard, Jobs list): finished tables count in full, others up to their estimate. */
export function jobTotals(tables: Pick<LiveTable, 'status' | 'rowsWritten' | 'rowsEstimated' | 'bytes' | 'rowsPerSecond'>[]): JobTotals {
  let ended = 0
  let done = 0
  let failed = 0
  let goal = 0
  let progress = 0
  let rows = 0
  let bytes = 0
  let rate: number | null = null
  for (const t of tables) {
    rows += t.rowsWritten
    bytes += t.bytes
    if (FINAL_TABLE.has(t.status)) {
      ended++
      if (t.status === 'done') done++
      if (t.status === 'failed') failed++
      const whole = Math.max(t.rowsWritten, t.rowsEstimated, 1)
      goal += whole
      progress += t.status === 'done' ? whole : Math.min(t.rowsWritten, whole)
    } else {
      const whole = Math.max(t.rowsEstimated, 1)
      goal += whole
      progress += t.status === 'verifying' || t.status === 'ready' ? whole : Math.min(t.rowsWritten, whole)
      if (t.status === 'copying' && t.rowsPerSecond !== null) rate = (rate ?? 0) + t.rowsPerSecond
    }
  }
  return {
    tables: tables.length,
    tablesEnded: ended,
    tablesDone: done,
    tablesFailed: failed,
    rowsWritten: rows,
    rowsEstimated: goal,
    bytes,
    rowsPerSecond: rate,
    percent: tables.length === 0 ? null : Math.min(100, (progress / goal) * 100)
  }
}
