import type { Connection } from 'mysql2/promise'
import { AppError } from '../../../shared/errors'
import type { SyncConfig, SyncInput, SyncPlan, SyncPreview, SyncProblem, SyncUpdate, SyncValidation } from '../../../shared/syncs'
import type { Deps } from '../deps'
import type { ConnectionManager } from '../connections/manager'
import { openSession } from '../engine/session/endpoint'
import { planRun, resolveTasks } from '../engine/plan'
import { preflight } from '../engine/preflight'
import { oneShotTag } from '../engine/session/run-tag'
import { databaseExists } from '../engine/schema/table-info'
import { chooseWritePath, serverIdentity, writeCapabilities } from '../engine/run'
import { checkWhereFilter } from '../engine/read/where-filter'
import type { JobEngine } from '../jobs/job-engine'
import { runOptions } from '../jobs/job-engine'
import { SyncRepository } from '../store/sync-repository'
import { syncScope } from '../store/watermark-repository'
import { previewRun } from '../engine/preview'
import type { RunOptions } from '../engine/types'
import type { Scheduler } from '../jobs/scheduler'
import { validateSchedule } from '../jobs/schedule-rules'

/**
 * Saved sync configurations: CRUD with the checks that need no server (names, filters, connections,
 * read-only targets), `validate` and `plan` that look at the servers, and `run` that hands a job
 * to the job engine.
 */
export class SyncManager {
  readonly repo: SyncRepository

  constructor(
    private readonly deps: Deps,
    private readonly jobs: JobEngine,
    private readonly connections: ConnectionManager
  ) {
    this.repo = new SyncRepository(deps.db)
  }

  private scheduler: Scheduler | null = null

  /** Wiring by the composition root (the scheduler fires runs through this manager). */
  setScheduler(s: Scheduler): void {
    this.scheduler = s
  }

  private withSchedule(s: SyncConfig): SyncConfig {
    return { ...s, schedule: this.scheduler?.info(s.id) ?? null, lastJob: this.jobs.repo.latestForSync(s.id) ?? null }
  }

  list(): SyncConfig[] {
    return this.repo.list().map((s) => this.withSchedule(s))
  }

  get(id: string): SyncConfig {
    const s = this.repo.get(id)
    if (!s) throw new AppError('NOT_FOUND', `No sync config ${id}.`)
    return this.withSchedule(s)
  }

  findByName(name: string): SyncConfig | undefined {
    const s = this.repo.findByName(name)
    return s ? this.withSchedule(s) : undefined
  }

  create(input: SyncInput): SyncConfig {
    this.check(input)
    if (input.schedule) validateSchedule(input.schedule)
    if (this.repo.nameTaken(input.name)) throw new AppError('CONFLICT', `A sync named "${input.name}" exists.`, { field: 'name' })
    const created = this.repo.create(input)
    if (input.schedule) this.scheduler?.set(created.id, input.schedule)
    return this.get(created.id)
  }

  update(input: SyncUpdate): SyncConfig {
    const current = this.get(input.id)
    const { id, ...patch } = input
    const merged: SyncInput = {
      name: patch.name ?? current.name,
      sourceConnectionId: patch.sourceConnectionId ?? current.sourceConnectionId,
      targetConnectionId: patch.targetConnectionId ?? current.targetConnectionId,
      sourceDatabase: patch.sourceDatabase ?? current.sourceDatabase,
      targetDatabase: patch.targetDatabase ?? current.targetDatabase,
      tables: patch.tables ?? current.tables,
      options: patch.options ?? current.options
    }
    // Switching between an explicit list and all-tables: whichever the patch names wins; null removes.
    const allTables = patch.allTables === undefined ? current.allTables : (patch.allTables ?? undefined)
    if (allTables) merged.allTables = allTables
    if (!merged.allTables && (!merged.tables || merged.tables.length === 0)) {
      throw new AppError('VALIDATION', 'Choose tables, or all tables.', { issues: [{ path: 'tables', message: 'choose tables, or allTables' }] })
    }
    this.check(merged)
    if (patch.schedule) validateSchedule(patch.schedule)
    if (this.repo.nameTaken(merged.name, id)) throw new AppError('CONFLICT', `A sync named "${merged.name}" exists.`, { field: 'name' })
    this.repo.update(id, merged)
    if (patch.schedule !== undefined) this.scheduler?.set(id, patch.schedule)
    return this.get(id)
  }

  delete(id: string): { id: string } {
    const sync = this.get(id)
    if (this.jobs.repo.activeForSync(id)) throw new AppError('IN_USE', `Sync "${sync.name}" has a running job; cancel it first.`)
    this.repo.delete(id)
    return { id }
  }

  /** Checks that need no server: connections exist, target writable, filters safe, one source per target. */
  private check(input: SyncInput): void {
    this.connections.get(input.sourceConnectionId)
    this.connections.get(input.targetConnectionId)
    this.connections.assertWritableTarget(input.targetConnectionId)
    const targets = new Map<string, string>()
    for (const t of input.tables ?? []) {
      if (t.where !== undefined && t.where.trim() !== '') checkWhereFilter(t.where, t.source)
      const target = t.target || t.source
      const other = targets.get(target)
      if (other !== undefined) throw new AppError('VALIDATION', `Tables ${other} and ${t.source} would both be copied into ${target}.`)
      targets.set(target, t.source)
    }
  }

  /** Validates unsaved form values: the same checks as a saved config, nothing stored. */
  async validateDraft(draft: SyncInput): Promise<SyncValidation> {
    try {
      this.check(draft)
    } catch (err) {
      const e = err instanceof AppError ? err : new AppError('VALIDATION', (err as Error).message)
      return { ok: false, problems: [{ code: e.code, message: e.message }], tables: [] }
    }
    return this.validateConfig(draft)
  }

  /** Looks at the servers; answers a report (its own ok) rather than failing the call. */
  async validate(id: string): Promise<SyncValidation> {
    return this.validateConfig(this.get(id))
  }

  private async validateConfig(sync: Omit<SyncInput, 'schedule'>): Promise<SyncValidation> {
    const problems: SyncProblem[] = []
    let tables: SyncValidation['tables'] = []
    let src: Connection | undefined
    let dst: Connection | undefined
    try {
      this.connections.assertWritableTarget(sync.targetConnectionId)
      const [source, target] = await Promise.all([this.connections.endpoint(sync.sourceConnectionId), this.connections.endpoint(sync.targetConnectionId)])
      src = await openSession(source, 'meta')
      await src.query('SET SESSION TRANSACTION READ ONLY')
      // A write session, as the run's: only such a session learns whether array binding is offered,
      // and the preflight tries the tables' definitions under the run's session settings.
      const wanted = sync.options?.writePath ?? 'auto'
      dst = await openSession(target, 'write')
      if (wanted !== 'auto') {
        try {
          chooseWritePath(wanted, await writeCapabilities(dst))
        } catch (err) {
          problems.push({ code: 'VALIDATION', message: (err as Error).message })
        }
      }
      let selection = { tables: sync.tables, allTables: sync.allTables }
      let tasks
      try {
        tasks = await resolveTasks(src, sync.sourceDatabase, selection)
      } catch (err) {
        // A vanished table is one problem per table, and the others are still checked.
        const gone = err instanceof AppError && err.code === 'TABLE_NOT_FOUND' ? (err.details as { tables?: string[] } | undefined)?.tables : undefined
        if (!gone?.length) throw err
        for (const t of gone) problems.push({ code: 'TABLE_NOT_FOUND', message: `Table ${sync.sourceDatabase}.${t} does not exist on the source.`, table: t })
        const left = (sync.tables ?? []).filter((t) => !gone.includes(t.source))
        selection = { ...selection, tables: left }
        tasks = left.length || selection.allTables ? await resolveTasks(src, sync.sourceDatabase, selection) : []
      }
      tables = tasks.map((t) => ({ source: t.source, target: t.target }))
      if (tasks.length === 0 && problems.length === 0) problems.push({ code: 'VALIDATION', message: 'No table matches the selection.' })
      const sourceServer = await serverIdentity(src)
      const targetServer = await serverIdentity(dst)
      const same = sourceServer === targetServer && sync.sourceDatabase === sync.targetDatabase
      // A draft has no watermarks yet: its incremental tables would be copied whole first.
      const marks = this.jobs.watermarks.store(syncScope('id' in sync && typeof sync.id === 'string' ? sync.id : ''), null)
      for (const t of tasks) {
        if (same && t.source === t.target) {
          problems.push({ code: 'SAME_TABLE', message: `${t.source} would be copied onto itself (same server, database and table).`, table: t.source })
        }
      }
      // The checks a run makes before its first write.
      const options = runOptions({ ...sync, options: sync.options } as SyncConfig, this.deps.config()['sync.batch_size'], this.deps.config()['sync.incremental_lag'])
      const checked = await preflight({
        sourceMeta: src,
        targetMeta: dst,
        sourceDb: sync.sourceDatabase,
        targetDb: sync.targetDatabase,
        targetDbExists: await databaseExists(dst, sync.targetDatabase),
        tasks,
        options,
        runTag: oneShotTag(),
        readsPastWatermark: (t) => {
          const w = marks.load({ sourceServer, targetServer, sourceDatabase: sync.sourceDatabase, targetDatabase: sync.targetDatabase, source: t.source, target: t.target })
          return Boolean(w && w.cursorColumns.join('\0') === (t.cursor ?? []).join('\0'))
        }
      })
      problems.push(...checked.problems)
    } catch (err) {
      const e = err instanceof AppError ? err : new AppError('UNAVAILABLE', (err as Error).message)
      problems.push({ code: e.code, message: e.message })
    } finally {
      await src?.end().catch(() => src?.destroy())
      await dst?.end().catch(() => dst?.destroy())
    }
    return { ok: problems.length === 0, problems, tables }
  }

  /** What a run would do, changing nothing. */
  async plan(id: string): Promise<SyncPlan> {
    const sync = this.get(id)
    const [source, target] = await Promise.all([this.connections.endpoint(sync.sourceConnectionId), this.connections.endpoint(sync.targetConnectionId)])
    const src = await openSession(source, 'meta')
    let dst: Connection | undefined
    try {
      await src.query('SET SESSION TRANSACTION READ ONLY')
      dst = await openSession(target, 'write')
      const tasks = await resolveTasks(src, sync.sourceDatabase, { tables: sync.tables, allTables: sync.allTables })
      const options = runOptions(sync, this.deps.config()['sync.batch_size'], this.deps.config()['sync.incremental_lag'])
      const plan = await planRun(src, dst, sync.sourceDatabase, sync.targetDatabase, tasks, options, (tag) => this.jobs.repo.tagMayResume(tag), this.jobs.watermarks.store(syncScope(sync.id), sync.id))
      return {
        syncId: sync.id,
        sourceDatabase: sync.sourceDatabase,
        targetDatabase: sync.targetDatabase,
        tables: plan.tables.map(({ deferredIndexes: _d, foreignKeys: _f, ...t }) => t),
        replaces: plan.tables.filter((t) => t.targetExists && t.action === 'replace').map((t) => t.target),
        swap: plan.swap,
        problems: plan.problems,
        notes: plan.notes,
        leftovers: plan.leftovers.map((l) => ({ tag: l.tag, state: l.state, reason: l.reason, tables: l.tables.map((t) => t.name), queries: l.queries.length }))
      }
    } finally {
      await src.end().catch(() => src.destroy())
      await dst?.end().catch(() => dst?.destroy())
    }
  }

  /** What a run would change now, per table, with sample rows (engine/preview.ts); changes nothing. */
  async preview(id: string): Promise<SyncPreview> {
    const sync = this.get(id)
    const [source, target] = await Promise.all([this.connections.endpoint(sync.sourceConnectionId), this.connections.endpoint(sync.targetConnectionId)])
    const meta = await openSession(source, 'meta')
    let tasks
    try {
      tasks = await resolveTasks(meta, sync.sourceDatabase, { tables: sync.tables, allTables: sync.allTables })
    } finally {
      await meta.end().catch(() => meta.destroy())
    }
    const options = runOptions(sync, this.deps.config()['sync.batch_size'], this.deps.config()['sync.incremental_lag'])
    const tables = await previewRun({
      source,
      target,
      sourceDatabase: sync.sourceDatabase,
      targetDatabase: sync.targetDatabase,
      tables: tasks,
      options,
      watermarks: this.jobs.watermarks.store(syncScope(sync.id), sync.id)
    })
    return { syncId: sync.id, takenAt: new Date().toISOString(), tables }
  }

  /** `allowDeletes`: this run's diff tables may delete past their guard (the UI's confirmation said so). */
  run(id: string, trigger = 'manual', opts: { allowDeletes?: boolean; previewed?: RunOptions['previewed'] } = {}): { jobId: string } {
    const sync = this.get(id)
    const once = { ...(opts.allowDeletes ? { allowDeletes: true } : {}), ...(opts.previewed ? { previewed: opts.previewed } : {}) }
    return { jobId: this.jobs.enqueue(Object.keys(once).length ? { ...sync, options: { ...sync.options, ...once } as SyncConfig['options'] } : sync, trigger) }
  }
}
