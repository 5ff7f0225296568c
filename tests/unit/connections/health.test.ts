import { afterEach, describe, expect, it, vi } from 'vitest'
import { backoffDelay, HealthMonitor, HealthRecord, SLOW_CHECK_MS, type CheckResult } from '../../../src/main/sync/connections/health'
import type { ConnectionHealth } from '../../../src/shared/connections'

describe('backoffDelay', () => {
  it('starts at a quarter of the interval, doubles, and caps at 8x', () => {
    const mid = (): number => 0.5 // jitter factor exactly 1
    expect([1, 2, 3, 4, 5, 6, 7, 10].map((n) => backoffDelay(n, 15_000, mid))).toEqual([
      3750, 7500, 15_000, 30_000, 60_000, 120_000, 120_000, 120_000
    ])
    expect(backoffDelay(20, 60 * 60_000, mid)).toBe(60 * 60_000) // never below the interval
    expect(backoffDelay(20, 120_000, mid)).toBe(300_000) // 5 minutes at most otherwise
    expect(backoffDelay(1, 10, mid)).toBe(50)
  })

  it('jitters within +-20% and still grows from one retry to the next', () => {
    expect(backoffDelay(3, 1000, () => 0)).toBe(800)
    expect(backoffDelay(3, 1000, () => 0.999999)).toBe(1200)
    for (let n = 1; n < 4; n++) expect(backoffDelay(n + 1, 1000, () => 0)).toBeGreaterThan(backoffDelay(n, 1000, () => 0.999999))
  })
})

describe('HealthRecord', () => {
  const ok = (latencyMs = 1): CheckResult => ({ ok: true, latencyMs })
  const fail: CheckResult = { ok: false, error: { code: 'CONNECTION_REFUSED', message: 'refused' } }

  it('goes connected -> degraded -> down on failures, and back', () => {
    const h = new HealthRecord()
    expect(h.state).toBe('idle')
    expect(h.apply(ok(), 1)).toBe(true)
    expect(h.state).toBe('connected')
    expect(h.apply(ok(), 2)).toBe(false)
    expect(h.apply(fail, 3)).toBe(true)
    expect(h.state).toBe('degraded')
    expect(h.apply(fail, 4)).toBe(true)
    expect(h.state).toBe('down')
    expect(h.apply(fail, 5)).toBe(false)
    expect(h.failures).toBe(3)
    expect(h.error?.code).toBe('CONNECTION_REFUSED')
    expect(h.apply(ok(), 6)).toBe(true)
    expect(h).toMatchObject({ state: 'connected', failures: 0, error: null })
  })

  it('is down at once when it never was up, and degraded when slow', () => {
    const h = new HealthRecord()
    h.apply(fail, 1)
    expect(h.state).toBe('down')
    h.apply(ok(SLOW_CHECK_MS + 1), 2)
    expect(h.state).toBe('degraded')
    h.apply(ok(3), 3)
    expect(h.state).toBe('connected')
  })
})

describe('HealthMonitor', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('checks on schedule, backs off while failing, and reports only changes', async () => {
    vi.useFakeTimers()
    let up = true
    const checks: number[] = []
    const changes: ConnectionHealth['state'][] = []
    const m = new HealthMonitor({
      intervalMs: () => 1000,
      random: () => 0.5,
      check: async () => {
        checks.push(Date.now())
        return up ? { ok: true, latencyMs: 2 } : { ok: false, error: { code: 'TIMEOUT', message: 't' } }
      },
      onChange: (_id, h) => changes.push(h.state)
    })
    m.report('a', { ok: true, latencyMs: 1 })
    expect(m.upCount()).toBe(1)
    await vi.advanceTimersByTimeAsync(3000)
    expect(checks.length).toBe(3)
    expect(changes).toEqual(['connected'])
    up = false
    const start = Date.now()
    checks.length = 0
    await vi.advanceTimersByTimeAsync(1000 + 250 + 500 + 1000 + 2000)
    // Failures at +1000, then backoff 250, 500, 1000, 2000.
    expect(checks.map((t) => t - start)).toEqual([1000, 1250, 1750, 2750, 4750])
    expect(changes).toEqual(['connected', 'degraded', 'down'])
    expect(m.health('a')).toMatchObject({ state: 'down', failures: 5, retryInMs: 4000 })
    expect(m.upCount()).toBe(0)
    up = true
    await vi.advanceTimersByTimeAsync(4000)
    expect(changes).toEqual(['connected', 'degraded', 'down', 'connected'])
    expect(m.health('a')).toMatchObject({ failures: 0, retryInMs: 1000 })
    m.stop()
  })

  it('forgets an untracked connection, even with a check in flight', async () => {
    vi.useFakeTimers()
    let release: (r: CheckResult) => void = () => undefined
    const changes: string[] = []
    const m = new HealthMonitor({
      intervalMs: () => 100,
      check: () => new Promise<CheckResult>((r) => (release = r)),
      onChange: (id, h) => changes.push(`${id}:${h.state}`)
    })
    m.report('a', { ok: true, latencyMs: 1 })
    await vi.advanceTimersByTimeAsync(100)
    m.untrack('a')
    release({ ok: false, error: { code: 'TIMEOUT', message: 'x' } })
    await vi.advanceTimersByTimeAsync(1000)
    expect(changes).toEqual(['a:connected'])
    expect(m.health('a')).toBeUndefined()
    m.stop()
  })

  it('re-plans waiting checks when the interval changes', async () => {
    vi.useFakeTimers()
    let interval = 60_000
    let checks = 0
    const m = new HealthMonitor({
      intervalMs: () => interval,
      check: async () => {
        checks++
        return { ok: true, latencyMs: 1 }
      },
      onChange: () => undefined
    })
    m.report('a', { ok: true, latencyMs: 1 })
    interval = 500
    m.reschedule()
    await vi.advanceTimersByTimeAsync(1100)
    expect(checks).toBe(2)
    m.stop()
  })
})
