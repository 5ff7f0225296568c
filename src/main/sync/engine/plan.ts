import type { Connection } from 'mysql2/promise'
import { AppError } from '../../../shared/errors'
import { checkWhereFilter } from './read/where-filter'
import { databaseExists, listTables, readTableInfo, tableExists, type TableInfo } from './schema/table-info'
import { buildLoadDdl } from './schema/ddl'
import { findLeftovers, type LeftoverRun } from './leftovers'
import { preflight, type PreflightProblem } from './preflight'
import { oneShotTag } from './session/run-tag'
import { serverIdentity } from './run'
import type { TableMode } from '../../../shared/syncs'
import type { OnExists, RunOptions, StoredWatermark, TableTask, WatermarkStore } from './types'
import { cursorColumns, incrementalProblem } from './modes/incremental'
import { diffProblem } from './modes/diff'

/**
 * Turning a selection (explicit tables, or all tables with include/exclude globs) into the task
 * list of a run, and describing what a run would do without doing it (`syncs.plan`, `--dry-run`).
 */

export interface TableSelection {
  tables?: { source: string; target?: string; where?: string; excludeColumns?: string[]; mode?: TableMode; cursor?: string[] }[]
  allTables?: { include?: string[]; exclude?: string[] }
  /** Mode and cursor of tables the list does not name (all-tables selections); full by default. */
  defaults?: { mode?: TableMode; cursor?: string[] }
}

/** `orders_*`, `tmp?`: shell-style globs, matched against whole table names, case-sensitively. */
export function globToRegExp(glob: string): RegExp {
  const re = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')
  return new RegExp(`^${re}$`)
}

export async function resolveTasks(sourceMeta: Connection, sourceDb: string, sel: TableSelection): Promise<TableTask[]> {
  const present = await listTables(sourceMeta, sourceDb)
  const baseTables = present.filter((t) => t.type === 'BASE TABLE' || t.type === 'SYSTEM VERSIONED')
  let tasks: TableTask[]
  if (sel.allTables) {
    const inc = (sel.allTables.include ?? []).map(globToRegExp)
    const exc = (sel.allTables.exclude ?? []).map(globToRegExp)
    const overrides = new Map((sel.tables ?? []).map((t) => [t.source, t]))
    tasks = baseTables
      .filter((t) => (inc.length === 0 || inc.some((r) => r.test(t.name))) && !exc.some((r) => r.test(t.name)))
      .map((t) => toTask(overrides.get(t.name) ?? { source: t.name, ...sel.defaults }))
  } else {
    const names = new Set(present.map((t) => t.name))
    const missing = (sel.tables ?? []).filter((t) => !names.has(t.source)).map((t) => t.source)
    if (missing.length) {
      throw new AppError('TABLE_NOT_FOUND', `Table(s) not found in ${sourceDb}: ${missing.join(', ')}.`, { tables: missing })
    }
    tasks = (sel.tables ?? []).map(toTask)
  }
  const byTarget = new Map<string, string>()
  for (const t of tasks) {
    const other = byTarget.get(t.target)
    if (other) throw new AppError('VALIDATION', `Tables ${other} and ${t.source} would both be copied into ${t.target}.`)
    byTarget.set(t.target, t.source)
  }
  return tasks
}

function toTask(t: NonNullable<TableSelection['tables']>[number]): TableTask {
  const task: TableTask = { source: t.source, target: t.target || t.source, excludeColumns: t.excludeColumns ?? [], mode: t.mode ?? 'full' }
  if (task.mode === 'incremental') {
    if (!t.cursor?.length) throw new AppError('VALIDATION', `${t.source}: mode incremental needs a cursor column.`)
    task.cursor = [...t.cursor]
  }
  if (t.where !== undefined && t.where.trim() !== '') task.where = checkWhereFilter(t.where, t.source)
  return task
}

export interface TablePlan {
  source: string
  target: string
  mode: TableMode
  cursor?: string[]
  /** Incremental: where the next run reads from; null when it copies the table whole. */
  watermark?: string[] | null
  action: 'create' | 'replace' | 'truncate' | 'append' | 'fail' | 'skip' | 'upsert' | 'diff'
  targetExists: boolean
  rowsEstimated: number
  keyless: boolean
  ddl: string
  deferredIndexes: string[]
  foreignKeys: string[]
  notes: string[]
}

export async function planTables(
  sourceMeta: Connection,
  targetMeta: Connection,
  sourceDb: string,
  targetDb: string,
  tasks: TableTask[],
  onExists: OnExists,
  watermarkOf: (t: TableTask) => StoredWatermark | null = () => null
): Promise<TablePlan[]> {
  const out: TablePlan[] = []
  for (const t of tasks) {
    const info = await readTableInfo(sourceMeta, sourceDb, t.source)
    const exists = await tableExists(targetMeta, targetDb, t.target).catch(() => false)
    const ddl = buildLoadDdl(info.createSql, t.target, { engine: info.engine, excludeColumns: t.excludeColumns, chunkKey: info.key?.name ?? null })
    const notes: string[] = []
    if (!info.key) notes.push('no primary or unique NOT NULL key: copied in one stream')
    if (t.where) notes.push(`only rows where ${t.where}`)
    if (t.excludeColumns.length) notes.push(`without column(s) ${t.excludeColumns.join(', ')}`)
    let action: TablePlan['action'] = exists ? onExists : 'create'
    const incremental: Pick<TablePlan, 'cursor' | 'watermark'> = {}
    if (t.mode === 'incremental') {
      const w = watermarkOf(t)
      const usable = w && w.cursorColumns.join('\0') === (t.cursor ?? []).join('\0') ? w.value : null
      incremental.cursor = t.cursor
      incremental.watermark = exists ? usable : null
      if (exists && usable) {
        action = 'upsert'
        notes.push(`reads rows where (${(t.cursor ?? []).slice(0, usable.length).join(', ')}) >= (${usable.join(', ')}) and upserts them`)
      } else {
        if (exists && onExists !== 'fail') action = 'replace'
        notes.push(`${usable && !exists ? 'the target table is missing: ' : ''}copied whole this time, then read from the watermark the copy records`)
      }
      notes.push(...incrementalNotes(info, t))
    }
    if (t.mode === 'diff') {
      const problem = diffProblem(info)
      if (problem) notes.push(problem)
      else if (exists) {
        action = 'diff'
        notes.push('compares source and target by chunk checksums, then inserts, updates and deletes the rows that differ (syncs.preview or --dry-run --json counts them)')
      } else notes.push('the target table does not exist yet: copied whole this time')
    }
    out.push({
      source: t.source,
      target: t.target,
      mode: t.mode,
      ...incremental,
      action,
      targetExists: exists,
      rowsEstimated: info.rowsEstimate,
      keyless: !info.key,
      ddl: ddl.create,
      deferredIndexes: ddl.deferredIndexes,
      foreignKeys: ddl.foreignKeys,
      notes
    })
  }
  return out
}

/** What an operator should know about a table's incremental reads: its cursor's blind spots. */
export function incrementalNotes(info: TableInfo, t: TableTask): string[] {
  const notes: string[] = []
  const problem = incrementalProblem(info, t)
  if (problem) return [problem]
  const cursor = cursorColumns(info, t)
  if (cursor[0]!.kind !== 'temporal') {
    notes.push(
      `${cursor[0]!.name} is not a time: updates are read only when they change it, and a row that gets a lower value and commits after a run (a long transaction) is missed by the reads; the run's verification finds both and repairs them`
    )
  }
  const nullable = cursor.filter((c) => c.nullable).map((c) => c.name)
  if (nullable.length) notes.push(`rows whose ${nullable.join(', ')} is NULL are never read by incremental runs (NULL is never >= a watermark); verification repairs them`)
  notes.push('deletes on the source are not carried by incremental runs (a full run carries them)')
  return notes
}

export interface RunPlan {
  tables: TablePlan[]
  /** What the run's own checks before its first write would refuse (preflight.ts); empty: it would start. */
  problems: PreflightProblem[]
  notes: string[]
  /** What earlier runs left on the target: cleared by the run when they are provably dead. */
  leftovers: LeftoverRun[]
  swap: NonNullable<RunOptions['swap']>
}

/**
 * Everything `syncs.plan` and `db-taxi sync --dry-run` show, changing nothing: per table what the
 * run would do, the problems its preflight would stop at, and the leftovers of earlier runs it
 * would clear or leave alone. `targetMeta` should be a write session (the run's session settings,
 * for the trial CREATE TEMPORARY TABLE); `sourceMeta` is best read-only.
 */
export async function planRun(
  sourceMeta: Connection,
  targetMeta: Connection,
  sourceDb: string,
  targetDb: string,
  tasks: TableTask[],
  options: RunOptions,
  resumable?: (tag: string) => boolean | undefined,
  watermarks?: WatermarkStore
): Promise<RunPlan> {
  const targetDbExists = await databaseExists(targetMeta, targetDb)
  const sourceServer = await serverIdentity(sourceMeta)
  const targetServer = await serverIdentity(targetMeta)
  const watermarkOf = (t: TableTask): StoredWatermark | null =>
    watermarks?.load({ sourceServer, targetServer, sourceDatabase: sourceDb, targetDatabase: targetDb, source: t.source, target: t.target }) ?? null
  const tables = await planTables(sourceMeta, targetMeta, sourceDb, targetDb, tasks, options.onExists, watermarkOf)
  const checked = await preflight({
    sourceMeta,
    targetMeta,
    sourceDb,
    targetDb,
    targetDbExists,
    tasks,
    options,
    runTag: oneShotTag(),
    readsPastWatermark: (t) => tables.find((p) => p.source === t.source)?.action === 'upsert'
  })
  // On one server, the target's processlist already shows the source's statements.
  const sameServer = sourceServer === targetServer
  const leftovers = targetDbExists ? await findLeftovers(targetMeta, targetDb, { source: sameServer ? undefined : sourceMeta, resumable }) : []
  return { tables, problems: checked.problems, notes: checked.notes, leftovers, swap: options.swap ?? 'together' }
}
