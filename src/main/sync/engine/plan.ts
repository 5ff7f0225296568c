import type { Connection } from 'mysql2/promise'
import { AppError } from '../../../shared/errors'
import { checkWhereFilter } from './read/where-filter'
import { databaseExists, listTables, readTableInfo, tableExists } from './schema/table-info'
import { buildLoadDdl } from './schema/ddl'
import { findLeftovers, type LeftoverRun } from './leftovers'
import { preflight, type PreflightProblem } from './preflight'
import { oneShotTag } from './session/run-tag'
import { serverIdentity } from './run'
import type { OnExists, RunOptions, TableTask } from './types'

/**
 * Turning a selection (explicit tables, or all tables with include/exclude globs) into the task
 * list of a run, and describing what a run would do without doing it (`syncs.plan`, `--dry-run`).
 */

export interface TableSelection {
  tables?: { source: string; target?: string; where?: string; excludeColumns?: string[]; mode?: 'full' }[]
  allTables?: { include?: string[]; exclude?: string[] }
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
      .map((t) => toTask(overrides.get(t.name) ?? { source: t.name }))
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
  const task: TableTask = { source: t.source, target: t.target || t.source, excludeColumns: t.excludeColumns ?? [], mode: 'full' }
  if (t.where !== undefined && t.where.trim() !== '') task.where = checkWhereFilter(t.where, t.source)
  return task
}

export interface TablePlan {
  source: string
  target: string
  action: 'create' | 'replace' | 'truncate' | 'append' | 'fail' | 'skip'
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
  onExists: OnExists
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
    out.push({
      source: t.source,
      target: t.target,
      action: exists ? onExists : 'create',
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
  resumable?: (tag: string) => boolean | undefined
): Promise<RunPlan> {
  const targetDbExists = await databaseExists(targetMeta, targetDb)
  const tables = await planTables(sourceMeta, targetMeta, sourceDb, targetDb, tasks, options.onExists)
  const checked = await preflight({ sourceMeta, targetMeta, sourceDb, targetDb, targetDbExists, tasks, options, runTag: oneShotTag() })
  // On one server, the target's processlist already shows the source's statements.
  const sameServer = (await serverIdentity(sourceMeta)) === (await serverIdentity(targetMeta))
  const leftovers = targetDbExists ? await findLeftovers(targetMeta, targetDb, { source: sameServer ? undefined : sourceMeta, resumable }) : []
  return { tables, problems: checked.problems, notes: checked.notes, leftovers, swap: options.swap ?? 'together' }
}
