import { describe, expect, it } from 'vitest'
import { MonitoringService } from '../../../src/main/sync/monitoring'
import { EventBus } from '../../../src/main/sync/events'
import { silentLogger } from '../../../src/main/sync/logging/logger'
import type { Deps } from '../../../src/main/sync/deps'

describe('throughput', () => {
  it('counts the difference of cumulative progress per table, per minute, and now', () => {
    const events = new EventBus()
    const now = { t: Date.parse('2026-01-01T00:00:30Z') }
    const m = new MonitoringService({ events, logger: silentLogger() } as unknown as Deps, () => now.t)
    const ev = (rowsWritten: number, bytes: number, status: 'copying' | 'done' = 'copying', table = 'a') =>
      events.emit('job.progress', { jobId: 'j', table, status, rowsEstimated: 0, rowsRead: rowsWritten, rowsWritten, bytes, rowsPerSecond: 0 })
    ev(100, 1000)
    ev(250, 2500)
    ev(50, 500, 'copying', 'b')
    now.t += 5000
    ev(300, 3000, 'done')
    const t = m.throughput()
    expect(t.rowsWrittenTotal).toBe(350)
    expect(t.bytesWrittenTotal).toBe(3500)
    expect(t.rowsPerSecond).toBe(35)
    expect(t.lastHour).toHaveLength(60)
    expect(t.lastHour[59]).toEqual({ t: '2026-01-01T00:00:00.000Z', rows: 350, bytes: 3500 })
    now.t += 61_000
    expect(m.throughput().rowsPerSecond).toBe(0)
    expect(m.throughput().lastHour[58]!.rows).toBe(350)
  })
})
