import type { ConnectionHealth, ConnectionState } from '../../../shared/connections'
import type { ErrorBody } from '../../../shared/errors'

/**
 * Health of open pools, as a small state machine plus a scheduler:
 *   - a fast successful check -> connected; a slow one (over SLOW_CHECK_MS) -> degraded;
 *   - the first failed check after being up -> degraded; a second in a row, or any failure when
 *     not up before -> down;
 *   - after a failure the next check comes sooner than the interval and then backs off
 *     exponentially with jitter, so a server that is down is not hammered and a fleet of clients
 *     does not retry in lockstep; after a success the normal interval applies again.
 * Listeners hear only state changes, never every check.
 */

export const SLOW_CHECK_MS = 1000
const MIN_DELAY_MS = 50
const MAX_BACKOFF_MS = 5 * 60_000

export interface CheckResult {
  ok: boolean
  latencyMs?: number
  error?: ErrorBody
}

/**
 * Delay before retry number `failures` (1 = right after the first failure): a quarter of the
 * interval, doubling each time, capped at 8x the interval (and 5 minutes, but never below the
 * interval), times a jitter factor in [0.8, 1.2).
 */
export function backoffDelay(failures: number, intervalMs: number, random: () => number = Math.random): number {
  const base = Math.max(MIN_DELAY_MS, intervalMs / 4)
  const cap = Math.max(intervalMs, Math.min(intervalMs * 8, MAX_BACKOFF_MS))
  const nominal = Math.min(cap, base * 2 ** Math.max(0, failures - 1))
  return Math.max(MIN_DELAY_MS, Math.round(nominal * (0.8 + 0.4 * random())))
}

/** One connection's health record. `apply` returns true when the state changed. */
export class HealthRecord {
  state: ConnectionState = 'idle'
  latencyMs: number | null = null
  checkedAt: number | null = null
  error: ErrorBody | null = null
  failures = 0
  nextCheckAt: number | null = null
  retryInMs: number | null = null

  apply(r: CheckResult, now: number): boolean {
    const before = this.state
    this.checkedAt = now
    if (r.ok) {
      this.failures = 0
      this.error = null
      this.latencyMs = r.latencyMs ?? null
      this.state = (r.latencyMs ?? 0) > SLOW_CHECK_MS ? 'degraded' : 'connected'
    } else {
      this.failures++
      this.error = r.error ?? null
      const wasUp = before === 'connected' || before === 'degraded'
      this.state = wasUp && this.failures === 1 ? 'degraded' : 'down'
    }
    return this.state !== before
  }

  snapshot(): ConnectionHealth {
    const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString())
    return {
      state: this.state,
      latencyMs: this.latencyMs,
      checkedAt: iso(this.checkedAt),
      error: this.error,
      failures: this.failures,
      nextCheckAt: iso(this.nextCheckAt),
      retryInMs: this.retryInMs
    }
  }
}

export interface HealthMonitorOptions {
  intervalMs: () => number
  check: (id: string) => Promise<CheckResult>
  onChange: (id: string, health: ConnectionHealth) => void
  random?: () => number
  now?: () => number
}

interface Tracked {
  record: HealthRecord
  timer: NodeJS.Timeout | null
  running: boolean
  /** Bumped on untrack so a check already in flight cannot write into a newer record. */
  generation: number
}

/** Schedules background checks for every tracked (open) connection. */
export class HealthMonitor {
  private readonly tracked = new Map<string, Tracked>()
  private generation = 0
  private stopped = false

  constructor(private readonly opts: HealthMonitorOptions) {}

  private now(): number {
    return (this.opts.now ?? Date.now)()
  }

  /** Records an outcome seen outside the scheduler (opening a pool) and (re)schedules the next check. */
  report(id: string, r: CheckResult): void {
    if (this.stopped) return
    let t = this.tracked.get(id)
    if (!t) {
      t = { record: new HealthRecord(), timer: null, running: false, generation: ++this.generation }
      this.tracked.set(id, t)
    }
    this.applyAndSchedule(id, t, r)
  }

  private applyAndSchedule(id: string, t: Tracked, r: CheckResult): void {
    const changed = t.record.apply(r, this.now())
    this.schedule(id, t)
    if (changed) this.opts.onChange(id, t.record.snapshot())
  }

  /** Next check: the interval while healthy, the backoff for the current failure count otherwise. */
  private schedule(id: string, t: Tracked): void {
    const interval = Math.max(100, this.opts.intervalMs())
    const delay = t.record.failures === 0 ? interval : backoffDelay(t.record.failures, interval, this.opts.random)
    t.record.retryInMs = delay
    t.record.nextCheckAt = this.now() + delay
    if (t.timer) clearTimeout(t.timer)
    t.timer = setTimeout(() => void this.run(id, t.generation), delay)
    t.timer.unref()
  }

  /** The interval setting changed: re-plan every waiting check with it, now rather than after the old wait. */
  reschedule(): void {
    for (const [id, t] of this.tracked) if (!t.running) this.schedule(id, t)
  }

  private async run(id: string, generation: number): Promise<void> {
    const t = this.tracked.get(id)
    if (!t || t.generation !== generation || t.running || this.stopped) return
    t.running = true
    t.timer = null
    let result: CheckResult
    try {
      result = await this.opts.check(id)
    } catch (err) {
      result = { ok: false, error: { code: 'INTERNAL', message: (err as Error).message } }
    } finally {
      t.running = false
    }
    const now = this.tracked.get(id)
    if (this.stopped || !now || now.generation !== generation) return
    this.applyAndSchedule(id, now, result)
  }

  health(id: string): ConnectionHealth | undefined {
    return this.tracked.get(id)?.record.snapshot()
  }

  /** Stops watching a connection (closed, edited, deleted). No event: it is simply idle again. */
  untrack(id: string): void {
    const t = this.tracked.get(id)
    if (!t) return
    if (t.timer) clearTimeout(t.timer)
    this.tracked.delete(id)
  }

  /** Connections whose pool is up (connected or degraded-but-answering). */
  upCount(): number {
    let n = 0
    for (const t of this.tracked.values()) if (t.record.state === 'connected' || t.record.state === 'degraded') n++
    return n
  }

  stop(): void {
    this.stopped = true
    for (const id of [...this.tracked.keys()]) this.untrack(id)
  }
}
