import type { JobProgressEvent } from '../../shared/contract'
import type { Deps } from './deps'

/**
 * Throughput for the Dashboard, /api/status and /metrics: rows and bytes written, fed by the jobs'
 * progress events (cumulative per table, so the service keeps the last value it saw per table and
 * counts the difference). Keeps one-minute buckets for the last hour and a short window for "now".
 */

export interface ThroughputPoint {
  /** Start of the minute, ISO. */
  t: string
  rows: number
  bytes: number
}

export interface Throughput {
  rowsPerSecond: number
  bytesPerSecond: number
  rowsWrittenTotal: number
  bytesWrittenTotal: number
  /** Last 60 minutes, oldest first, one point per minute (zeros included). */
  lastHour: ThroughputPoint[]
}

const WINDOW_MS = 10_000
const MINUTE = 60_000

export class MonitoringService {
  private readonly seen = new Map<string, { rows: number; bytes: number }>()
  private readonly minutes = new Map<number, { rows: number; bytes: number }>()
  private recent: { at: number; rows: number; bytes: number }[] = []
  private rowsTotal = 0
  private bytesTotal = 0

  constructor(
    readonly deps: Deps,
    private readonly now: () => number = Date.now
  ) {
    deps.events.on('job.progress', (e) => this.onProgress(e))
  }

  private onProgress(e: JobProgressEvent): void {
    const key = `${e.jobId}\0${e.table}`
    const prev = this.seen.get(key) ?? { rows: 0, bytes: 0 }
    const rows = Math.max(0, e.rowsWritten - prev.rows)
    const bytes = Math.max(0, e.bytes - prev.bytes)
    this.seen.set(key, { rows: e.rowsWritten, bytes: e.bytes })
    if (e.status === 'done' || e.status === 'failed' || e.status === 'skipped') this.seen.delete(key)
    if (rows === 0 && bytes === 0) return
    this.record(rows, bytes)
  }

  record(rows: number, bytes: number): void {
    const at = this.now()
    this.rowsTotal += rows
    this.bytesTotal += bytes
    this.recent.push({ at, rows, bytes })
    const m = Math.floor(at / MINUTE) * MINUTE
    const b = this.minutes.get(m) ?? { rows: 0, bytes: 0 }
    b.rows += rows
    b.bytes += bytes
    this.minutes.set(m, b)
    this.prune(at)
  }

  private prune(at: number): void {
    this.recent = this.recent.filter((r) => at - r.at <= WINDOW_MS)
    for (const m of this.minutes.keys()) if (m < at - 61 * MINUTE) this.minutes.delete(m)
  }

  throughput(): Throughput {
    const at = this.now()
    this.prune(at)
    const rows = this.recent.reduce((a, r) => a + r.rows, 0)
    const bytes = this.recent.reduce((a, r) => a + r.bytes, 0)
    const current = Math.floor(at / MINUTE) * MINUTE
    const lastHour: ThroughputPoint[] = []
    for (let i = 59; i >= 0; i--) {
      const m = current - i * MINUTE
      const b = this.minutes.get(m) ?? { rows: 0, bytes: 0 }
      lastHour.push({ t: new Date(m).toISOString(), rows: b.rows, bytes: b.bytes })
    }
    return {
      rowsPerSecond: Math.round(rows / (WINDOW_MS / 1000)),
      bytesPerSecond: Math.round(bytes / (WINDOW_MS / 1000)),
      rowsWrittenTotal: this.rowsTotal,
      bytesWrittenTotal: this.bytesTotal,
      lastHour
    }
  }
}
