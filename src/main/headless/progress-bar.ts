import type { TableResult } from '../sync/engine/types'

/** One line per refresh on a terminal's stderr: the table being worked on, rows, rate, ETA. */
export class ProgressBar {
  private readonly started = Date.now()
  private last = 0
  constructor(private readonly out: NodeJS.WriteStream) {}

  update(t: TableResult): void {
    const now = Date.now()
    if (now - this.last < 200 && t.status !== 'done') return
    this.last = now
    const total = Math.max(t.rowsEstimated, t.rowsWritten, 1)
    const frac = Math.min(1, t.rowsWritten / total)
    const width = 24
    const filled = Math.round(frac * width)
    const secs = (now - (t.startedAt ?? this.started)) / 1000
    const rate = secs > 0 ? t.rowsWritten / secs : 0
    const eta = rate > 0 && frac < 1 ? `${Math.round((total - t.rowsWritten) / rate)}s` : '-'
    const line = `${t.source} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${t.rowsWritten}/${total} rows ${Math.round(rate)}/s ETA ${eta} ${t.status}`
    this.out.write(`\r\x1b[2K${line.slice(0, (this.out.columns ?? 120) - 1)}`)
  }

  clear(): void {
    this.out.write('\r\x1b[2K')
  }

  done(): void {
    this.clear()
  }
}
