import type { ErrorBody } from '../../../shared/errors'
import type { JobStatus, TableStatus } from '../../../shared/contract-states'
import type { Job, JobTable, SyncConfig } from '../../../shared/syncs'
import type { Db } from './database'

interface JobRow {
  id: string
  sync_id: string | null
  status: JobStatus
  trigger: string
  config_snapshot: string
  error: string | null
  attempts: number
  created_at: number
  started_at: number | null
  finished_at: number | null
  sync_name: string | null
  retry_of: string | null
}

interface TableRow {
  position: number
  source_table: string
  target_table: string
  mode: string
  status: TableStatus
  rows_estimated: number
  rows_read: number
  rows_written: number
  inserted: number
  updated: number
  deleted: number
  bytes: number
  keyless: number
  verified: number | null
  first_difference: string | null
  error: string | null
  checkpoint: string | null
  started_at: number | null
  finished_at: number | null
  repaired: number
  watermark: string | null
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

/** Jobs, their per-table state and their log lines. */
export class JobRepository {
  constructor(private readonly db: Db) {}

  create(job: { id: string; syncId: string | null; trigger: string; snapshot: unknown; retryOf?: string }): void {
    this.db
      .prepare('INSERT INTO jobs (id, sync_id, status, trigger, config_snapshot, retry_of, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(job.id, job.syncId, 'queued', job.trigger, JSON.stringify(job.snapshot), job.retryOf ?? null, Date.now())
  }

  /** The sync config as it was when the job was queued: a job runs what was asked for then. */
  snapshotConfig(id: string): SyncConfig | undefined {
    const row = this.db.prepare('SELECT config_snapshot FROM jobs WHERE id = ?').get(id) as { config_snapshot: string } | undefined
    return row ? (JSON.parse(row.config_snapshot) as { sync?: SyncConfig }).sync : undefined
  }

  /** The table list the job's first attempt settled on (see JobEngine.attempt). */
  snapshotTasks<T>(id: string): T[] | undefined {
    const row = this.db.prepare("SELECT json_extract(config_snapshot, '$.tasks') AS t FROM jobs WHERE id = ?").get(id) as { t: string | null } | undefined
    return row?.t ? (JSON.parse(row.t) as T[]) : undefined
  }

  /** Merges fields into the job's stored snapshot (consistency, write path). */
  patchSnapshot(id: string, patch: Record<string, unknown>): void {
    this.db.prepare('UPDATE jobs SET config_snapshot = json_patch(config_snapshot, ?) WHERE id = ?').run(JSON.stringify(patch), id)
  }

  /** Deletes ended jobs that finished before `cutoff`, but not those in `keep`. */
  deleteFinishedBefore(cutoff: number, keep: string[] = []): number {
    return this.db
      .prepare(
        `DELETE FROM jobs WHERE status IN ('succeeded','failed','cancelled','interrupted') AND finished_at IS NOT NULL AND finished_at < ?
           AND id NOT IN (SELECT value FROM json_each(?))`
      )
      .run(cutoff, JSON.stringify(keep)).changes
  }

  /** Interrupted jobs of a sync that still hold checkpoints. */
  interruptedWithWork(syncId: string): string[] {
    const rows = this.db
      .prepare(
        `SELECT DISTINCT j.id FROM jobs j JOIN job_tables t ON t.job_id = j.id
          WHERE j.sync_id = ? AND j.status = 'interrupted' AND json_extract(t.checkpoint, '$.resume') IS NOT NULL`
      )
      .all(syncId) as { id: string }[]
    return rows.map((r) => r.id)
  }

  /**
   * Ended jobs (interrupted, or failed or cancelled where dropping their tables failed) that ended
   * before `cutoff` and still hold checkpoints: shadow tables on a target.
   */
  endedWithWorkBefore(cutoff: number): string[] {
    const rows = this.db
      .prepare(
        `SELECT DISTINCT j.id FROM jobs j JOIN job_tables t ON t.job_id = j.id
          WHERE j.status IN ('interrupted','failed','cancelled') AND j.finished_at < ? AND json_extract(t.checkpoint, '$.resume') IS NOT NULL`
      )
      .all(cutoff) as { id: string }[]
    return rows.map((r) => r.id)
  }

  /**
   * The newest failed jobs, only what the Dashboard shows of them: no tables, no config snapshot
   * (a sync of thousands of tables makes that large), no count. Read on every Dashboard poll.
   */
  recentFailures(limit: number): { jobId: string; syncId: string | null; syncName?: string; finishedAt: string | null; error?: ErrorBody }[] {
    const rows = this.db
      .prepare(
        `SELECT j.id, j.sync_id, s.name AS sync_name, j.finished_at, j.error FROM jobs j LEFT JOIN sync_configs s ON s.id = j.sync_id
          WHERE j.status = 'failed' ORDER BY j.created_at DESC, j.rowid DESC LIMIT ?`
      )
      .all(limit) as { id: string; sync_id: string | null; sync_name: string | null; finished_at: number | null; error: string | null }[]
    return rows.map((r) => ({
      jobId: r.id,
      syncId: r.sync_id,
      ...(r.sync_name ? { syncName: r.sync_name } : {}),
      finishedAt: iso(r.finished_at),
      ...(r.error ? { error: JSON.parse(r.error) as ErrorBody } : {})
    }))
  }

  /** The newest job of a sync, without its tables (for lists that show one status per sync). */
  latestForSync(syncId: string): { id: string; status: JobStatus; finishedAt: string | null } | undefined {
    const r = this.db
      .prepare('SELECT id, status, finished_at FROM jobs WHERE sync_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1')
      .get(syncId) as { id: string; status: JobStatus; finished_at: number | null } | undefined
    return r ? { id: r.id, status: r.status, finishedAt: iso(r.finished_at) } : undefined
  }

  activeForSync(syncId: string): string | undefined {
    const row = this.db.prepare("SELECT id FROM jobs WHERE sync_id = ? AND status IN ('queued','running') LIMIT 1").get(syncId) as { id: string } | undefined
    return row?.id
  }

  setStatus(id: string, status: JobStatus, error?: ErrorBody | null, extra: Record<string, unknown> = {}): void {
    const now = Date.now()
    const snapshotPatch = Object.keys(extra).length ? extra : null
    this.db
      .prepare(
        `UPDATE jobs SET status = ?,
           error = COALESCE(?, error),
           started_at = CASE WHEN ? = 'running' AND started_at IS NULL THEN ? ELSE started_at END,
           finished_at = CASE WHEN ? IN ('succeeded','failed','cancelled','interrupted') THEN ? ELSE finished_at END,
           config_snapshot = CASE WHEN ? IS NULL THEN config_snapshot ELSE json_patch(config_snapshot, ?) END
         WHERE id = ?`
      )
      .run(status, error ? JSON.stringify(error) : null, status, now, status, now, snapshotPatch ? 1 : null, snapshotPatch ? JSON.stringify(snapshotPatch) : null, id)
  }

  /**
   * Whether a job whose shadow tables carry `tag` (runTagOf: the first hex digits of its id) may
   * still continue into them: queued, running (a retry waits between attempts without a run) or
   * interrupted. false: this store's job has ended; undefined: no job of this store has the tag.
   */
  tagMayResume(tag: string): boolean | undefined {
    if (!/^[0-9a-f]{1,12}$/.test(tag)) return undefined
    const rows = this.db.prepare("SELECT status FROM jobs WHERE replace(id, '-', '') LIKE ?").all(`${tag}%`) as { status: string }[]
    if (rows.length === 0) return undefined
    return rows.some((r) => r.status === 'queued' || r.status === 'running' || r.status === 'interrupted')
  }

  /** Jobs that were queued or running when the process ended: they did not finish. */
  markInterrupted(): string[] {
    const rows = this.db.prepare("SELECT id FROM jobs WHERE status IN ('queued','running')").all() as { id: string }[]
    const upd = this.db.prepare(
      "UPDATE jobs SET status = 'interrupted', finished_at = ?, error = ? WHERE id = ?"
    )
    const err = JSON.stringify({ code: 'INTERNAL', message: 'DB-Taxi stopped while this job ran.' })
    this.db.transaction(() => {
      for (const r of rows) upd.run(Date.now(), err, r.id)
      this.db.prepare("UPDATE job_tables SET status = 'pending' WHERE status IN ('copying','verifying','ready') AND job_id IN (SELECT id FROM jobs WHERE status = 'interrupted')").run()
    })()
    return rows.map((r) => r.id)
  }

  /** Counts one more start of the job's run (first run, retry or resume). */
  addAttempt(id: string): number {
    this.db.prepare('UPDATE jobs SET attempts = attempts + 1 WHERE id = ?').run(id)
    return (this.db.prepare('SELECT attempts FROM jobs WHERE id = ?').get(id) as { attempts: number }).attempts
  }

  /** An interrupted job goes back to the queue to resume (same id, its checkpoints kept). */
  requeue(id: string): void {
    this.db.prepare("UPDATE jobs SET status = 'queued', finished_at = NULL, error = NULL WHERE id = ?").run(id)
  }

  /** Interrupted jobs, oldest first (resumed at start when sync.resume_interrupted is on). */
  interrupted(): string[] {
    return (this.db.prepare("SELECT id FROM jobs WHERE status = 'interrupted' ORDER BY created_at, rowid").all() as { id: string }[]).map((r) => r.id)
  }

  /** A table's checkpoint (see TableCheckpoint in the engine), or null. */
  checkpoint<T>(jobId: string, position: number): T | null {
    const row = this.db.prepare("SELECT json_extract(checkpoint, '$.resume') AS cp FROM job_tables WHERE job_id = ? AND position = ?").get(jobId, position) as
      | { cp: string | null }
      | undefined
    return row?.cp ? (JSON.parse(row.cp) as T) : null
  }

  saveCheckpoint(jobId: string, position: number, checkpoint: unknown): void {
    if (checkpoint === null) {
      this.db.prepare("UPDATE job_tables SET checkpoint = json_remove(checkpoint, '$.resume') WHERE job_id = ? AND position = ?").run(jobId, position)
    } else {
      this.db
        .prepare("UPDATE job_tables SET checkpoint = json_set(COALESCE(checkpoint, '{}'), '$.resume', json(?)) WHERE job_id = ? AND position = ?")
        .run(JSON.stringify(checkpoint), jobId, position)
    }
  }

  setTables(jobId: string, tables: { source: string; target: string; mode: string }[]): void {
    const ins = this.db.prepare(
      'INSERT OR REPLACE INTO job_tables (job_id, position, source_table, target_table, mode, status) VALUES (?, ?, ?, ?, ?, ?)'
    )
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM job_tables WHERE job_id = ?').run(jobId)
      tables.forEach((t, i) => ins.run(jobId, i, t.source, t.target, t.mode, 'pending'))
    })()
  }

  updateTable(jobId: string, position: number, t: JobTable & { startedAt?: number; finishedAt?: number }): void {
    this.db
      .prepare(
        `UPDATE job_tables SET status = ?, rows_estimated = ?, rows_read = ?, rows_written = ?, inserted = ?, updated = ?, deleted = ?,
           bytes = ?, keyless = ?, verified = ?, first_difference = ?, error = ?, started_at = COALESCE(started_at, ?), finished_at = ?,
           repaired = ?, watermark = ?,
           checkpoint = json_set(COALESCE(checkpoint, '{}'), '$.notes', json(?))
         WHERE job_id = ? AND position = ?`
      )
      .run(
        t.status,
        t.rowsEstimated,
        t.rowsRead,
        t.rowsWritten,
        t.inserted,
        t.updated,
        t.deleted,
        t.bytes,
        t.keyless ? 1 : 0,
        t.verified === null ? null : t.verified ? 1 : 0,
        t.firstDifference ? JSON.stringify(t.firstDifference) : null,
        t.error ? JSON.stringify(t.error) : null,
        t.startedAt ?? null,
        t.finishedAt ?? null,
        t.repaired ?? 0,
        t.watermark ? JSON.stringify(t.watermark) : null,
        JSON.stringify(t.notes ?? []),
        jobId,
        position
      )
  }

  log(jobId: string, level: string, message: string, table?: string): number {
    return Number(
      this.db.prepare('INSERT INTO job_logs (job_id, ts, level, table_name, message) VALUES (?, ?, ?, ?, ?)').run(jobId, Date.now(), level, table ?? null, message)
        .lastInsertRowid
    )
  }

  logs(jobId: string, afterId = 0, limit = 500): { id: number; ts: string; level: string; table: string | null; message: string }[] {
    const rows = this.db
      .prepare('SELECT id, ts, level, table_name, message FROM job_logs WHERE job_id = ? AND id > ? ORDER BY id LIMIT ?')
      .all(jobId, afterId, limit) as { id: number; ts: number; level: string; table_name: string | null; message: string }[]
    return rows.map((r) => ({ id: r.id, ts: new Date(r.ts).toISOString(), level: r.level, table: r.table_name, message: r.message }))
  }

  get(id: string): Job | undefined {
    const row = this.db
      .prepare('SELECT j.*, s.name AS sync_name FROM jobs j LEFT JOIN sync_configs s ON s.id = j.sync_id WHERE j.id = ?')
      .get(id) as JobRow | undefined
    return row ? this.toJob(row, true) : undefined
  }

  /**
   * A page of jobs, newest first, with the total matching the filters. `from` (inclusive) and `to`
   * (exclusive) are ISO 8601 instants bounding createdAt, to the millisecond (the dispatcher has
   * validated them; `jobListSchema`).
   */
  list(filter: { status?: JobStatus; syncId?: string; from?: string; to?: string; limit?: number; offset?: number }): { jobs: Job[]; total: number } {
    const where: string[] = []
    const params: unknown[] = []
    const instant = (name: 'from' | 'to', value: string): number => {
      const ms = Date.parse(value)
      if (Number.isNaN(ms)) throw new RangeError(`jobs.list: ${name} is not a date-time: ${value}`)
      return ms
    }
    if (filter.status) {
      where.push('j.status = ?')
      params.push(filter.status)
    }
    if (filter.syncId) {
      where.push('j.sync_id = ?')
      params.push(filter.syncId)
    }
    if (filter.from !== undefined) {
      where.push('j.created_at >= ?')
      params.push(instant('from', filter.from))
    }
    if (filter.to !== undefined) {
      where.push('j.created_at < ?')
      params.push(instant('to', filter.to))
    }
    const w = where.length ? `WHERE ${where.join(' AND ')}` : ''
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM jobs j ${w}`).get(...params) as { n: number }).n
    const rows = this.db
      .prepare(`SELECT j.*, s.name AS sync_name FROM jobs j LEFT JOIN sync_configs s ON s.id = j.sync_id ${w} ORDER BY j.created_at DESC, j.rowid DESC LIMIT ? OFFSET ?`)
      .all(...params, filter.limit ?? 50, filter.offset ?? 0) as JobRow[]
    return { jobs: rows.map((r) => this.toJob(r)), total }
  }

  private toJob(r: JobRow, withConfig = false): Job {
    const tables = this.db.prepare('SELECT * FROM job_tables WHERE job_id = ? ORDER BY position').all(r.id) as TableRow[]
    const snapshot = JSON.parse(r.config_snapshot) as { consistency?: string | null; writePath?: string | null; sync?: SyncConfig }
    const job: Job = {
      id: r.id,
      syncId: r.sync_id,
      status: r.status,
      trigger: r.trigger,
      attempts: r.attempts,
      createdAt: iso(r.created_at)!,
      startedAt: iso(r.started_at),
      finishedAt: iso(r.finished_at),
      consistency: snapshot.consistency ?? null,
      writePath: snapshot.writePath ?? null,
      tables: tables.map((t) => {
        const out: JobTable = {
          source: t.source_table,
          target: t.target_table,
          mode: t.mode as JobTable['mode'],
          status: t.status,
          rowsEstimated: t.rows_estimated,
          rowsRead: t.rows_read,
          rowsWritten: t.rows_written,
          inserted: t.inserted,
          updated: t.updated,
          deleted: t.deleted,
          bytes: t.bytes,
          keyless: t.keyless === 1,
          verified: t.verified === null ? null : t.verified === 1
        }
        if (t.mode === 'incremental') out.repaired = t.repaired
        if (t.watermark) out.watermark = JSON.parse(t.watermark) as JobTable['watermark']
        if (t.first_difference) out.firstDifference = JSON.parse(t.first_difference)
        if (t.error) out.error = JSON.parse(t.error) as ErrorBody
        const cp = t.checkpoint ? (JSON.parse(t.checkpoint) as { notes?: string[]; resume?: { chunks?: number } }) : {}
        if (cp.notes?.length) out.notes = cp.notes
        if (typeof cp.resume?.chunks === 'number') out.chunksDone = cp.resume.chunks
        if (t.started_at && t.finished_at) out.durationMs = t.finished_at - t.started_at
        return out
      })
    }
    // The config as it was when the job was queued (jobs.get only; lists stay light).
    if (withConfig && snapshot.sync) job.config = snapshot.sync
    if (r.sync_name) job.syncName = r.sync_name
    if (r.retry_of) job.retryOf = r.retry_of
    if (r.error) job.error = JSON.parse(r.error) as ErrorBody
    return job
  }
}
