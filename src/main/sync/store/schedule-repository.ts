import { randomUUID } from 'node:crypto'
import type { ScheduleInput } from '../../../shared/syncs'
import type { Db } from './database'

export interface ScheduleRow {
  id: string
  syncId: string
  schedule: ScheduleInput
  lastRunAt: number | null
  nextRunAt: number | null
  createdAt: number
}

interface Raw {
  id: string
  sync_id: string
  kind: 'cron' | 'interval'
  expression: string | null
  interval_ms: number | null
  timezone: string | null
  enabled: number
  catch_up: number
  last_run_at: number | null
  next_run_at: number | null
  created_at: number
}

/** One schedule per sync config. Intervals keep their text form in `expression` ("6h"). */
export class ScheduleRepository {
  constructor(private readonly db: Db) {}

  all(): ScheduleRow[] {
    return (this.db.prepare('SELECT * FROM schedules').all() as Raw[]).map(toRow)
  }

  /** Whether every schedule is paused (scheduler_state; no row: not paused). */
  paused(): boolean {
    const r = this.db.prepare('SELECT paused FROM scheduler_state WHERE id = 1').get() as { paused: number } | undefined
    return r?.paused === 1
  }

  setPaused(paused: boolean, now = Date.now()): void {
    this.db
      .prepare('INSERT INTO scheduler_state (id, paused, updated_at) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET paused = excluded.paused, updated_at = excluded.updated_at')
      .run(paused ? 1 : 0, now)
  }

  forSync(syncId: string): ScheduleRow | undefined {
    const r = this.db.prepare('SELECT * FROM schedules WHERE sync_id = ?').get(syncId) as Raw | undefined
    return r ? toRow(r) : undefined
  }

  /** Replaces the sync's schedule (null removes it). Keeps last_run_at so catch-up stays honest. */
  set(syncId: string, s: ScheduleInput | null, intervalMs: number | null, now = Date.now()): void {
    const prev = this.forSync(syncId)
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM schedules WHERE sync_id = ?').run(syncId)
      if (!s) return
      this.db
        .prepare(
          `INSERT INTO schedules (id, sync_id, kind, expression, interval_ms, timezone, enabled, catch_up, last_run_at, next_run_at, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)`
        )
        .run(
          randomUUID(),
          syncId,
          s.kind,
          s.kind === 'cron' ? s.cron : s.every,
          intervalMs,
          s.kind === 'cron' ? (s.timezone ?? null) : null,
          s.enabled === false ? 0 : 1,
          s.catchUp ? 1 : 0,
          prev?.lastRunAt ?? null,
          now
        )
    })()
  }

  markRun(id: string, at: number, next: number | null): void {
    this.db.prepare('UPDATE schedules SET last_run_at = ?, next_run_at = ? WHERE id = ?').run(at, next, id)
  }

  setNext(id: string, next: number | null): void {
    this.db.prepare('UPDATE schedules SET next_run_at = ? WHERE id = ?').run(next, id)
  }
}

function toRow(r: Raw): ScheduleRow {
  const common = { catchUp: r.catch_up === 1, enabled: r.enabled === 1 }
  const schedule: ScheduleInput =
    r.kind === 'cron'
      ? { kind: 'cron', cron: r.expression ?? '', ...(r.timezone ? { timezone: r.timezone } : {}), ...common }
      : { kind: 'interval', every: r.expression ?? `${r.interval_ms ?? 0}ms`, ...common }
  return { id: r.id, syncId: r.sync_id, schedule, lastRunAt: r.last_run_at, nextRunAt: r.next_run_at, createdAt: r.created_at }
}
