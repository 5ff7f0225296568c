import { randomUUID } from 'node:crypto'
import type { JobProgressEvent } from '../../../shared/contract'
import { FINAL_TABLE_STATUSES, type JobStatus } from '../../../shared/contract-states'
import { AppError, type ErrorBody, type ErrorCode } from '../../../shared/errors'
import type { Job, JobList, JobTable, SyncConfig } from '../../../shared/syncs'
import type { ConnectionManager } from '../connections/manager'
import type { Deps, Lifecycle } from '../deps'
import { errorBody } from '../engine/modes/full'
import { openSession } from '../engine/session/endpoint'
import { resolveTasks } from '../engine/plan'
import { runFullCopy, type RunSummary } from '../engine/run'
import { backoffDelay, isTransientError } from '../engine/session/transient'
import { DEFAULT_RUN_OPTIONS, type RunHooks, type RunOptions, type TableCheckpoint, type TableResult, type TableTask } from '../engine/types'
import { quoteQualified } from '../mysql/identifiers'
import { JobRepository } from '../store/job-repository'
import { syncScope, WatermarkRepository } from '../store/watermark-repository'
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
  /** Where incremental tables of saved syncs read from next (per sync and table pair). */
  readonly watermarks: WatermarkRepository
  private accepting = false
  private readonly queue: string[] = []
  private readonly running = new Map<string, Running>()
  /** Leftovers of a cancelled job being dropped, per sync: the sync's next job waits for it. */
  private readonly discarding = new Map<string, Promise<void>>()
  private connections: ConnectionManager | null = null
  private syncs: SyncRepository | null = null
  private cleanupTimer: NodeJS.Timeout | null = null

  constructor(private readonly deps: Deps) {
    this.repo = new JobRepository(deps.db)
    this.watermarks = new WatermarkRepository(deps.db)
  }

  /** Wiring done by the composition root after the managers exist. */
  wire(connections: ConnectionManager, syncs: SyncRepository, redact?: (text: string) => string): void {
    this.connections = connections
    this.syncs = syncs
    if (redact) this.redact = redact
  }

  /**
   * What a job writes to its log, its error and its events goes through the system's redactor (the
   * saved connections' secrets), as the log files do: a second net behind messages that are built
   * never to carry a secret.
   */
  private redact: (text: string) => string = (t) => t

  private redactTable<T extends JobTable>(t: T): T {
    return t.error ? { ...t, error: { ...t.error, message: this.redact(t.error.message) } } : t
  }

  async start(): Promise<void> {
    const interrupted = this.repo.markInterrupted()
    for (const id of interrupted) {
      this.deps.logger.warn('job was interrupted by the previous shutdown or crash', { jobId: id })
      this.deps.events.emit('job.status', { jobId: id, syncId: this.repo.get(id)?.syncId ?? null, status: 'interrupted' })
    }
    this.accepting = this.deps.config()['sync.enabled']
    if (this.accepting && this.deps.config()['sync.resume_interrupted']) {
      for (const id of this.repo.interrupted()) {
        try {
          this.resume(id)
          this.deps.logger.info('resuming an interrupted job', { jobId: id })
        } catch (err) {
          this.deps.logger.warn('an interrupted job could not be resumed', { jobId: id, error: errorBody(err).message })
        }
      }
    }
    this.cleanup()
    this.cleanupTimer = setInterval(() => this.cleanup(), 3_600_000)
    this.cleanupTimer.unref()
  }

  /**
   * Deletes finished jobs (with their tables and logs) older than `sync.cleanup_age`. A job that
   * still holds shadow tables on its target (interrupted and never resumed, or one whose drop failed)
   * has them dropped first; the job itself goes at the next cleanup, so no table is left behind that
   * nothing remembers.
   */
  cleanup(now = Date.now()): number {
    const cutoff = now - this.deps.config()['sync.cleanup_age']
    const discarding = this.repo.endedWithWorkBefore(cutoff)
    for (const id of discarding) {
      const sync = this.repo.snapshotConfig(id)
      if (sync) this.trackDiscard(sync.id, this.discardWork(id, sync))
    }
    const removed = this.repo.deleteFinishedBefore(cutoff, discarding)
    if (removed > 0) this.deps.logger.info('old jobs removed', { removed })
    return removed
  }

  /** Stops taking work, then stops running jobs (they end `interrupted`) within the deadline. */
  async stop(deadline: number): Promise<void> {
    this.accepting = false
    if (this.cleanupTimer) clearInterval(this.cleanupTimer)
    this.queue.splice(0)
    for (const r of this.running.values()) stopEntry(r, 'shutdown', new AppError('CANCELLED', 'DB-Taxi is shutting down.'))
    const left = Math.max(0, deadline - Date.now())
    const work = [...[...this.running.values()].map((r) => r.done), ...this.discarding.values()]
    await Promise.race([Promise.all(work), new Promise((r) => setTimeout(r, left))])
  }

  private assertAccepting(): void {
    if (!this.accepting) {
      throw new AppError('UNAVAILABLE', this.deps.config()['sync.enabled'] ? 'DB-Taxi is shutting down.' : 'Jobs are off (sync.enabled is false).')
    }
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
    if (job.status === 'interrupted') {
      throw new AppError('CONFLICT', `Job ${jobId} was interrupted: resume it (jobs.resume), or cancel it to discard its work, then retry.`)
    }
    return { jobId: this.enqueue(config, 'retry', jobId) }
  }

  /**
   * Puts an interrupted job back in the queue under the same id. It continues from its
   * checkpoints: finished tables stay as they are, the others go on from their last committed
   * chunk into the shadow tables they had.
   */
  resume(jobId: string): Job {
    const job = this.get(jobId)
    if (job.status !== 'interrupted') {
      throw new AppError('CONFLICT', `Job ${jobId} is ${job.status}; only interrupted jobs can be resumed (jobs.retry starts a failed one again).`)
    }
    this.assertAccepting()
    if (job.syncId) {
      const active = this.repo.activeForSync(job.syncId)
      if (active) throw new AppError('JOB_ALREADY_ACTIVE', `The sync of job ${jobId} already has an active job (${active}).`, { jobId: active })
    }
    this.repo.requeue(jobId)
    this.repo.log(jobId, 'info', 'queued (resume)')
    this.deps.events.emit('job.status', { jobId, syncId: job.syncId, status: 'queued' })
    this.queue.push(jobId)
    this.pump()
    return this.get(jobId)
  }

  /** Queues a run of a sync config; answers the job id at once. */
  enqueue(sync: SyncConfig, trigger: string, retryOf?: string): string {
    this.assertAccepting()
    const active = this.repo.activeForSync(sync.id)
    if (active) throw new AppError('JOB_ALREADY_ACTIVE', `Sync "${sync.name}" already has an active job (${active}).`, { jobId: active })
    // An interrupted job of this sync still holding shadow tables (or a target table it created)
    // would otherwise fight the new run over them: its work goes first, and the new job waits for
    // that. Resumed later, the old job starts its tables over.
    for (const old of this.repo.interruptedWithWork(sync.id)) {
      const oldSync = this.repo.snapshotConfig(old)
      if (!oldSync) continue
      this.repo.log(old, 'warn', 'a new run of this sync started: the work this job kept for its resume is discarded')
      void this.trackDiscard(sync.id, this.discardWork(old, oldSync))
    }
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
      stopEntry(r, 'cancel', new AppError('CANCELLED', 'Cancelled by the user.'))
    } else if (job.status === 'queued' || job.status === 'interrupted') {
      const i = this.queue.indexOf(jobId)
      if (i >= 0) this.queue.splice(i, 1)
      this.finish(jobId, job.syncId, 'cancelled', { code: 'CANCELLED', message: job.status === 'queued' ? 'Cancelled before it started.' : 'Cancelled; its unfinished work is discarded.' })
      // An interrupted job (or a queued resume) may have kept shadow tables: they go now.
      const sync = this.repo.snapshotConfig(jobId)
      if (sync) this.trackDiscard(sync.id, this.discardWork(jobId, sync))
    } else {
      throw new AppError('CONFLICT', `Job ${jobId} is ${job.status}; only queued, running or interrupted jobs can be cancelled.`)
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

  /** The newest failed jobs, as the Dashboard lists them (see JobRepository.recentFailures). */
  recentFailures(limit: number): ReturnType<JobRepository['recentFailures']> {
    return this.repo.recentFailures(limit)
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

  private finish(jobId: string, syncId: string | null, status: JobStatus, rawError?: ErrorBody, extra: Record<string, unknown> = {}): void {
    const error = rawError ? { ...rawError, message: this.redact(rawError.message) } : undefined
    this.repo.setStatus(jobId, status, error ?? null, extra)
    this.repo.log(jobId, status === 'succeeded' ? 'info' : 'error', error ? `${status}: ${error.message}` : status)
    this.deps.events.emit('job.status', error ? { jobId, syncId, status, error } : { jobId, syncId, status })
  }

  private async execute(jobId: string, entry: Running): Promise<void> {
    const job = this.repo.get(jobId)!
    const syncId = job.syncId
    const signal = entry.controller.signal
    const log = (level: 'error' | 'warn' | 'info' | 'debug', message: string, table?: string): void => {
      if (level === 'debug') return
      message = this.redact(message)
      this.repo.log(jobId, level, message, table)
      this.deps.events.emit('job.log', { jobId, ts: new Date().toISOString(), level, table, message })
    }
    const cfg = this.deps.config()
    const maxRetries = cfg['sync.retry_attempts']
    let retries = 0
    let sync: SyncConfig | undefined
    let timer: NodeJS.Timeout | undefined
    try {
      if (!this.connections || !this.syncs) throw new Error('job engine is not wired')
      sync = this.repo.snapshotConfig(jobId)
      if (!sync || (syncId && !this.syncs.get(syncId))) throw new AppError('NOT_FOUND', 'The sync config of this job was deleted.')
      const limit = cfg['sync.job_timeout']
      timer = setTimeout(() => {
        stopEntry(entry, 'timeout', new AppError('TIMEOUT', `The job ran longer than sync.job_timeout (${Math.round(limit / 1000)} s).`))
      }, limit)
      timer.unref()
      if (syncId) await this.discarding.get(syncId)
      this.repo.setStatus(jobId, 'running')
      this.deps.events.emit('job.status', { jobId, syncId, status: 'running' })
      const resuming = job.attempts > 0
      log('info', resuming ? `resuming (attempt ${job.attempts + 1}): ${sync.sourceDatabase} -> ${sync.targetDatabase}` : `started: ${sync.sourceDatabase} -> ${sync.targetDatabase}`)

      const hooks = {
        signal,
        log,
        // A table that fails with retries left, or is stopped by a shutdown, keeps its shadow table
        // and checkpoint; a user's cancel, a timeout or a final error discards them.
        keepWork: (err: unknown): boolean => (signal.aborted ? entry.stopReason === 'shutdown' : retries < maxRetries && worthRetrying(err))
      }
      for (;;) {
        const attempt = this.repo.addAttempt(jobId)
        let outcome: Awaited<ReturnType<JobEngine['attempt']>> | undefined
        let thrown: unknown
        try {
          outcome = await this.attempt(jobId, sync, hooks)
        } catch (err) {
          thrown = err
        }
        const transient = thrown !== undefined ? isTransientError(thrown) : outcome!.status === 'failed' && outcome!.transient === true
        if (!signal.aborted && transient && retries < maxRetries) {
          retries++
          const delay = backoffDelay(retries, cfg['sync.retry_delay'])
          const reason = thrown !== undefined ? errorBody(thrown).message : failureReason(outcome!)
          log('warn', `attempt ${attempt} failed (transient: ${reason}); retry ${retries} of ${maxRetries} in ${(delay / 1000).toFixed(1)} s, from the last committed chunks`)
          await sleep(delay, signal)
          if (!signal.aborted) continue
        }
        if (thrown !== undefined) throw thrown
        if (signal.aborted) {
          this.finishStopped(jobId, syncId, entry, outcome!.extra)
        } else if (outcome!.status === 'succeeded') {
          this.finish(jobId, syncId, 'succeeded', undefined, outcome!.extra)
        } else {
          this.finish(jobId, syncId, 'failed', (outcome!.error as ErrorBody | undefined) ?? { code: 'COPY_FAILED', message: 'The run failed.' }, outcome!.extra)
        }
        break
      }
    } catch (err) {
      if (signal.aborted) this.finishStopped(jobId, syncId, entry)
      else this.finish(jobId, syncId, 'failed', errorBody(err))
    } finally {
      clearTimeout(timer)
    }
    // Work kept for a retry that will not come is discarded now (a resumable stop keeps it).
    const status = this.repo.get(jobId)?.status
    // Tracked, so the sync's next job (which may be accepted as soon as this one has ended) waits for it.
    if (sync && status !== 'succeeded' && status !== 'interrupted') await this.trackDiscard(sync.id, this.discardWork(jobId, sync))
  }

  private trackDiscard(syncId: string, p: Promise<void>): Promise<void> {
    const all = Promise.all([this.discarding.get(syncId), p]).then(() => undefined)
    this.discarding.set(syncId, all)
    void all.finally(() => {
      if (this.discarding.get(syncId) === all) this.discarding.delete(syncId)
    })
    return all
  }

  /** The job was stopped: by a shutdown (resumable), a timeout (failed) or the user (cancelled). */
  private finishStopped(jobId: string, syncId: string | null, entry: Running, extra: Record<string, unknown> = {}): void {
    if (entry.stopReason === 'timeout') {
      this.finish(jobId, syncId, 'failed', { code: 'TIMEOUT', message: 'The job ran longer than sync.job_timeout and was stopped.' }, extra)
    } else if (entry.stopReason === 'shutdown') {
      this.finish(jobId, syncId, 'interrupted', { code: 'CANCELLED', message: 'Stopped by a shutdown; it resumes from its checkpoints.' }, extra)
    } else {
      this.finish(jobId, syncId, 'cancelled', { code: 'CANCELLED', message: 'Cancelled by the user.' }, extra)
    }
  }

  /**
   * One run of the job's tables. Tables an earlier attempt finished are kept; the others continue
   * from their checkpoints. The table list is settled by the first attempt and stored, so a resume
   * copies the same tables even if the source gained or lost some since.
   */
  private async attempt(
    jobId: string,
    sync: SyncConfig,
    hooks: Pick<RunHooks, 'signal' | 'log' | 'keepWork'>
  ): Promise<RunSummary & { extra: Record<string, unknown> }> {
    const connections = this.connections!
    connections.assertWritableTarget(sync.targetConnectionId)
    const [source, target] = await Promise.all([connections.endpoint(sync.sourceConnectionId), connections.endpoint(sync.targetConnectionId)])
    const options = runOptions(sync, this.deps.config()['sync.batch_size'], this.deps.config()['sync.incremental_lag'])
    let tasks = this.repo.snapshotTasks<TableTask>(jobId)
    if (!tasks) {
      const meta = await openSession(source, 'meta')
      try {
        tasks = await resolveTasks(meta, sync.sourceDatabase, { tables: sync.tables, allTables: sync.allTables })
      } finally {
        await meta.end().catch(() => meta.destroy())
      }
      this.repo.setTables(jobId, tasks.map((t) => ({ source: t.source, target: t.target, mode: t.mode })))
      this.repo.patchSnapshot(jobId, { tasks })
    }
    const positions = new Map(tasks.map((t, i) => [t.source, i]))
    const pos = (source: string): number => positions.get(source) ?? 0
    const stored = this.repo.get(jobId)!.tables
    const done = new Map<string, TableResult>()
    stored.forEach((t, i) => {
      if (t.status === 'done' && tasks[i]) done.set(tasks[i].source, { ...t, notes: t.notes ?? [], chunks: t.chunksDone ?? 0 } as TableResult)
    })
    const lastEmit = new Map<string, number>()
    const lastStatus = new Map<string, string>()
    const summary = await runFullCopy(
      { source, target, sourceDatabase: sync.sourceDatabase, targetDatabase: sync.targetDatabase, tables: tasks, options, runTag: runTagOf(jobId), done },
      {
        ...hooks,
        watermarks: this.watermarks.store(syncScope(sync.id), sync.id, jobId),
        // Shadow tables of this store's jobs that may still continue are theirs (leftovers.ts).
        resumable: (tag) => this.repo.tagMayResume(tag),
        checkpoints: {
          load: (source) => this.repo.checkpoint<TableCheckpoint>(jobId, pos(source)),
          save: (source, cp) => this.repo.saveCheckpoint(jobId, pos(source), cp)
        },
        // Shown in the run view while the job runs, not only when it ends.
        prepared: (info) => this.repo.patchSnapshot(jobId, info),
        progress: (t) => {
          const now = Date.now()
          const final = FINAL_TABLE_STATUSES.includes(t.status)
          // Only counters are throttled: a change of status always gets through. Otherwise a table
          // that verifies and becomes `ready` within 250 ms of its last chunk (a small table) stays
          // `copying` in the store and the event stream until the run's swap, though it waits ready.
          const changed = lastStatus.get(t.source) !== t.status
          if (!final && !changed && now - (lastEmit.get(t.source) ?? 0) < PROGRESS_EVERY_MS) return
          lastEmit.set(t.source, now)
          lastStatus.set(t.source, t.status)
          this.repo.updateTable(jobId, pos(t.source), this.redactTable(toJobTable(t)))
          this.deps.events.emit('job.progress', progressEvent(jobId, t))
        }
      }
    )
    // Tables an earlier attempt finished keep their stored row (with its times) as it is.
    summary.tables.forEach((t, i) => {
      if (!done.has(t.source) || t.status !== 'done') this.repo.updateTable(jobId, i, this.redactTable(toJobTable(t)))
    })
    // Tables an earlier attempt finished were read at that attempt's point: each table is consistent
    // in itself (a resumed one is verified and repaired at its final point), not all at one point.
    const consistency = done.size > 0 && summary.consistency === 'global' ? 'per-table' : summary.consistency
    return { ...summary, extra: { consistency, writePath: summary.writePath } }
  }

  /**
   * Drops what a job that will not continue left on the target: shadow tables and tables it
   * created, as recorded in its checkpoints (the existing target tables were never touched).
   */
  private async discardWork(jobId: string, sync: SyncConfig): Promise<void> {
    const tables = this.repo.get(jobId)?.tables ?? []
    const leftovers: { position: number; table: string }[] = []
    tables.forEach((t, i) => {
      const cp = this.repo.checkpoint<TableCheckpoint>(jobId, i)
      if (!cp) return
      if (cp.createdByJob && cp.stage !== 'done' && t.status !== 'done') leftovers.push({ position: i, table: cp.loadTable })
      else this.repo.saveCheckpoint(jobId, i, null)
    })
    if (leftovers.length === 0 || !this.connections) return
    const names = leftovers.map((l) => l.table).join(', ')
    try {
      const target = await this.connections.endpoint(sync.targetConnectionId)
      const conn = await openSession(target, 'write')
      try {
        for (const l of leftovers) await conn.query(`DROP TABLE IF EXISTS ${quoteQualified(sync.targetDatabase, l.table)}`)
      } finally {
        await conn.end().catch(() => conn.destroy())
      }
      // Forgotten only once they are gone: a failed drop is tried again by a later cleanup.
      for (const l of leftovers) this.repo.saveCheckpoint(jobId, l.position, null)
      this.repo.log(jobId, 'info', `dropped the unfinished table(s) ${names} on the target`)
    } catch (err) {
      this.repo.log(jobId, 'warn', this.redact(`could not drop the unfinished table(s) ${names}: ${errorBody(err).message}`))
    }
  }
}

/**
 * Whether a failure is worth keeping a table's work for the next attempt. Usually an error, judged
 * by isTransientError. But the tables a run calls off (loaded and `ready`, not switched in because
 * another table failed, swap: together) are judged by the failed table's ErrorBody, a plain
 * `{code, message}` (run.ts passes `firstFailure.error` to callOff): the driver's code is gone, so
 * `{code: 'CONNECTION_LOST', message: 'ECONNRESET: read ECONNRESET'}` read as an error is not
 * transient, and the ready tables' shadows were dropped and copied again by the retry. A body is
 * judged by its contract code, as the AppError it stands for.
 */
export function worthRetrying(err: unknown): boolean {
  if (isTransientError(err)) return true
  if (!err || typeof err !== 'object' || err instanceof Error) return false
  const body = err as Partial<ErrorBody>
  return typeof body.code === 'string' && typeof body.message === 'string' && isTransientError(new AppError(body.code as ErrorCode, body.message))
}

/** Stops a running job; the first reason given wins (a shutdown during a cancel stays a cancel). */
function stopEntry(r: Running, reason: NonNullable<Running['stopReason']>, err: AppError): void {
  if (r.controller.signal.aborted) return
  r.stopReason = reason
  r.controller.abort(err)
}

/** Shadow tables are named per job, so every attempt of a job finds the same ones. */
export function runTagOf(jobId: string): string {
  return jobId.replace(/[^0-9a-f]/gi, '').slice(0, 6).toLowerCase() || 'job'
}

function failureReason(summary: RunSummary): string {
  const t = summary.tables.find((x) => x.status === 'failed')
  return t?.error ? `${t.source}: ${t.error.message}` : summary.error?.message ?? 'failed'
}

/** Waits `ms`, or less if `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}

export function runOptions(sync: SyncConfig, batchSize: number, lagMs = 60_000): RunOptions {
  const o = sync.options ?? {}
  return {
    ...DEFAULT_RUN_OPTIONS,
    lagSeconds: lagMs / 1000,
    chunkRows: o.chunkRows ?? Math.max(batchSize, 1),
    parallelism: o.parallelism ?? DEFAULT_RUN_OPTIONS.parallelism,
    onExists: o.onExists ?? 'replace',
    createMissing: o.createMissing ?? true,
    recreateOnMismatch: o.recreateOnMismatch ?? false,
    verify: o.verify ?? true,
    verifyScope: o.verifyScope ?? 'table',
    maxDeletes: o.maxDeletes ?? '10%',
    allowDeletes: o.allowDeletes === true,
    // Carried in the job's config snapshot by syncs.run (never saved with the sync).
    previewed: (o as { previewed?: RunOptions['previewed'] }).previewed,
    writePath: o.writePath ?? 'auto',
    swap: o.swap ?? 'together',
    objects: { views: o.objects?.views ?? false, triggers: o.objects?.triggers ?? false, routines: o.objects?.routines ?? false }
  }
}

function toJobTable(t: TableResult): JobTable & { startedAt?: number; finishedAt?: number } {
  // A TableResult is a JobTable plus engine detail; the store takes the table's times only once it ended.
  const { chunks: _chunks, durationMs: _duration, finishedAt, ...table } = t
  return FINAL_TABLE_STATUSES.includes(t.status) && finishedAt ? { ...table, finishedAt } : table
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
