import type { Db } from './database'

export interface StoreCounters {
  connections: number
  syncs: number
  jobs: { total: number; queued: number; running: number; succeeded: number; failed: number }
  rows: { inserted: number; updated: number; deleted: number; repaired: number }
}

/** Counters for the Dashboard, /api/status and (later) /metrics, read straight from the store. */
export class StatsRepository {
  constructor(private readonly db: Db) {}

  counters(): StoreCounters {
    const one = (sql: string): number => (this.db.prepare(sql).get() as { n: number }).n
    const byStatus = this.db.prepare('SELECT status, COUNT(*) AS n FROM jobs GROUP BY status').all() as {
      status: string
      n: number
    }[]
    const count = (s: string): number => byStatus.find((r) => r.status === s)?.n ?? 0
    const rows = this.db
      .prepare('SELECT COALESCE(SUM(inserted), 0) AS i, COALESCE(SUM(updated), 0) AS u, COALESCE(SUM(deleted), 0) AS d, COALESCE(SUM(repaired), 0) AS r FROM job_tables')
      .get() as { i: number; u: number; d: number; r: number }
    return {
      rows: { inserted: rows.i, updated: rows.u, deleted: rows.d, repaired: rows.r },
      connections: one('SELECT COUNT(*) AS n FROM connections'),
      syncs: one('SELECT COUNT(*) AS n FROM sync_configs'),
      jobs: {
        total: byStatus.reduce((a, r) => a + r.n, 0),
        queued: count('queued'),
        running: count('running'),
        succeeded: count('succeeded'),
        failed: count('failed')
      }
    }
  }

  /** Which of the expected tables exist (for /api/sync/status). */
  tablesPresent(expected: string[]): Record<string, boolean> {
    const rows = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]
    const have = new Set(rows.map((r) => r.name))
    return Object.fromEntries(expected.map((t) => [t, have.has(t)]))
  }
}
