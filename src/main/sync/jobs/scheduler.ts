import { AppError } from '../../../shared/errors'
import { parseDuration } from '../../../shared/duration'
import type { ScheduleInfo, ScheduleInput } from '../../../shared/syncs'
import type { Deps, Lifecycle } from '../deps'
import { ScheduleRepository, type ScheduleRow } from '../store/schedule-repository'
import { describeSchedule, nextRunAfter, validateSchedule } from './schedule-rules'

/**
 * Fires scheduled runs while DB-Taxi runs (serve, or the desktop app). One timer, set for the
 * earliest due schedule and re-checked at least every minute, so a changed clock or a machine
 * waking from sleep is noticed; a run missed while DB-Taxi was not running triggers one catch-up run
 * at start when the schedule asks for it.
 */
export class Scheduler implements Lifecycle {
  readonly repo: ScheduleRepository
  private timer: NodeJS.Timeout | null = null
  private running = false

  constructor(
    private readonly deps: Deps,
    /** Starts a run; throws JOB_ALREADY_ACTIVE and friends. */
    private readonly fire: (syncId: string, trigger: string) => string,
    private readonly now: () => number = Date.now
  ) {
    this.repo = new ScheduleRepository(deps.db)
  }

  async start(): Promise<void> {
    this.running = true
    const now = this.now()
    for (const row of this.repo.all()) {
      if (!row.schedule.enabled || this.repo.paused()) {
        this.repo.setNext(row.id, null)
        continue
      }
      const since = new Date(row.lastRunAt ?? row.createdAt)
      const missed = nextRunAfter(row.schedule, since, anchorOf(row))
      if (missed && missed.getTime() <= now && row.schedule.catchUp) {
        this.deps.logger.info('catching up a run missed while DB-Taxi was not running', { syncId: row.syncId, missedAt: missed.toISOString() })
        this.trigger(row, 'catch-up')
      } else {
        this.repo.setNext(row.id, this.nextFrom(row, now))
      }
    }
    this.arm()
  }

  async stop(): Promise<void> {
    this.running = false
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  /** Sets (or with null removes) a sync's schedule; validated first. */
  set(syncId: string, schedule: ScheduleInput | null): void {
    if (schedule) validateSchedule(schedule)
    const intervalMs = schedule?.kind === 'interval' ? parseDuration(schedule.every) : null
    this.repo.set(syncId, schedule, intervalMs, this.now())
    const row = this.repo.forSync(syncId)
    if (row) this.repo.setNext(row.id, row.schedule.enabled && !this.repo.paused() ? this.nextFrom(row, this.now()) : null)
    this.arm()
  }

  /** Sets the timer again from the store (after a transaction that changed schedules was rolled back). */
  replan(): void {
    this.arm()
  }

  info(syncId: string): ScheduleInfo | null {
    const row = this.repo.forSync(syncId)
    if (!row) return null
    const s = row.schedule
    const info: ScheduleInfo = {
      kind: s.kind,
      catchUp: s.catchUp === true,
      enabled: s.enabled !== false,
      description: describeSchedule(s),
      nextRunAt: row.nextRunAt ? new Date(row.nextRunAt).toISOString() : null,
      lastRunAt: row.lastRunAt ? new Date(row.lastRunAt).toISOString() : null
    }
    if (s.kind === 'cron') {
      info.cron = s.cron
      if (s.timezone) info.timezone = s.timezone
    } else info.every = s.every
    return info
  }

  /** Whether every schedule is paused (the tray's Pause all schedules); kept in the store. */
  isPaused(): boolean {
    return this.repo.paused()
  }

  /**
   * Pauses or resumes every schedule at once, leaving each one's own settings as they are. Runs due
   * while paused are not made up on resume: each enabled schedule next fires at its next time from now.
   */
  setPaused(paused: boolean): void {
    this.repo.setPaused(paused, this.now())
    const now = this.now()
    for (const row of this.repo.all()) this.repo.setNext(row.id, !paused && row.schedule.enabled ? this.nextFrom(row, now) : null)
    this.deps.logger.info(paused ? 'all schedules paused' : 'schedules resumed')
    this.arm()
  }

  /** Runs every due schedule now (also called by the timer). */
  tick(): void {
    if (!this.running || this.repo.paused()) return
    const now = this.now()
    for (const row of this.repo.all()) {
      if (row.schedule.enabled && row.nextRunAt !== null && row.nextRunAt <= now) this.trigger(row, 'schedule')
    }
    this.arm()
  }

  private trigger(row: ScheduleRow, trigger: string): void {
    const at = this.now()
    this.repo.markRun(row.id, at, this.nextFrom({ ...row, lastRunAt: at }, at))
    try {
      const jobId = this.fire(row.syncId, trigger)
      this.deps.logger.info('scheduled run started', { syncId: row.syncId, jobId, trigger })
    } catch (err) {
      // A run still going when the next one is due is skipped, not stacked.
      const msg = err instanceof AppError ? `${err.code}: ${err.message}` : (err as Error).message
      this.deps.logger.warn(`scheduled run skipped: ${msg}`, { syncId: row.syncId })
    }
  }

  private nextFrom(row: ScheduleRow, now: number): number | null {
    return nextRunAfter(row.schedule, new Date(now), anchorOf(row))?.getTime() ?? null
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (!this.running) return
    const next = this.repo
      .all()
      .filter((r) => r.schedule.enabled && r.nextRunAt !== null)
      .reduce((min, r) => Math.min(min, r.nextRunAt!), Infinity)
    const wait = Math.max(0, Math.min(next - this.now(), 60_000))
    this.timer = setTimeout(() => this.tick(), Number.isFinite(wait) ? wait : 60_000)
    this.timer.unref()
  }
}

/** Intervals count from their last run (or creation), so runs stay on their grid. */
function anchorOf(row: ScheduleRow): Date | undefined {
  return row.schedule.kind === 'interval' ? new Date(row.lastRunAt ?? row.createdAt) : undefined
}
