import { Cron } from 'croner'
import cronstrue from 'cronstrue'
import { AppError } from '../../../shared/errors'
import { formatDuration, parseDuration } from '../../../shared/duration'
import type { ScheduleInput, SchedulePreview } from '../../../shared/syncs'

/**
 * What a schedule means in time, on croner (cron) and our duration parser (intervals). Pure, so the
 * scheduler and the UI preview agree, and it is testable without clocks.
 */

export const MIN_INTERVAL_MS = 60_000

export function validateSchedule(s: ScheduleInput): void {
  if (s.kind === 'cron') {
    if (s.timezone) {
      try {
        new Intl.DateTimeFormat('en', { timeZone: s.timezone })
      } catch {
        throw new AppError('VALIDATION', `Unknown time zone "${s.timezone}".`, { issues: [{ path: 'schedule.timezone', message: 'unknown time zone' }] })
      }
    }
    try {
      new Cron(s.cron, { paused: true, timezone: s.timezone })
    } catch (err) {
      throw new AppError('VALIDATION', `Invalid cron expression "${s.cron}": ${(err as Error).message}`, {
        issues: [{ path: 'schedule.cron', message: (err as Error).message }]
      })
    }
  } else {
    const ms = parseDuration(s.every)
    if (ms === null) throw new AppError('VALIDATION', `Invalid interval "${s.every}"; write 15m, 6h or 1d.`, { issues: [{ path: 'schedule.every', message: 'expected a duration' }] })
    if (ms < MIN_INTERVAL_MS) throw new AppError('VALIDATION', `An interval must be at least 1m (got ${s.every}).`, { issues: [{ path: 'schedule.every', message: 'at least 1m' }] })
  }
}

/** The first scheduled time strictly after `after`. */
export function nextRunAfter(s: ScheduleInput, after: Date, anchor?: Date): Date | null {
  if (s.kind === 'cron') return new Cron(s.cron, { paused: true, timezone: s.timezone }).nextRun(after)
  const every = parseDuration(s.every)!
  // Intervals run on a grid from their anchor (creation or the last run), so a late wake-up does not drift.
  const base = (anchor ?? after).getTime()
  if (after.getTime() < base) return new Date(base)
  const steps = Math.floor((after.getTime() - base) / every) + 1
  return new Date(base + steps * every)
}

export function nextRuns(s: ScheduleInput, from: Date, count: number): Date[] {
  const out: Date[] = []
  let t = from
  for (let i = 0; i < count; i++) {
    const n = nextRunAfter(s, t, s.kind === 'interval' ? from : undefined)
    if (!n) break
    out.push(n)
    t = n
  }
  return out
}

export function describeSchedule(s: ScheduleInput): string {
  if (s.kind === 'interval') return `Every ${formatDuration(parseDuration(s.every)!)}`
  let text: string
  try {
    text = cronstrue.toString(s.cron, { use24HourTimeFormat: true, verbose: false })
  } catch {
    text = s.cron
  }
  return s.timezone ? `${text} (${s.timezone})` : `${text} (local time)`
}

export function previewSchedule(s: ScheduleInput, count: number, from = new Date()): SchedulePreview {
  try {
    validateSchedule(s)
  } catch (err) {
    const e = err as AppError
    return { ok: false, nextRuns: [], error: { code: e.code, message: e.message } }
  }
  return { ok: true, description: describeSchedule(s), nextRuns: nextRuns(s, from, count).map((d) => d.toISOString()) }
}
