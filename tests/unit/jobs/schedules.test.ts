import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { describeSchedule, nextRunAfter, nextRuns, previewSchedule, validateSchedule } from '../../../src/main/sync/jobs/schedule-rules'
import { Scheduler } from '../../../src/main/sync/jobs/scheduler'
import { openStore } from '../../../src/main/sync/store/database'
import { silentLogger } from '../../../src/main/sync/logging/logger'
import { EventBus } from '../../../src/main/sync/events'
import { AppError } from '../../../src/shared/errors'
import type { Config } from '../../../src/shared/config-keys'

describe('schedule rules', () => {
  it('computes cron runs in a named time zone', () => {
    const s = { kind: 'cron' as const, cron: '0 2 * * *', timezone: 'Europe/Berlin' }
    expect(nextRunAfter(s, new Date('2026-01-01T00:00:00Z'))!.toISOString()).toBe('2026-01-01T01:00:00.000Z')
    // Summer time: 02:00 Berlin is 00:00 UTC.
    expect(nextRunAfter(s, new Date('2026-07-01T00:30:00Z'))!.toISOString()).toBe('2026-07-02T00:00:00.000Z')
  })

  it('keeps intervals on the grid of their anchor', () => {
    const s = { kind: 'interval' as const, every: '6h' }
    const anchor = new Date('2026-01-01T00:00:00Z')
    expect(nextRunAfter(s, new Date('2026-01-01T07:00:00Z'), anchor)!.toISOString()).toBe('2026-01-01T12:00:00.000Z')
    expect(nextRuns(s, anchor, 2).map((d) => d.toISOString())).toEqual(['2026-01-01T06:00:00.000Z', '2026-01-01T12:00:00.000Z'])
  })

  it('describes schedules readably', () => {
    expect(describeSchedule({ kind: 'cron', cron: '30 2 * * 1-5' })).toMatch(/02:30.*Monday through Friday.*local time/)
    expect(describeSchedule({ kind: 'interval', every: '90m' })).toBe('Every 1h30m')
  })

  it('refuses bad expressions, zones and intervals with VALIDATION', () => {
    for (const s of [
      { kind: 'cron' as const, cron: '61 * * * *' },
      { kind: 'cron' as const, cron: '0 2 * * *', timezone: 'Mars/Olympus' },
      { kind: 'interval' as const, every: 'often' },
      { kind: 'interval' as const, every: '10s' }
    ]) {
      expect(() => validateSchedule(s)).toThrow(AppError)
    }
    const p = previewSchedule({ kind: 'cron', cron: 'nope' }, 3)
    expect(p.ok).toBe(false)
    expect(p.error?.code).toBe('VALIDATION')
    const ok = previewSchedule({ kind: 'cron', cron: '*/15 * * * *' }, 3, new Date('2026-01-01T00:07:00Z'))
    expect(ok.nextRuns).toEqual(['2026-01-01T00:15:00.000Z', '2026-01-01T00:30:00.000Z', '2026-01-01T00:45:00.000Z'])
  })
})

function harness(now: { t: number }) {
  const { db } = openStore({ path: join(mkdtempSync(join(tmpdir(), 'dbt-sched-')), 's.sqlite') })
  const t = Date.now()
  db.prepare("INSERT INTO connections (id, name, host, port, user, created_at, updated_at) VALUES ('c', 'c', 'h', 1, 'u', ?, ?)").run(t, t)
  for (const id of ['s1', 's2']) {
    db.prepare("INSERT INTO sync_configs (id, name, source_connection_id, target_connection_id, source_database, target_database, created_at, updated_at) VALUES (?, ?, 'c', 'c', 'a', 'b', ?, ?)").run(id, id, t, t)
  }
  const fired: [string, string][] = []
  const deps = { db, logger: silentLogger(), events: new EventBus(), config: () => ({}) as Config }
  const make = (): Scheduler =>
    new Scheduler(
      deps,
      (syncId, trigger) => {
        fired.push([syncId, trigger])
        return 'job'
      },
      () => now.t
    )
  return { fired, make }
}

describe('scheduler', () => {
  it('fires due schedules, records the run and the next time', async () => {
    const now = { t: Date.parse('2026-01-01T00:00:00Z') }
    const { fired, make } = harness(now)
    const s = make()
    await s.start()
    s.set('s1', { kind: 'interval', every: '1h' })
    s.set('s2', { kind: 'interval', every: '1h', enabled: false })
    expect(s.info('s1')).toMatchObject({ enabled: true, nextRunAt: '2026-01-01T01:00:00.000Z', lastRunAt: null })
    expect(s.info('s2')!.nextRunAt).toBeNull()
    now.t = Date.parse('2026-01-01T01:00:00Z')
    s.tick()
    expect(fired).toEqual([['s1', 'schedule']])
    expect(s.info('s1')).toMatchObject({ lastRunAt: '2026-01-01T01:00:00.000Z', nextRunAt: '2026-01-01T02:00:00.000Z' })
    s.tick()
    expect(fired).toHaveLength(1)
    await s.stop()
  })

  it('pauses every schedule at once, across a restart, and resumes exactly the ones that were on, from now', async () => {
    const now = { t: Date.parse('2026-01-01T00:00:00Z') }
    const { fired, make } = harness(now)
    const first = make()
    await first.start()
    first.set('s1', { kind: 'interval', every: '1h', catchUp: true })
    first.set('s2', { kind: 'interval', every: '1h', enabled: false })
    first.setPaused(true)
    expect(first.isPaused()).toBe(true)
    expect(first.info('s1')).toMatchObject({ enabled: true, nextRunAt: null })
    now.t = Date.parse('2026-01-01T03:00:00Z')
    first.tick()
    expect(fired).toEqual([])
    // A schedule saved while paused stays quiet too.
    first.set('s1', { kind: 'interval', every: '30m', catchUp: true })
    expect(first.info('s1')!.nextRunAt).toBeNull()
    await first.stop()
    // Restarted still paused: no catch-up run either.
    now.t = Date.parse('2026-01-01T05:00:00Z')
    const second = make()
    await second.start()
    expect(second.isPaused()).toBe(true)
    expect(fired).toEqual([])
    second.setPaused(false)
    // Nothing made up for the paused hours; s1 (on) next fires on its grid after now, s2 (off) stays off.
    expect(fired).toEqual([])
    expect(second.info('s1')!.nextRunAt).toBe('2026-01-01T05:30:00.000Z')
    expect(second.info('s2')!.nextRunAt).toBeNull()
    now.t = Date.parse('2026-01-01T05:30:00Z')
    second.tick()
    expect(fired).toEqual([['s1', 'schedule']])
    await second.stop()
  })

  it('catches up one missed run at start only when asked', async () => {
    const now = { t: Date.parse('2026-01-01T00:00:00Z') }
    const { fired, make } = harness(now)
    const first = make()
    await first.start()
    first.set('s1', { kind: 'cron', cron: '0 * * * *', catchUp: true })
    first.set('s2', { kind: 'cron', cron: '0 * * * *' })
    await first.stop()
    // Closed for five hours: five runs missed, one catch-up for s1, none for s2.
    now.t = Date.parse('2026-01-01T05:30:00Z')
    const second = make()
    await second.start()
    expect(fired).toEqual([['s1', 'catch-up']])
    expect(second.info('s2')!.nextRunAt).toBe('2026-01-01T06:00:00.000Z')
    await second.stop()
  })

  it('skips a run whose previous one is still active and keeps going', async () => {
    const now = { t: Date.parse('2026-01-01T00:00:00Z') }
    const { make } = harness(now)
    const calls: string[] = []
    const s = make()
    ;(s as unknown as { fire: (id: string) => string }).fire = (id: string) => {
      calls.push(id)
      throw new AppError('JOB_ALREADY_ACTIVE', 'busy')
    }
    await s.start()
    s.set('s1', { kind: 'interval', every: '1m' })
    now.t += 60_000
    s.tick()
    expect(calls).toEqual(['s1'])
    expect(s.info('s1')!.nextRunAt).toBe('2026-01-01T00:02:00.000Z')
    await s.stop()
  })
})
