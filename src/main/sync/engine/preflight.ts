import type { Connection, RowDataPacket } from 'mysql2/promise'
import { AppError, type ErrorCode } from '../../../shared/errors'
import { evaluatePrivileges } from '../connections/grants'
import { quoteQualified } from '../mysql/identifiers'
import { clauseConstraintName, renameForeignKeys } from './schema/constraint-names'
import { expectedTargetDdl, selectColumns } from './modes/full'
import { buildLoadDdl, diffCreate, parseCreateTable, renderCreate } from './schema/ddl'
import { taggedName } from './swap'
import { readTableInfo, tableExists, type TableInfo } from './schema/table-info'
import type { RunOptions, TableTask } from './types'
import { checkFilterOnSource } from './read/where-filter'
import { incrementalProblem } from './modes/incremental'
import { diffProblem } from './modes/diff'

/**
 * What a run checks before its first write, and what `syncs.validate`, `syncs.plan` and
 * `--dry-run` report: a config that passes does not fail later for a reason that could be known
 * now. Per table: the source table and its excluded columns, the row filter (parsed on an
 * allowlist, its columns checked, and EXPLAINed on the source, read-only), what the target
 * already holds against `onExists` (a `fail` onto an existing table, a schema that differs under
 * truncate/append), whether the target can create the table at all (tried as a TEMPORARY table,
 * invisible to everyone else and gone with the session: unknown collations, engines or options of
 * another server version show here, not after the rows are loaded), and foreign key names (unique
 * per database). For the target: the privileges the run needs.
 */

export interface PreflightProblem {
  code: ErrorCode
  message: string
  table?: string
  details?: unknown
}

export interface PreflightInput {
  sourceMeta: Connection
  /** A write session (the run's session settings), or a meta session when nothing will be written. */
  targetMeta: Connection
  sourceDb: string
  targetDb: string
  targetDbExists: boolean
  tasks: TableTask[]
  /** Target names of every table of the run (tables a resumed job already finished included). */
  allTargets?: string[]
  options: RunOptions
  runTag: string
  /** Incremental tables that have a watermark for their cursor: they read past it instead of being copied whole. */
  readsPastWatermark?(task: TableTask): boolean
}

export interface PreflightResult {
  problems: PreflightProblem[]
  /** Things worth knowing that do not stop the run (a check that could not be made, target warnings). */
  notes: string[]
}

export function preflightError(problems: PreflightProblem[]): AppError {
  const first = problems[0]!
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more: ${problems.slice(1, 4).map((p) => p.message).join(' ')}${problems.length > 4 ? ' ...' : ''})` : ''
  return new AppError(first.code, `Checked before writing: ${first.message}${more}`, { problems })
}

export async function preflight(input: PreflightInput): Promise<PreflightResult> {
  const problems: PreflightProblem[] = []
  const notes: string[] = []
  const { options } = input
  const creating: { task: TableTask; info: TableInfo }[] = []
  for (const [n, task] of input.tasks.entries()) {
    const add = (code: ErrorCode, message: string, details?: unknown): void => {
      problems.push(details === undefined ? { code, message, table: task.source } : { code, message, table: task.source, details })
    }
    let info: TableInfo
    try {
      info = await readTableInfo(input.sourceMeta, input.sourceDb, task.source)
    } catch (err) {
      add(err instanceof AppError ? err.code : 'TABLE_NOT_FOUND', err instanceof Error ? err.message : String(err))
      continue
    }
    if (info.type === 'VIEW' || info.type === 'SEQUENCE') continue
    try {
      selectColumns(info, task)
    } catch (err) {
      add('VALIDATION', (err as Error).message)
    }
    if (task.mode === 'incremental') {
      const p = incrementalProblem(info, task)
      if (p) add('VALIDATION', p)
    }
    if (task.mode === 'diff') {
      const p = diffProblem(info)
      if (p) add('VALIDATION', p)
    }
    if (task.where !== undefined) {
      try {
        await checkFilterOnSource(input.sourceMeta, input.sourceDb, task.source, task.where, info.columns.map((c) => c.name))
      } catch (err) {
        add(err instanceof AppError ? err.code : 'VALIDATION', (err as Error).message)
      }
    }
    const exists = input.targetDbExists && (await tableExists(input.targetMeta, input.targetDb, task.target))
    // An incremental table reading past its watermark writes into the table as it is (as append
    // does); one without a watermark is copied whole first, replacing what is there.
    // A diff writes into an existing table as it is too.
    const readsPast = exists && ((task.mode === 'incremental' && (input.readsPastWatermark?.(task) ?? false)) || task.mode === 'diff')
    const onExists = task.mode === 'full' ? options.onExists : readsPast ? 'append' : options.onExists === 'fail' ? 'fail' : 'replace'
    let creates = !exists || onExists === 'replace'
    if (exists && onExists === 'fail') {
      add('TARGET_EXISTS', `Target table ${input.targetDb}.${task.target} exists and onExists is "fail".`)
    }
    if (exists && (onExists === 'truncate' || onExists === 'append')) {
      const [rows] = await input.targetMeta.query<RowDataPacket[]>(`SHOW CREATE TABLE ${quoteQualified(input.targetDb, task.target)}`)
      const diffs = diffCreate(expectedTargetDdl(info, task), String(rows[0]?.['Create Table'] ?? ''))
      if (diffs.length > 0) {
        if (options.recreateOnMismatch) creates = true
        else {
          add(
            'SCHEMA_MISMATCH',
            `Target table ${input.targetDb}.${task.target} differs from the source: ${diffs.slice(0, 3).join('; ')}${diffs.length > 3 ? ` (and ${diffs.length - 3} more)` : ''}.` +
              (readsPast ? ` ${task.mode === 'diff' ? 'A diff' : 'An incremental run'} cannot apply rows to the old definition: run with recreateOnMismatch to copy the table whole with the new one.` : ''),
            { differences: diffs }
          )
        }
      }
    }
    if (!exists && !options.createMissing) {
      add('TABLE_NOT_FOUND', `Target table ${input.targetDb}.${task.target} does not exist and createMissing is off.`)
    }
    if (creates) {
      creating.push({ task, info })
      if (input.targetDbExists) {
        const refused = await tryCreate(input, info, task, n, notes)
        if (refused) add('VALIDATION', refused)
      }
    }
  }
  problems.push(...(await constraintNameClashes(input, creating)))
  problems.push(...(await missingPrivileges(input, creating.length > 0)))
  return { problems, notes }
}

/**
 * Creates the table as the run would (the same session settings), as a TEMPORARY table under a
 * name of the run's, and drops it again. Foreign keys are added after the load and are checked by
 * name instead; partitioning, system versioning and full-text or spatial indexes cannot be tried
 * on a temporary table and are left out of the trial. Answers the server's refusal, if any.
 */
async function tryCreate(input: PreflightInput, info: TableInfo, task: TableTask, n: number, notes: string[]): Promise<string | null> {
  const parsed = parseCreateTable(expectedTargetDdl(info, task))
  const tail = parsed.tail.replace(/\s*(\/\*!\d+ )?PARTITION BY[\s\S]*$/, '').replace(/\s*WITH SYSTEM VERSIONING/, '')
  const lines = parsed.lines.filter((l) => l.kind !== 'foreign' && l.kind !== 'fulltext' && l.kind !== 'spatial' && !/ (AS ROW (START|END)|PERIOD FOR SYSTEM_TIME)/.test(l.text))
  if (/WITH SYSTEM VERSIONING|PERIOD FOR SYSTEM_TIME/.test(info.createSql)) {
    notes.push(`${task.source}: system-versioned, so its definition could not be tried on the target before the run`)
    return null
  }
  const name = taggedName('new', input.runTag, `chk${n}`)
  const sql = renderCreate({ ...parsed, head: 'CREATE TEMPORARY TABLE', tail }, { db: input.targetDb, table: name }, lines)
  try {
    await input.targetMeta.query(sql)
    const [warnings] = await input.targetMeta.query<RowDataPacket[]>('SHOW WARNINGS')
    for (const w of warnings) notes.push(`${task.source}: the target warns about its definition: ${String(w.Message)}`)
    return null
  } catch (err) {
    const e = err as { code?: string; errno?: number; sqlMessage?: string; message?: string }
    // Not allowed to create temporary tables (a privilege of its own), or an option only
    // temporary tables refuse: the check cannot be made, which is not the table's fault.
    if (e.code === 'ER_TABLEACCESS_DENIED_ERROR' || e.code === 'ER_DBACCESS_DENIED_ERROR' || e.code === 'ER_ILLEGAL_HA_CREATE_OPTION') {
      notes.push(`${task.source}: its definition could not be tried on the target beforehand (${e.code})`)
      return null
    }
    return `The target cannot create ${task.target} as the source defines it: ${e.code ? `${e.code}: ` : ''}${e.sqlMessage ?? e.message}.`
  } finally {
    await input.targetMeta.query(`DROP TEMPORARY TABLE IF EXISTS ${quoteQualified(input.targetDb, name)}`).catch(() => undefined)
  }
}

/** Foreign key names the run would add that another table of the target database already uses (names are unique per database). */
async function constraintNameClashes(input: PreflightInput, creating: { task: TableTask; info: TableInfo }[]): Promise<PreflightProblem[]> {
  const problems: PreflightProblem[] = []
  const wanted = new Map<string, string>()
  for (const { task, info } of creating) {
    const ddl = buildLoadDdl(info.createSql, task.target, { engine: info.engine, excludeColumns: task.excludeColumns, chunkKey: info.key?.name ?? null })
    for (const clause of renameForeignKeys(ddl.foreignKeys, task.source, task.target)) {
      const name = clauseConstraintName(clause)
      if (name === null) continue
      const other = wanted.get(name.toLowerCase())
      if (other !== undefined) {
        problems.push({ code: 'VALIDATION', message: `Tables ${other} and ${task.target} would both get the foreign key ${name} (names are unique per database).`, table: task.source })
      }
      wanted.set(name.toLowerCase(), task.target)
    }
  }
  if (wanted.size === 0 || !input.targetDbExists) return problems
  const [rows] = await input.targetMeta.query<RowDataPacket[]>(
    'SELECT CONSTRAINT_NAME AS n, TABLE_NAME AS t FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?',
    [input.targetDb]
  )
  // Tables the run replaces drop their constraints with them; `_dbt_` tables are leftovers of
  // dead runs that the run clears first.
  const replaced = new Set(creating.map((c) => c.task.target))
  for (const r of rows) {
    const holder = String(r.t)
    const mine = wanted.get(String(r.n).toLowerCase())
    if (mine === undefined || replaced.has(holder) || holder.startsWith('_dbt_')) continue
    problems.push({
      code: 'VALIDATION',
      message: `The foreign key ${String(r.n)} of ${mine} cannot be created: table ${holder} of ${input.targetDb} already has a constraint of that name (names are unique per database).`
    })
  }
  return problems
}

/** The target privileges a run needs, from SHOW GRANTS (unknowable when they come through a role). */
async function missingPrivileges(input: PreflightInput, creates: boolean): Promise<PreflightProblem[]> {
  let lines: string[]
  try {
    const [rows] = await input.targetMeta.query<RowDataPacket[]>('SHOW GRANTS')
    lines = rows.map((r) => String(Object.values(r)[0] ?? ''))
  } catch {
    return []
  }
  // Privileges held through a role are not listed; do not guess.
  if (lines.some((l) => /^GRANT\s+`[^`]*`(@`[^`]*`)?\s+TO\s/i.test(l) || /^GRANT\s+'[^']*'\s+TO\s/i.test(l))) return []
  const held = evaluatePrivileges(lines, input.targetDb).target
  const need: [keyof typeof held, string][] = [
    ['insert', 'INSERT'],
    ['delete', 'DELETE']
  ]
  // Upserts (incremental) change rows in place.
  if (input.tasks.some((t) => t.mode !== 'full')) need.push(['update', 'UPDATE'])
  if (creates) need.push(['create', 'CREATE'], ['drop', 'DROP'], ['alter', 'ALTER'])
  else if (input.options.onExists === 'truncate') need.push(['drop', 'DROP'])
  const missing = need.filter(([k]) => !held[k]).map(([, name]) => name)
  if (missing.length === 0) return []
  return [
    {
      code: 'VALIDATION',
      message: `The target user lacks ${missing.join(', ')} on ${input.targetDb}, which the run needs (${creates ? 'it creates, replaces and indexes tables' : 'it writes rows'}).`
    }
  ]
}
