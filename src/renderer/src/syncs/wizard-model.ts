import type { ConnectionInfo } from '../../../shared/connections'
import type { MethodInput } from '../../../shared/contract'
import type { ErrorBody } from '../../../shared/errors'
import { rowFilterProblem } from '../../../shared/row-filter'
import type { ON_EXISTS, ScheduleInput, SyncConfig, TableMapping, TableMode, SwapMode, VerifyScope, WritePathOption } from '../../../shared/syncs'

/**
 * The sync wizard's state and its conversion to and from the contract (`syncs.create/update`,
 * `SyncConfig`), with the checks each step makes before moving on and the mapping of server refusals
 * onto fields. Pure, unit-tested; the components only render it.
 */

export type OnExists = (typeof ON_EXISTS)[number]
export type SelectionMode = 'list' | 'all'
export type ScheduleKind = 'none' | 'cron' | 'interval'

/** Per-table settings; empty strings and lists mean "as the source". */
export interface TableOverride {
  target: string
  where: string
  excludeColumns: string[]
  /** How the table is kept current: copied whole, or only rows past the cursor's watermark. */
  mode: TableMode
  /** Incremental: the cursor column(s), in tuple order. */
  cursor: string[]
}

export interface WizardState {
  name: string
  sourceConnectionId: string | null
  sourceDatabase: string | null
  targetConnectionId: string | null
  targetDatabase: string
  selection: SelectionMode
  /** Source tables chosen in list mode, in the order they were picked. */
  selected: string[]
  /** Settings per source table (list mode: for the selected ones; all-tables mode: overrides). */
  overrides: Record<string, TableOverride>
  include: string[]
  exclude: string[]
  options: {
    chunkRows: number | ''
    parallelism: number | ''
    onExists: OnExists
    createMissing: boolean
    recreateOnMismatch: boolean
    verify: boolean
    /** Incremental tables: verify the whole table, or only the rows each run read. */
    verifyScope: VerifyScope
    writePath: WritePathOption
    swap: SwapMode
    views: boolean
    triggers: boolean
    routines: boolean
  }
  schedule: {
    kind: ScheduleKind
    cron: string
    /** IANA zone; '' is the local time of the machine DB-Taxi runs on. */
    timezone: string
    every: string
    catchUp: boolean
    enabled: boolean
  }
}

export const STEPS = ['endpoints', 'tables', 'options', 'schedule', 'review'] as const
export type StepId = (typeof STEPS)[number]

export type FieldErrors = Record<string, string>

export const EMPTY_OVERRIDE: TableOverride = { target: '', where: '', excludeColumns: [], mode: 'full', cursor: [] }

export function emptyWizard(): WizardState {
  return {
    name: '',
    sourceConnectionId: null,
    sourceDatabase: null,
    targetConnectionId: null,
    targetDatabase: '',
    selection: 'list',
    selected: [],
    overrides: {},
    include: [],
    exclude: [],
    options: {
      chunkRows: '',
      parallelism: '',
      onExists: 'replace',
      createMissing: true,
      recreateOnMismatch: false,
      verify: true,
      verifyScope: 'table',
      writePath: 'auto',
      swap: 'together',
      views: false,
      triggers: false,
      routines: false
    },
    schedule: { kind: 'none', cron: '0 2 * * *', timezone: '', every: '6h', catchUp: false, enabled: true }
  }
}

function overrideOf(m: TableMapping): TableOverride {
  return {
    target: m.target && m.target !== m.source ? m.target : '',
    where: m.where ?? '',
    excludeColumns: m.excludeColumns ?? [],
    mode: m.mode ?? 'full',
    cursor: m.cursor ?? []
  }
}

export function wizardFromConfig(c: SyncConfig): WizardState {
  const base = emptyWizard()
  const tables = c.tables ?? []
  const o = c.options ?? {}
  const s = c.schedule
  return {
    name: c.name,
    sourceConnectionId: c.sourceConnectionId,
    sourceDatabase: c.sourceDatabase,
    targetConnectionId: c.targetConnectionId,
    targetDatabase: c.targetDatabase,
    selection: c.allTables ? 'all' : 'list',
    selected: c.allTables ? [] : tables.map((t) => t.source),
    overrides: Object.fromEntries(tables.map((t) => [t.source, overrideOf(t)])),
    include: c.allTables?.include ?? [],
    exclude: c.allTables?.exclude ?? [],
    options: {
      chunkRows: o.chunkRows ?? '',
      parallelism: o.parallelism ?? '',
      onExists: o.onExists ?? 'replace',
      createMissing: o.createMissing ?? true,
      recreateOnMismatch: o.recreateOnMismatch ?? false,
      verify: o.verify ?? true,
      verifyScope: o.verifyScope ?? 'table',
      writePath: o.writePath ?? 'auto',
      swap: o.swap ?? 'together',
      views: o.objects?.views ?? false,
      triggers: o.objects?.triggers ?? false,
      routines: o.objects?.routines ?? false
    },
    schedule: s
      ? {
          kind: s.kind,
          cron: s.cron ?? base.schedule.cron,
          timezone: s.timezone ?? '',
          every: s.every ?? base.schedule.every,
          catchUp: s.catchUp,
          enabled: s.enabled
        }
      : base.schedule
  }
}

const isSet = (o: TableOverride | undefined): o is TableOverride =>
  !!o && (o.target.trim() !== '' || o.where.trim() !== '' || o.excludeColumns.length > 0 || o.mode !== 'full')

/** One table mapping as the contract wants it: only what differs from "copy as is". */
export function toMapping(source: string, o: TableOverride | undefined): TableMapping {
  const m: TableMapping = { source }
  if (!o) return m
  const target = o.target.trim()
  if (target !== '' && target !== source) m.target = target
  if (o.where.trim() !== '') m.where = o.where.trim()
  if (o.excludeColumns.length > 0) m.excludeColumns = [...o.excludeColumns]
  if (o.mode === 'incremental') {
    m.mode = 'incremental'
    m.cursor = [...o.cursor]
  }
  return m
}

/** The table mappings the wizard sends, in the order it sends them (server issue paths index into it). */
export function mappingsOf(s: WizardState): TableMapping[] {
  if (s.selection === 'list') return s.selected.map((name) => toMapping(name, s.overrides[name]))
  return Object.entries(s.overrides)
    .filter(([, o]) => isSet(o))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, o]) => toMapping(name, o))
}

export function scheduleOf(s: WizardState): ScheduleInput | null {
  const sc = s.schedule
  if (sc.kind === 'cron') {
    const out: ScheduleInput = { kind: 'cron', cron: sc.cron.trim(), catchUp: sc.catchUp, enabled: sc.enabled }
    if (sc.timezone) out.timezone = sc.timezone
    return out
  }
  if (sc.kind === 'interval') return { kind: 'interval', every: sc.every.trim(), catchUp: sc.catchUp, enabled: sc.enabled }
  return null
}

export type SyncCreateInput = MethodInput<'syncs.create'>
export type SyncUpdateInput = MethodInput<'syncs.update'>

export function toCreateInput(s: WizardState): SyncCreateInput {
  const o = s.options
  const options: NonNullable<SyncCreateInput['options']> = {
    onExists: o.onExists,
    createMissing: o.createMissing,
    recreateOnMismatch: o.recreateOnMismatch,
    verify: o.verify
  }
  if (o.chunkRows !== '') options.chunkRows = o.chunkRows
  if (o.parallelism !== '') options.parallelism = o.parallelism
  if (o.writePath !== 'auto') options.writePath = o.writePath
  if (o.verifyScope !== 'table') options.verifyScope = o.verifyScope
  if (o.swap !== 'together') options.swap = o.swap
  if (o.views || o.triggers || o.routines) options.objects = { views: o.views, triggers: o.triggers, routines: o.routines }
  const input: SyncCreateInput = {
    name: s.name.trim(),
    sourceConnectionId: s.sourceConnectionId ?? '',
    targetConnectionId: s.targetConnectionId ?? '',
    sourceDatabase: s.sourceDatabase ?? '',
    targetDatabase: s.targetDatabase.trim(),
    tables: mappingsOf(s),
    options,
    schedule: scheduleOf(s)
  }
  if (s.selection === 'all') {
    const allTables: { include?: string[]; exclude?: string[] } = {}
    if (s.include.length) allTables.include = [...s.include]
    if (s.exclude.length) allTables.exclude = [...s.exclude]
    input.allTables = allTables
  }
  return input
}

/** Every field is sent, so the saved config is exactly what the wizard shows. */
export function toUpdateInput(s: WizardState, id: string): SyncUpdateInput {
  // An explicit list must also clear a saved all-tables selection.
  return { id, ...toCreateInput(s), ...(s.selection === 'list' ? { allTables: null } : {}) }
}

// ---------- globs (the server's rule: shell-style, whole name, case-sensitive) ----------

export function globToRegExp(glob: string): RegExp {
  const re = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')
  return new RegExp(`^${re}$`)
}

export function matchesGlobs(name: string, include: string[], exclude: string[]): boolean {
  const inc = include.map(globToRegExp)
  const exc = exclude.map(globToRegExp)
  return (inc.length === 0 || inc.some((r) => r.test(name))) && !exc.some((r) => r.test(name))
}

// ---------- checks before moving on ----------

const IDENT_MAX = 64

function checkIdent(errors: FieldErrors, key: string, value: string, what: string): void {
  if (value.length > IDENT_MAX) errors[key] = `${what} can be at most ${IDENT_MAX} characters`
  else if (value.includes('\0')) errors[key] = `${what} must not contain a NUL character`
}

/**
 * Why a table's row filter would be refused, by the very check the server runs (src/shared/row-filter.ts);
 * with the table's columns, an unknown column too. Undefined when it is fine or empty.
 */
export function filterError(table: string, where: string, columns?: readonly string[]): string | undefined {
  return rowFilterProblem(where, table, columns) ?? undefined
}

/** What keeps a step from being finished, per field. `tableNames` is the source's tables (all-tables preview). */
export function stepErrors(s: WizardState, step: StepId, tableNames: string[] | null = null): FieldErrors {
  const e: FieldErrors = {}
  if (step === 'endpoints') {
    if (s.name.trim() === '') e.name = 'Give the sync a name'
    else if (s.name.trim().length > 100) e.name = 'At most 100 characters'
    if (!s.sourceConnectionId) e.sourceConnectionId = 'Choose the source connection'
    if (!s.sourceDatabase) e.sourceDatabase = 'Choose the source database'
    if (!s.targetConnectionId) e.targetConnectionId = 'Choose the target connection'
    if (s.targetDatabase.trim() === '') e.targetDatabase = 'Name the target database'
    else checkIdent(e, 'targetDatabase', s.targetDatabase.trim(), 'A database name')
  } else if (step === 'tables') {
    if (s.selection === 'list' && s.selected.length === 0) e.tables = 'Choose at least one table'
    if (s.selection === 'all' && tableNames && !tableNames.some((n) => matchesGlobs(n, s.include, s.exclude))) {
      e.allTables = 'No table of the source database matches these patterns now'
    }
    const seen = new Map<string, string>()
    for (const m of mappingsOf(s)) {
      const target = m.target ?? m.source
      if (m.target !== undefined) checkIdent(e, `tables.${m.source}.target`, m.target, 'A table name')
      const filter = m.where === undefined ? undefined : filterError(m.source, m.where)
      if (filter !== undefined) e[`tables.${m.source}.where`] = filter
      if (m.mode === 'incremental' && !m.cursor?.length) e[`tables.${m.source}.cursor`] = 'Choose the cursor column the table is read by'
      else if (m.cursor?.some((c) => m.excludeColumns?.includes(c))) e[`tables.${m.source}.cursor`] = 'The cursor cannot be a column left out'
      const other = seen.get(target)
      if (other !== undefined) e[`tables.${m.source}.target`] = `${other} is copied into ${target} already`
      seen.set(target, m.source)
    }
  } else if (step === 'options') {
    const { chunkRows, parallelism } = s.options
    if (chunkRows !== '' && (!Number.isInteger(chunkRows) || chunkRows < 1 || chunkRows > 10_000_000)) {
      e['options.chunkRows'] = 'Between 1 and 10,000,000 rows'
    }
    if (parallelism !== '' && (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > 32)) {
      e['options.parallelism'] = 'Between 1 and 32'
    }
  } else if (step === 'schedule') {
    if (s.schedule.kind === 'cron' && s.schedule.cron.trim() === '') e['schedule.cron'] = 'Write a cron expression, e.g. 0 2 * * *'
    if (s.schedule.kind === 'interval' && s.schedule.every.trim() === '') e['schedule.every'] = 'Write an interval, e.g. 15m or 6h'
  }
  return e
}

export function allStepErrors(s: WizardState, tableNames: string[] | null = null): FieldErrors {
  return Object.assign({}, ...STEPS.map((step) => stepErrors(s, step, tableNames))) as FieldErrors
}

/** The step that shows a field. */
export function stepOfField(path: string): StepId {
  if (path.startsWith('tables') || path.startsWith('allTables')) return 'tables'
  if (path.startsWith('options')) return 'options'
  if (path.startsWith('schedule')) return 'schedule'
  return 'endpoints'
}

/** The first step (in wizard order) holding one of these errors. */
export function firstStepWithError(errors: FieldErrors): StepId | null {
  const steps = new Set(Object.keys(errors).map(stepOfField))
  return STEPS.find((s) => steps.has(s)) ?? null
}

/** Source table named by a field key `tables.<source>.<field>`. */
export function tableOfField(path: string): string | null {
  const m = /^tables\.(.+)\.(target|where|excludeColumns|mode|cursor)$/.exec(path)
  return m ? m[1]! : null
}

const capitalize = (s: string): string => (s ? s[0]!.toUpperCase() + s.slice(1) : s)

const FIELD_KEYS = new Set([
  'name',
  'sourceConnectionId',
  'sourceDatabase',
  'targetConnectionId',
  'targetDatabase',
  'tables',
  'allTables',
  'options.chunkRows',
  'options.parallelism',
  'schedule.cron',
  'schedule.every',
  'schedule.timezone'
])

/**
 * A refused save mapped onto the wizard's fields. Server issue paths index the `tables` array that
 * was sent (`tables.2.where`); they are turned into the table's own key (`tables.orders.where`). A
 * refused WHERE filter names its table in `details.table`.
 */
export function saveErrorsOf(error: ErrorBody, sent: Pick<SyncCreateInput, 'tables'>): { fields: FieldErrors; rest: string[] } {
  const fields: FieldErrors = {}
  const rest: string[] = []
  const put = (key: string, message: string): void => {
    if (fields[key] === undefined) fields[key] = message
  }
  const details = error.details && typeof error.details === 'object' ? (error.details as Record<string, unknown>) : {}
  if (error.code === 'VALIDATION') {
    const issues = Array.isArray(details.issues) ? (details.issues as unknown[]) : []
    for (const raw of issues) {
      if (!raw || typeof raw !== 'object') continue
      const issue = raw as { path?: unknown; message?: unknown }
      if (typeof issue.path !== 'string' || typeof issue.message !== 'string') continue
      const m = /^tables\.(\d+)\.(\w+)/.exec(issue.path)
      const table = m ? sent.tables?.[Number(m[1])]?.source : undefined
      if (m && table !== undefined && ['target', 'where', 'excludeColumns', 'mode', 'cursor'].includes(m[2]!)) put(`tables.${table}.${m[2]}`, capitalize(issue.message))
      else if (FIELD_KEYS.has(issue.path)) put(issue.path, capitalize(issue.message))
      else if (issue.path.startsWith('allTables')) put('allTables', capitalize(issue.message))
      else if (issue.path.startsWith('schedule')) put(issue.path.startsWith('schedule.every') ? 'schedule.every' : 'schedule.cron', capitalize(issue.message))
      else rest.push(issue.path ? `${issue.path}: ${issue.message}` : capitalize(issue.message))
    }
    if (issues.length === 0) {
      // The WHERE check answers the table and the filter rather than an issue path.
      if (typeof details.table === 'string' && 'filter' in details) put(`tables.${details.table}.where`, error.message)
      else if (/^Unknown time zone/.test(error.message)) put('schedule.timezone', error.message)
      else rest.push(error.message)
    }
  } else if (error.code === 'CONFLICT' && details.field === 'name') {
    put('name', error.message)
  } else if (error.code === 'READ_ONLY_TARGET') {
    put('targetConnectionId', error.message)
  } else {
    rest.push(`${error.message} (${error.code})`)
  }
  return { fields, rest }
}

// ---------- editing helpers ----------

/** Selects or unselects tables in list mode; selecting keeps the existing order and appends new ones. */
export function withSelected(s: WizardState, names: string[], on: boolean): WizardState {
  if (on) {
    const have = new Set(s.selected)
    return { ...s, selected: [...s.selected, ...names.filter((n) => !have.has(n))] }
  }
  const drop = new Set(names)
  return { ...s, selected: s.selected.filter((n) => !drop.has(n)) }
}

export function withOverride(s: WizardState, table: string, patch: Partial<TableOverride>): WizardState {
  const current = s.overrides[table] ?? EMPTY_OVERRIDE
  return { ...s, overrides: { ...s.overrides, [table]: { ...current, ...patch } } }
}

/** `(3 of 12 selected)` state of a select-all checkbox over the visible tables. */
export function selectAllState(visible: string[], selected: string[]): 'all' | 'some' | 'none' {
  if (visible.length === 0) return 'none'
  const set = new Set(selected)
  const n = visible.filter((v) => set.has(v)).length
  return n === 0 ? 'none' : n === visible.length ? 'all' : 'some'
}

/** Case-insensitive substring search over table names. */
export function filterTables<T extends { name: string }>(tables: T[], query: string): T[] {
  const q = query.trim().toLowerCase()
  return q === '' ? tables : tables.filter((t) => t.name.toLowerCase().includes(q))
}

/**
 * The target database a newly chosen target connection suggests: its own default database, never the
 * source's name (on one server that name is the source itself). A name the user typed is kept; one
 * that only came from the previous connection's default follows the new connection.
 */
export function targetDatabaseFor(s: Pick<WizardState, 'targetDatabase' | 'targetConnectionId'>, next: string | null, connections: ConnectionInfo[]): string {
  const previousDefault = connections.find((c) => c.id === s.targetConnectionId)?.database ?? ''
  const typed = s.targetDatabase.trim() !== '' && s.targetDatabase !== previousDefault
  if (typed) return s.targetDatabase
  return connections.find((c) => c.id === next)?.database ?? ''
}
