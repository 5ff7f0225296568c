import { randomUUID } from 'node:crypto'
import type { JobProgressEvent } from '../../../shared/contract'
import type { JobStatus } from '../../../shared/contract-states'
import { AppError, type ErrorBody } from '../../../shared/errors'
import type { Job, JobList, JobTable, SyncConfig } from '../../../shared/syncs'
import type { ConnectionManager } from '../connections/manager'
import type { Deps, Lifecycle } from '../components'
import { errorBody } from '../engine/copy-table'
import { openSession } from '../engine/endpoint'
import { resolveTasks } from '../engine/plan'
import { runFullCopy } from '../engine/run'
import { DEFAULT_RUN_OPTIONS, type RunOptions, type TableResult } from '../engine/types'
import { JobRepository } from '../store/job-repository'
import type { SyncRepository } from '../store/sync-repository'

/**
 * Runs sync configs as persisted jobs: a queue bounded by `sync.max_concurrency`, one active job
 * per sync config, progress and logs stored and streamed as events, cancel through an AbortSignal.
 * (Retries, resume from checkpoints and schedules build on this in the job engine issue.)
 */

interface Running {
  controller: AbortController
  /** Why it was stopped: a user's cancel discards work, a shutdown leaves it resumable. */
  stopReason?: 'cancel' | 'shutdown' | 'timeout'
  done: Promise<void>
}

const PROGRESS_EVERY_MS = 250

export class JobEngine implements Lifecycle {
  readonly repo: JobRepository
  private accepting = false
  private readonly queue: string[] = []
  private readonly running = new Map<string, Running>()
  private connections: ConnectionManager | null = null
  private syncs: SyncRepository | null = null
  private cleanupTimer: NodeJS.Timeout | null = null

  constructor(private readonly deps: Deps) {
    this.repo = new JobRepository(deps.db)
  }

  /** Wiring done by the composition root after the managers exist. */
  wire(connections: ConnectionManager, syncs: SyncRepository): void {
    this.connections = connections
    this.syncs = syncs
  }

  async start(): Promise<void> {
    const interrupted = this.repo.markInterrupted()
    for (const id of interrupted) {
      this.deps.logger.warn('job was interrupted by the previous shutdown or crash', { jobId: id })
      this.deps.events.emit('job.status', { jobId: id, syncId: this.repo.get(id)?.syncId ?? null, status: 'interrupted' })
    }
    this.accepting = this.deps.config()['sync.enabled']
    this.cleanup()
    this.cleanupTimer = setInterval(() => this.cleanup(), 3_600_000)
    this.cleanupTimer.unref()
  }

  /** Deletes finished jobs (with their tables and logs) older than `sync.cleanup_age`. */
  cleanup(now = Date.now()): number {
    const removed = this.repo.deleteFinishedBefore(now - this.deps.config()['sync.cleanup_age'])
    if (removed > 0) this.deps.logger.info('old jobs removed', { removed })
    return removed
  }

  /** Stops taking work, then stops running jobs (they end `interrupted`) within the deadline. */
  async stop(deadline: number): Promise<void> {
    this.accepting = false
    if (this.cleanupTimer) clearInterval(this.cleanupTimer)
    this.queue.splice(0)
    for (const r of this.running.values()) {
      r.stopReason = 'shutdown'
      r.controller.abort(new AppError('CANCELLED', 'DB-Taxi is shutting down.'))
    }
    const left = Math.max(0, deadline - Date.now())
    await Promise.race([Promise.all([...this.running.values()].map((r) => r.done)), new Promise((r) => setTimeout(r, left))])
  }

  isAccepting(): boolean {
    return this.accepting
  }

  reconfigure(): void {
    this.accepting = this.deps.config()['sync.enabled']
    this.pump()
  }

  runningCount(): number {
    return this.running.size
  }

  /**
   * A new job (new id) from a finished job's config as it was then; the failed job stays in the
   * history. Not for running or queued jobs.
   */
  retry(jobId: string): { jobId: string } {
    const job = this.get(jobId)
    if (job.status === 'queued' || job.status === 'running') {
      throw new AppError('CONFLICT', `Job ${jobId} is still ${job.status}.`)
    }
    const config = this.repo.snapshotConfig(jobId)
    if (!config) throw new AppError('NOT_FOUND', `Job ${jobId} has no stored config to retry.`)
    if (config.id && !this.syncs?.get(config.id)) throw new AppError('NOT_FOUND', 'The sync config of this job was deleted.')
    return { jobId: this.enqueue(config, 'retry', jobId) }
  }

  /** Queues a run of a sync config; answers the job id at once. */
  enqueue(sync: SyncConfig, trigger: string, retryOf?: string): string {
    if (!this.accepting) {
      throw new AppError('UNAVAILABLE', this.deps.config()['sync.enabled'] ? 'DB-Taxi is shutting down.' : 'Jobs are off (sync.enabled is false).')
    }
    const active = this.repo.activeForSync(sync.id)
    if (active) throw new AppError('JOB_ALREADY_ACTIVE', `Sync "${sync.name}" already has an active job (${active}).`, { jobId: active })
    const id = randomUUID()
    this.repo.create({ id, syncId: sync.id, trigger, snapshot: { sync }, retryOf })
    this.repo.log(id, 'info', `queued (${trigger})`)
    this.deps.events.emit('job.status', { jobId: id, syncId: sync.id, status: 'queued' })
    this.queue.push(id)
    this.pump()
    return id
  }

  cancel(jobId: string): Job {
    const job = this.get(jobId)
    const r = this.running.get(jobId)
    if (r) {
      r.stopReason = 'cancel'
      r.controller.abort(new AppError('CANCELLED', 'Cancelled by the user.'))
    } else if (job.status === 'queued') {
      this.queue.splice(this.queue.indexOf(jobId), 1)
      this.finish(jobId, job.syncId, 'cancelled', { code: 'CANCELLED', message: 'Cancelled before it started.' })
    } else {
      throw new AppError('CONFLICT', `Job ${jobId} is ${job.status}; only queued or running jobs can be cancelled.`)
    }
    return this.get(jobId)
  }

  get(id: string): Job {
    const job = this.repo.get(id)
    if (!job) throw new AppError('NOT_FOUND', `No job ${id}.`)
    return job
  }

  list(filter: { status?: JobStatus; syncId?: string; from?: string; to?: string; limit?: number; offset?: number }): JobList {
    return this.repo.list(filter)
  }

  /** Resolves when the job has ended (tests, CLI `run`). */
  async wait(jobId: string): Promise<Job> {
    for (;;) {
      const r = this.running.get(jobId)
      if (r) await r.done
      const job = this.get(jobId)
      if (!['queued', 'running'].includes(job.status)) return job
      await new Promise((res) => setTimeout(res, 100))
    }
  }

  private pump(): void {
    const max = this.deps.config()['sync.max_concurrency']
    while (this.accepting && this.running.size < max && this.queue.length > 0) {
      const id = this.queue.shift()!
      const controller = new AbortController()
      const entry: Running = { controller, done: Promise.resolve() }
      entry.done = this.execute(id, entry).finally(() => {
        this.running.delete(id)
        this.pump()
      })
      this.running.set(id, entry)
    }
  }

  private finish(jobId: string, syncId: string | null, status: JobStatus, error?: ErrorBody, extra: Record<string, unknown> = {}): void {
    this.repo.setStatus(jobId, status, error ?? null, extra)
    this.repo.log(jobId, status === 'succeeded' ? 'info' : 'error', error ? `${status}: ${error.message}` : status)
    this.deps.events.emit('job.status', error ? { jobId, syncId, status, error } : { jobId, syncId, status })
  }

  private async execute(jobId: string, entry: Running): Promise<void> {
    const job = this.repo.get(jobId)!
    const syncId = job.syncId
    const log = (level: 'error' | 'warn' | 'info' | 'debug', message: string, table?: string): void => {
      if (level === 'debug') return
      this.repo.log(jobId, level, message, table)
      this.deps.events.emit('job.log', { jobId, ts: new Date().toISOString(), level, table, message })
    }
    try {
      if (!this.connections || !this.syncs) throw new Error('job engine is not wired')
      const sync = this.repo.snapshotConfig(jobId)
      if (!sync || (syncId && !this.syncs.get(syncId))) throw new AppError('NOT_FOUND', 'The sync config of this job was deleted.')
      const limit = this.deps.config()['sync.job_timeout']
      const timer = setTimeout(() => {
        entry.stopReason = 'timeout'
        entry.controller.abort(new AppError('TIMEOUT', `The job ran longer than sync.job_timeout (${Math.round(limit / 1000)} s).`))
      }, limit)
      timer.unref()
      entry.controller.signal.addEventListener('abort', () => clearTimeout(timer), { once: true })
      this.repo.setStatus(jobId, 'running')
      this.deps.events.emit('job.status', { jobId, syncId, status: 'running' })
      log('info', `started: ${sync.sourceDatabase} -> ${sync.targetDatabase}`)

      this.connections.assertWritableTarget(sync.targetConnectionId)
      const [source, target] = await Promise.all([this.connections.endpoint(sync.sourceConnectionId), this.connections.endpoint(sync.targetConnectionId)])
      const options = runOptions(sync, this.deps.config()['sync.batch_size'])
      const meta = await openSession(source, 'meta')
      let tasks
      try {
        tasks = await resolveTasks(meta, sync.sourceDatabase, { tables: sync.tables, allTables: sync.allTables })
      } finally {
        await meta.end().catch(() => meta.destroy())
      }
      this.repo.setTables(jobId, tasks.map((t) => ({ source: t.source, target: t.target, mode: t.mode })))
      const positions = new Map(tasks.map((t, i) => [t.source, i]))
      const lastEmit = new Map<string, number>()

      const summary = await runFullCopy(
        { source, target, sourceDatabase: sync.sourceDatabase, targetDatabase: sync.targetDatabase, tables: tasks, options },
        {
          signal: entry.controller.signal,
          log,
          // Shown in the run view while the job runs, not only when it ends.
          prepared: (info) => this.repo.patchSnapshot(jobId, info),
          progress: (t) => {
            const now = Date.now()
            const final = t.status === 'done' || t.status === 'failed' || t.status === 'skipped'
            if (!final && now - (lastEmit.get(t.source) ?? 0) < PROGRESS_EVERY_MS) return
            lastEmit.set(t.source, now)
            this.repo.updateTable(jobId, positions.get(t.source) ?? 0, toJobTable(t))
            this.deps.events.emit('job.progress', progressEvent(jobId, t))
          }
        }
      )
      summary.tables.forEach((t, i) => this.repo.updateTable(jobId, i, toJobTable(t)))
      const extra = { consistency: summary.consistency, writePath: summary.writePath }
      if (summary.status === 'cancelled' && entry.stopReason === 'timeout') {
        this.finish(jobId, syncId, 'failed', { code: 'TIMEOUT', message: `The job ran longer than sync.job_timeout and was stopped.` }, extra)
      } else if (summary.status === 'cancelled') {
        const interrupted = entry.stopReason === 'shutdown'
        this.finish(jobId, syncId, interrupted ? 'interrupted' : 'cancelled', interrupted ? { code: 'CANCELLED', message: 'Stopped by a shutdown; it can be resumed.' } : { code: 'CANCELLED', message: 'Cancelled by the user.' }, extra)
      } else if (summary.status === 'succeeded') {
        this.finish(jobId, syncId, 'succeeded', undefined, extra)
      } else {
        this.finish(jobId, syncId, 'failed', (summary.error as ErrorBody | undefined) ?? { code: 'COPY_FAILED', message: 'The run failed.' }, extra)
      }
    } catch (err) {
      const body = errorBody(err)
      if (entry.controller.signal.aborted && entry.stopReason === 'timeout') {
        this.finish(jobId, syncId, 'failed', { code: 'TIMEOUT', message: 'The job ran longer than sync.job_timeout and was stopped.' })
      } else if (entry.controller.signal.aborted) {
        this.finish(jobId, syncId, entry.stopReason === 'shutdown' ? 'interrupted' : 'cancelled', { code: 'CANCELLED', message: body.message })
      } else {
        this.finish(jobId, syncId, 'failed', body)
      }
    }
  }
}

export function runOptions(sync: SyncConfig, batchSize: number): RunOptions {
  const o = sync.options ?? {}
  return {
    ...DEFAULT_RUN_OPTIONS,
    chunkRows: o.chunkRows ?? Math.max(batchSize, 1),
    parallelism: o.parallelism ?? DEFAULT_RUN_OPTIONS.parallelism,
    onExists: o.onExists ?? 'replace',
    createMissing: o.createMissing ?? true,
    recreateOnMismatch: o.recreateOnMismatch ?? false,
    verify: o.verify ?? true,
    objects: { views: o.objects?.views ?? false, triggers: o.objects?.triggers ?? false, routines: o.objects?.routines ?? false }
  }
}

function toJobTable(t: TableResult): JobTable & { startedAt?: number; finishedAt?: number } {
  // A TableResult is a JobTable plus engine detail; the store takes the table's times only once it ended.
  const { chunks: _chunks, durationMs: _duration, finishedAt, ...table } = t
  return ['done', 'failed', 'skipped'].includes(t.status) && finishedAt ? { ...table, finishedAt } : table
}

function progressEvent(jobId: string, t: TableResult): JobProgressEvent {
  const secs = t.startedAt ? (Date.now() - t.startedAt) / 1000 : 0
  return {
    jobId,
    table: t.source,
    status: t.status,
    rowsEstimated: t.rowsEstimated,
    rowsRead: t.rowsRead,
    rowsWritten: t.rowsWritten,
    bytes: t.bytes,
    rowsPerSecond: secs > 0 ? Math.round(t.rowsWritten / secs) : 0
  }
}
