import type { Command } from 'commander'
import { CHUNK_ROWS_RANGE, PARALLELISM_RANGE, parseWholeNumber, shown, type IntRange } from '../../shared/bounded-input'
import { AppError } from '../../shared/errors'
import { CONNECT_FAILURE_CODES } from '../sync/connections/error-map'
import { endpointFromUrl, openSession, type Endpoint } from '../sync/engine/session/endpoint'
import { planRun, resolveTasks, type RunPlan, type TableSelection } from '../sync/engine/plan'
import { describeLeftovers } from '../sync/engine/leftovers'
import { runFullCopy, serverIdentity, type RunSummary } from '../sync/engine/run'
import { verifyTables } from '../sync/engine/compare/verify-run'
import { DEFAULT_RUN_OPTIONS, WRITE_PATH_OPTIONS, type OnExists, type RunOptions, type TableResult, type WritePathOption } from '../sync/engine/types'
import { SWAP_MODES, TABLE_MODES, VERIFY_SCOPES, type SwapMode, type SyncPreviewTable, type TableMode, type VerifyScope } from '../../shared/syncs'
import { previewRun } from '../sync/engine/preview'
import type { ConfigLayers } from '../sync/config/layers'
import type { CliWatermarks } from './cli-watermarks'
import { Redactor } from '../sync/logging/redact'
import { cancelOnSignals } from './cancel-signals'
import { EXIT } from './exit-codes'
import { ProgressBar } from './progress-bar'
import { capYoungGeneration } from './young-generation'

/**
 * `db-taxi sync` and `db-taxi verify`: one-shot runs that need no saved config, for scripts and cron.
 * URLs may come from DBT_SOURCE_URL / DBT_TARGET_URL so passwords stay out of the process list.
 */

interface SyncFlags {
  source?: string
  target?: string
  tables?: string
  all?: boolean
  targetDb?: string
  where: string[]
  excludeColumns: string[]
  mode: string[]
  cursor: string[]
  resetWatermark?: boolean
  recreateOnMismatch?: boolean
  verifyScope?: string
  maxDeletes?: string
  allowDeletes?: boolean
  onExists: string
  parallel?: string
  chunkRows?: string
  verify: boolean
  dryRun?: boolean
  json?: boolean
  insert?: boolean
  writePath?: string
  swap?: string
  objects?: string
}

const collect = (v: string, prev: string[]): string[] => [...prev, v]

function swapOption(v: string | undefined): SwapMode {
  const how = v ?? 'together'
  if (!(SWAP_MODES as readonly string[]).includes(how)) throw new AppError('VALIDATION', `--swap must be one of ${SWAP_MODES.join(', ')} (got "${how}")`)
  return how as SwapMode
}

/** `TABLE=EXPR`: split at the first `=` (the expression may hold more). */
export function splitAssignment(flag: string, v: string): [string, string] {
  const i = v.indexOf('=')
  if (i <= 0) throw new AppError('VALIDATION', `${flag} expects TABLE=VALUE, got "${v}"`)
  return [v.slice(0, i), v.slice(i + 1)]
}

/** `--max-deletes 5000` or `--max-deletes 2.5%` (the contract's own forms). */
export function maxDeletesOption(v: string | undefined): number | string {
  if (v === undefined) return '10%'
  if (/^\d{1,15}$/.test(v)) return Number(v)
  if (/^\d{1,3}(\.\d{1,2})?%$/.test(v) && Number(v.slice(0, -1)) <= 100) return v
  throw new AppError('VALIDATION', `--max-deletes expects a count or a percentage such as 10%, got ${shown(v)}`)
}

function verifyScopeOption(v: string | undefined): VerifyScope {
  const scope = v ?? 'table'
  if (!(VERIFY_SCOPES as readonly string[]).includes(scope)) throw new AppError('VALIDATION', `--verify-scope must be one of ${VERIFY_SCOPES.join(', ')} (got ${shown(scope)})`)
  return scope as VerifyScope
}

function writePathOption(o: SyncFlags): WritePathOption {
  const how = o.insert ? 'insert' : (o.writePath ?? 'auto')
  if (o.insert && o.writePath && o.writePath !== 'auto' && o.writePath !== 'insert') throw new AppError('VALIDATION', '--insert contradicts --write-path ' + o.writePath)
  if (!(WRITE_PATH_OPTIONS as readonly string[]).includes(how)) throw new AppError('VALIDATION', `--write-path must be one of ${WRITE_PATH_OPTIONS.join(', ')} (got "${how}")`)
  return how as WritePathOption
}

/** A number flag, read against the contract's own range for that option (the same limits as syncs.create). */
export function intFlag(flag: string, v: string | undefined, dflt: number, range: IntRange): number {
  if (v === undefined) return dflt
  const r = parseWholeNumber(v, range)
  if (!r.ok) throw new AppError('VALIDATION', `invalid value for ${flag}: ${r.message}`)
  return r.value
}

/** A URL from its flag, else from its variable; messages name whichever was used. */
function urlFrom(flag: string, variable: string, flagValue: string | undefined, env: NodeJS.ProcessEnv): { url: string; what: string } | undefined {
  if (flagValue !== undefined) return { url: flagValue, what: flag }
  const v = env[variable]
  return v === undefined || v === '' ? undefined : { url: v, what: variable }
}

export function endpoints(o: { source?: string; target?: string }, env: NodeJS.ProcessEnv = process.env): { source: Endpoint; target: Endpoint } {
  const s = urlFrom('--source', 'DBT_SOURCE_URL', o.source, env)
  const t = urlFrom('--target', 'DBT_TARGET_URL', o.target, env)
  if (!s || s.url === '') throw new AppError('VALIDATION', 'no source: pass --source mysql://user:pass@host:port/db or set DBT_SOURCE_URL')
  if (!t || t.url === '') throw new AppError('VALIDATION', 'no target: pass --target mysql://user:pass@host:port/db or set DBT_TARGET_URL')
  return { source: endpointFromUrl(s.url, s.what), target: endpointFromUrl(t.url, t.what) }
}

/** --target-db: a database name as the contract takes it (1 to 64 characters). */
function targetDatabase(flag: string | undefined): string | undefined {
  if (flag === undefined) return undefined
  if (flag.trim() === '' || flag.length > 64) throw new AppError('VALIDATION', `--target-db expects a database name of 1 to 64 characters, got ${shown(flag)}`)
  return flag
}

function modeName(flag: string, v: string): TableMode {
  if (!(TABLE_MODES as readonly string[]).includes(v)) throw new AppError('VALIDATION', `${flag} must be one of ${TABLE_MODES.join(', ')} (or TABLE=MODE), got ${shown(v)}`)
  return v as TableMode
}

function cursorList(flag: string, v: string): string[] {
  const cols = v.split(',').map((c) => c.trim())
  if (cols.length === 0 || cols.some((c) => c === '')) throw new AppError('VALIDATION', `${flag} expects COL or COL,COL (optionally TABLE=...), got ${shown(v)}`)
  return cols
}

/**
 * `--mode incremental` for every table, or `--mode TABLE=MODE` for one; `--cursor COL[,COL]` for every
 * incremental table, or `--cursor TABLE=COL[,COL]` for one. A per-table value wins.
 */
export function modesFromFlags(o: Pick<SyncFlags, 'mode' | 'cursor'>): {
  defaults: { mode: TableMode; cursor?: string[] }
  perTable: Map<string, { mode?: TableMode; cursor?: string[] }>
} {
  const perTable = new Map<string, { mode?: TableMode; cursor?: string[] }>()
  const defaults: { mode: TableMode; cursor?: string[] } = { mode: 'full' }
  const at = (t: string): { mode?: TableMode; cursor?: string[] } => perTable.get(t) ?? perTable.set(t, {}).get(t)!
  for (const m of o.mode) {
    if (m.includes('=')) {
      const [t, v] = splitAssignment('--mode', m)
      at(t).mode = modeName('--mode', v)
    } else defaults.mode = modeName('--mode', m)
  }
  for (const c of o.cursor) {
    if (c.includes('=')) {
      const [t, v] = splitAssignment('--cursor', c)
      at(t).cursor = cursorList('--cursor', v)
    } else defaults.cursor = cursorList('--cursor', c)
  }
  return { defaults, perTable }
}

export function selectionFromFlags(o: Pick<SyncFlags, 'tables' | 'all' | 'where' | 'excludeColumns'> & Partial<Pick<SyncFlags, 'mode' | 'cursor'>>): TableSelection {
  if (!o.tables === !o.all) throw new AppError('VALIDATION', 'pass either --tables a,b or --all')
  const modes = modesFromFlags({ mode: o.mode ?? [], cursor: o.cursor ?? [] })
  const where = new Map(o.where.map((w) => splitAssignment('--where', w)))
  const exclude = new Map(
    o.excludeColumns.map((e) => {
      const [t, cols] = splitAssignment('--exclude-columns', e)
      const list = cols.split(',').map((c) => c.trim()).filter(Boolean)
      if (list.length === 0) throw new AppError('VALIDATION', `--exclude-columns ${t}= names no column`)
      return [t, list] as const
    })
  )
  const names = o.all ? [...new Set([...where.keys(), ...exclude.keys(), ...modes.perTable.keys()])] : o.tables!.split(',').map((t) => t.trim()).filter(Boolean)
  if (!o.all && names.length === 0) throw new AppError('VALIDATION', `--tables names no table, got ${shown(o.tables!)}`)
  const tables = names.map((name) => {
    const [source, target] = name.includes(':') ? name.split(':', 2) as [string, string] : [name, undefined]
    if (source === '' || target === '') throw new AppError('VALIDATION', `--tables: "${name}" has an empty table name; write source or source:target`)
    const own = modes.perTable.get(source) ?? {}
    const mode = own.mode ?? modes.defaults.mode
    const cursor = mode === 'incremental' ? (own.cursor ?? modes.defaults.cursor) : undefined
    if (mode === 'incremental' && !cursor) throw new AppError('VALIDATION', `${source} is incremental but has no cursor: pass --cursor ${source}=COLUMN (or --cursor COLUMN for every table)`)
    if (mode !== 'incremental' && own.cursor) throw new AppError('VALIDATION', `--cursor ${source}=... is only used by mode incremental`)
    return { source, target, where: where.get(source), excludeColumns: exclude.get(source), mode, ...(cursor ? { cursor } : {}) }
  })
  for (const t of modes.perTable.keys()) {
    if (!names.includes(t)) throw new AppError('VALIDATION', `--mode or --cursor names ${t}, which --tables does not list`)
  }
  const defaults = modes.defaults.mode === 'incremental' ? { mode: modes.defaults.mode, cursor: modes.defaults.cursor } : undefined
  if (o.all && defaults && !defaults.cursor) throw new AppError('VALIDATION', '--all --mode incremental needs a cursor for every table: pass --cursor COLUMN')
  return o.all ? { allTables: {}, tables, ...(defaults ? { defaults } : {}) } : { tables }
}

function exitFor(err: unknown): number {
  if (err instanceof AppError) {
    if (err.code === 'VALIDATION') return EXIT.USAGE
    if (CONNECT_FAILURE_CODES.has(err.code) || err.code === 'TABLE_NOT_FOUND' || err.code === 'READ_ONLY_TARGET' || err.code === 'SAME_TABLE') {
      return EXIT.CANNOT_CONNECT
    }
  }
  return EXIT.FAILED
}

export function tableJson(t: TableResult): Record<string, unknown> {
  const { startedAt: _s, finishedAt: _f, ...rest } = t
  const seconds = (t.durationMs ?? 0) / 1000
  return { ...rest, durationMs: t.durationMs ?? 0, rowsPerSecond: seconds > 0 ? Math.round(t.rowsWritten / seconds) : 0 }
}

/** `--dry-run`: per table what the run would do, what its preflight would refuse, and what earlier runs left. */
export function formatPlan(plan: RunPlan, targetDb: string): string {
  const lines = plan.tables.map((p) => `${p.action.padEnd(8)} ${p.source} -> ${targetDb}.${p.target} (~${p.rowsEstimated} rows)${p.notes.length ? ' ' + p.notes.join('; ') : ''}`)
  for (const p of plan.problems) lines.push(`problem  ${p.table ? `${p.table}: ` : ''}${p.code}: ${p.message}`)
  for (const n of plan.notes) lines.push(`note     ${n}`)
  for (const l of describeLeftovers(plan.leftovers)) lines.push(`leftover ${l}`)
  if (plan.tables.length > 1) lines.push(plan.swap === 'together' ? 'tables switch in together at the end (swap: together)' : 'each table switches in when it is ready (swap: each)')
  lines.push(plan.problems.length ? `the run would stop before writing: ${plan.problems.length} problem(s)` : 'the run would start')
  return lines.join('\n') + '\n'
}

/** `--dry-run` of diff and incremental tables: the counts, and a few of the rows. */
export function formatPreview(tables: SyncPreviewTable[]): string {
  const lines: string[] = []
  for (const t of tables) {
    lines.push(`preview  ${t.source}: ${t.inserts} insert(s), ${t.updates} update(s), ${t.deletes} delete(s)${t.exact ? '' : ' (estimated)'}`)
    for (const r of t.samples.updates.slice(0, 5)) {
      lines.push(`           update ${JSON.stringify(r.key)}: ${(r.changes ?? []).map((c) => `${c.column} ${JSON.stringify(c.old)} -> ${JSON.stringify(c.new)}`).join(', ')}`)
    }
    for (const r of t.samples.inserts.slice(0, 3)) lines.push(`           insert ${JSON.stringify(r.key)}`)
    for (const r of t.samples.deletes.slice(0, 3)) lines.push(`           delete ${JSON.stringify(r.key)}`)
    for (const n of t.notes) lines.push(`           ${n}`)
  }
  return lines.length ? lines.join('\n') + '\n' : ''
}

function formatSummary(s: RunSummary): string {
  const lines = s.tables.map((t) => {
    const v = t.verified === true ? 'verified' : t.verified === false ? 'NOT IDENTICAL' : 'not verified'
    const err = t.error ? `  ${t.error.code}: ${t.error.message}` : ''
    const incremental =
      t.mode === 'incremental' && t.watermark?.before
        ? ` (${t.inserted} inserted, ${t.updated} updated${t.repaired ? `, ${t.repaired} repaired` : ''}; watermark ${t.watermark.after?.join(', ') ?? '-'})`
        : t.mode === 'diff' && t.status === 'done'
          ? ` (${t.inserted} inserted, ${t.updated} updated, ${t.deleted} deleted)`
          : ''
    return `${t.status.padEnd(8)} ${t.source} -> ${t.target}: ${t.rowsWritten} rows${incremental}, ${(t.bytes / 1e6).toFixed(1)} MB, ${((t.durationMs ?? 0) / 1000).toFixed(2)} s, ${v}${t.keyless ? ' (no key)' : ''}${err}`
  })
  for (const o of s.objects ?? []) {
    if (o.status !== 'created') lines.push(`${o.status.padEnd(8)} ${o.kind} ${o.name}${o.error ? `  ${o.error.message}` : ''}`)
  }
  const created = (s.objects ?? []).filter((o) => o.status === 'created').length
  if (created) lines.push(`created ${created} view(s), trigger(s) and routine(s)`)
  lines.push(`${s.status} in ${(s.durationMs / 1000).toFixed(2)} s (${s.writePath ?? '-'}, consistency ${s.consistency ?? '-'})`)
  return lines.join('\n')
}

export interface SyncCommandDeps {
  /** Adds --config, --data-dir, --log-level, --log-format. */
  withCommon: (cmd: Command) => Command
  layersFrom: (opts: Record<string, unknown>) => Promise<ConfigLayers>
  setExit: (code: number) => void
}

export function registerSyncCommands(program: Command, deps: SyncCommandDeps): void {
  const { setExit } = deps
  deps
    .withCommon(program.command('sync'))
    .description('Copy tables from a source to a target server, then verify them.')
    .option('--source <url>', 'mysql://user:pass@host:port/db (or DBT_SOURCE_URL)')
    .option('--target <url>', 'mysql://user:pass@host:port/db (or DBT_TARGET_URL)')
    .option('--tables <list>', 'tables to copy, comma-separated; source:target renames')
    .option('--all', 'every table of the source database')
    .option('--target-db <name>', 'target database (wins over the target URL)')
    .option('--where <table=expr>', 'copy only matching rows (repeatable); diff: target rows outside it are deleted', collect, [])
    .option('--exclude-columns <table=c1,c2>', 'leave columns out (repeatable)', collect, [])
    .option('--mode <mode>', `${TABLE_MODES.join(' or ')}; TABLE=MODE for one table (repeatable)`, collect, [])
    .option('--cursor <cols>', 'incremental: the cursor column(s), COL[,COL]; TABLE=COL[,COL] for one table (repeatable)', collect, [])
    .option('--reset-watermark', "incremental: forget the tables' watermarks and copy them whole first")
    .option('--max-deletes <n|p%>', 'diff: the most rows a table may lose, a count or a percentage of the target table (default 10%)')
    .option('--allow-deletes', 'diff: no delete guard for this run')
    .option('--on-exists <what>', 'replace, truncate, append or fail', 'replace')
    .option('--recreate-on-mismatch', 'a target table whose definition differs is copied whole again (truncate, append, incremental)')
    .option('--parallel <n>', `parallel readers and writers (${PARALLELISM_RANGE.min} to ${PARALLELISM_RANGE.max})`, String(DEFAULT_RUN_OPTIONS.parallelism))
    .option('--chunk-rows <n>', `rows per chunk (${CHUNK_ROWS_RANGE.min} to ${CHUNK_ROWS_RANGE.max})`, String(DEFAULT_RUN_OPTIONS.chunkRows))
    .option('--objects <list>', 'also copy views,triggers,routines')
    .option('--no-verify', 'skip the checksum verification')
    .option('--verify-scope <scope>', `incremental: what is verified, ${VERIFY_SCOPES.join(' (default) or ')} (only the rows the run read)`)
    .option('--write-path <how>', `how rows are written: ${WRITE_PATH_OPTIONS.join(', ')}`, 'auto')
    .option('--insert', 'the same as --write-path insert')
    .option('--swap <when>', `when replaced tables are switched in: ${SWAP_MODES.join(' (default), ')}`, 'together')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--json', 'print one JSON summary on stdout')
    .action(async (o: SyncFlags & Record<string, unknown>) => {
      capYoungGeneration()
      setExit(await runSyncCommand(o, () => deps.layersFrom(o)))
    })

  program
    .command('verify')
    .description('Compare tables of a source and a target by chunk checksums (exit 0 identical, 1 different).')
    .option('--source <url>', 'mysql://user:pass@host:port/db (or DBT_SOURCE_URL)')
    .option('--target <url>', 'mysql://user:pass@host:port/db (or DBT_TARGET_URL)')
    .option('--tables <list>', 'tables, comma-separated; source:target when renamed')
    .option('--all', 'every table of the source database')
    .option('--target-db <name>', 'target database (wins over the target URL)')
    .option('--where <table=expr>', 'compare only matching source rows (repeatable)', collect, [])
    .option('--exclude-columns <table=c1,c2>', 'leave columns out of the comparison (repeatable)', collect, [])
    .option('--parallel <n>', `parallel checksum queries per side (${PARALLELISM_RANGE.min} to ${PARALLELISM_RANGE.max})`, String(DEFAULT_RUN_OPTIONS.parallelism))
    .option('--chunk-rows <n>', `rows per chunk (${CHUNK_ROWS_RANGE.min} to ${CHUNK_ROWS_RANGE.max})`, String(DEFAULT_RUN_OPTIONS.chunkRows))
    .option('--json', 'print JSON')
    .action(async (o: SyncFlags) => {
      capYoungGeneration()
      setExit(await runVerifyCommand(o))
    })
}

async function runSyncCommand(o: SyncFlags, layers: () => Promise<ConfigLayers>): Promise<number> {
  const redactor = new Redactor()
  const ac = new AbortController()
  const signals = cancelOnSignals((signal) => ac.abort(new AppError('CANCELLED', `Interrupted by ${signal}.`)))
  let marks: CliWatermarks | null = null
  try {
    if (!['replace', 'truncate', 'append', 'fail'].includes(o.onExists)) {
      throw new AppError('VALIDATION', `--on-exists must be replace, truncate, append or fail, got "${o.onExists}"`)
    }
    const { source, target } = endpoints(o)
    for (const ep of [source, target]) if (typeof ep.options.password === 'string') redactor.addSecret(ep.options.password)
    const sourceDb = source.database
    if (!sourceDb) throw new AppError('VALIDATION', 'the source URL must name the database: mysql://user@host:port/DB')
    const targetDb = targetDatabase(o.targetDb) ?? target.database ?? sourceDb
    const objects = new Set((o.objects ?? '').split(',').map((s) => s.trim()).filter(Boolean))
    for (const x of objects) if (!['views', 'triggers', 'routines'].includes(x)) throw new AppError('VALIDATION', `--objects: unknown kind "${x}"`)
    const options: RunOptions = {
      ...DEFAULT_RUN_OPTIONS,
      parallelism: intFlag('--parallel', o.parallel, DEFAULT_RUN_OPTIONS.parallelism, PARALLELISM_RANGE),
      chunkRows: intFlag('--chunk-rows', o.chunkRows, DEFAULT_RUN_OPTIONS.chunkRows, CHUNK_ROWS_RANGE),
      onExists: o.onExists as OnExists,
      recreateOnMismatch: o.recreateOnMismatch === true,
      verifyScope: verifyScopeOption(o.verifyScope),
      maxDeletes: maxDeletesOption(o.maxDeletes),
      allowDeletes: o.allowDeletes === true,
      verify: o.verify,
      writePath: writePathOption(o),
      swap: swapOption(o.swap),
      objects: { views: objects.has('views'), triggers: objects.has('triggers'), routines: objects.has('routines') }
    }
    const selection = selectionFromFlags(o)
    const sourceMeta = await openSession(source, 'meta')
    let tasks
    try {
      tasks = await resolveTasks(sourceMeta, sourceDb, selection)
      if (tasks.some((t) => t.mode === 'incremental')) {
        const { openCliWatermarks } = await import('./cli-watermarks')
        marks = openCliWatermarks(await layers())
        options.lagSeconds = marks.lagSeconds
        if (o.resetWatermark) {
          const ids = { sourceServer: await serverIdentity(sourceMeta), targetServer: await identityOf(target) }
          for (const t of tasks) {
            if (t.mode === 'incremental') marks.store.reset({ ...ids, sourceDatabase: sourceDb, targetDatabase: targetDb, source: t.source, target: t.target })
          }
        }
      } else if (o.resetWatermark) throw new AppError('VALIDATION', '--reset-watermark is for incremental tables; none of the run is')
      if (o.dryRun) {
        // A write session, as the run's: the preflight tries each definition as a TEMPORARY table
        // under the run's session settings (visible to no one, gone with the session).
        const targetMeta = await openSession(target, 'write')
        try {
          await sourceMeta.query('SET SESSION TRANSACTION READ ONLY')
          const plan = await planRun(sourceMeta, targetMeta, sourceDb, targetDb, tasks, options, undefined, marks?.store)
          // Diff and incremental tables: what the run would insert, update and delete, counted now.
          const keeping = tasks.filter((t) => t.mode !== 'full')
          const preview = keeping.length
            ? await previewRun({ source, target, sourceDatabase: sourceDb, targetDatabase: targetDb, tables: keeping, options, watermarks: marks?.store, signal: ac.signal })
            : []
          process.stdout.write(
            o.json
              ? JSON.stringify(
                  {
                    source: source.label,
                    target: target.label,
                    sourceDatabase: sourceDb,
                    targetDatabase: targetDb,
                    swap: plan.swap,
                    tables: plan.tables,
                    problems: plan.problems,
                    notes: plan.notes,
                    leftovers: plan.leftovers,
                    ...(preview.length ? { preview } : {})
                  },
                  null,
                  2
                ) + '\n'
              : formatPlan(plan, targetDb) + formatPreview(preview)
          )
          if (ac.signal.aborted) return signals.exitCode()
          // The run would refuse to start: say so in the exit code too, for scripts.
          return plan.problems.length ? EXIT.FAILED : EXIT.OK
        } finally {
          await targetMeta.end().catch(() => undefined)
        }
      }
    } finally {
      await sourceMeta.end().catch(() => undefined)
    }
    const bar = process.stderr.isTTY && !o.json ? new ProgressBar(process.stderr) : null
    const summary = await runFullCopy(
      { source, target, sourceDatabase: sourceDb, targetDatabase: targetDb, tables: tasks, options },
      {
        signal: ac.signal,
        ...(marks ? { watermarks: marks.store } : {}),
        log: (level, message, table) => {
          if (level === 'debug') return
          bar?.clear()
          // The URLs' passwords never reach stderr, whatever a message carries (second net).
          process.stderr.write(redactor.text(`${level}: ${table ? `${table}: ` : ''}${message}`) + '\n')
        },
        progress: (t) => bar?.update(t)
      }
    )
    bar?.done()
    if (o.json) {
      process.stdout.write(
        JSON.stringify(redactor.value({
          status: summary.status,
          durationMs: summary.durationMs,
          consistency: summary.consistency,
          writePath: summary.writePath,
          swap: summary.swap,
          ...(summary.cleared?.length ? { cleared: summary.cleared } : {}),
          ...(summary.leftovers?.length ? { leftovers: summary.leftovers } : {}),
          error: summary.error,
          tables: summary.tables.map(tableJson),
          ...(summary.objects ? { objects: summary.objects } : {})
        })) + '\n'
      )
    } else {
      process.stdout.write(redactor.text(formatSummary(summary)) + '\n')
    }
    if (summary.status === 'cancelled') return signals.exitCode()
    return summary.status === 'succeeded' ? EXIT.OK : EXIT.FAILED
  } catch (err) {
    if (ac.signal.aborted) return signals.exitCode()
    process.stderr.write(redactor.text(`db-taxi: ${err instanceof AppError ? `${err.code}: ` : ''}${(err as Error).message}`) + '\n')
    // A script reading --json gets an answer on stdout too (the run was refused before it started).
    if (o.json) {
      const body = err instanceof AppError ? err.toBody() : { code: 'COPY_FAILED', message: (err as Error).message }
      process.stdout.write(JSON.stringify(redactor.value({ status: 'failed', error: body, tables: [] })) + '\n')
    }
    return exitFor(err)
  } finally {
    marks?.close()
    signals.dispose()
  }
}

/** The target server's identity (watermarks are kept per server pair). */
async function identityOf(ep: Endpoint): Promise<string> {
  const c = await openSession(ep, 'meta')
  try {
    return await serverIdentity(c)
  } finally {
    await c.end().catch(() => c.destroy())
  }
}

async function runVerifyCommand(o: SyncFlags): Promise<number> {
  const ac = new AbortController()
  const signals = cancelOnSignals((signal) => ac.abort(new AppError('CANCELLED', `Interrupted by ${signal}.`)))
  try {
    const { source, target } = endpoints(o)
    const sourceDb = source.database
    if (!sourceDb) throw new AppError('VALIDATION', 'the source URL must name the database: mysql://user@host:port/DB')
    const targetDb = targetDatabase(o.targetDb) ?? target.database ?? sourceDb
    const report = await verifyTables({
      source,
      target,
      sourceDatabase: sourceDb,
      targetDatabase: targetDb,
      selection: selectionFromFlags(o),
      parallelism: intFlag('--parallel', o.parallel, DEFAULT_RUN_OPTIONS.parallelism, PARALLELISM_RANGE),
      chunkRows: intFlag('--chunk-rows', o.chunkRows, DEFAULT_RUN_OPTIONS.chunkRows, CHUNK_ROWS_RANGE),
      signal: ac.signal
    })
    if (o.json) process.stdout.write(JSON.stringify(report) + '\n')
    else {
      for (const t of report.tables) {
        const what = t.identical ? 'identical' : t.error ? `${t.error.code}: ${t.error.message}` : `DIFFERENT (first difference: ${JSON.stringify(t.firstDifference)})`
        const rows = t.sourceRows === null ? 'CHECKSUM TABLE equal' : `${t.sourceRows} / ${t.targetRows} rows`
        process.stdout.write(`${t.source} -> ${t.target}: ${rows}, ${what}\n`)
      }
      process.stdout.write(`${report.identical ? 'identical' : 'different'} in ${(report.durationMs / 1000).toFixed(2)} s\n`)
    }
    if (report.tables.some((t) => t.error && CONNECT_FAILURE_CODES.has(t.error.code))) return EXIT.CANNOT_CONNECT
    return report.identical ? EXIT.OK : EXIT.FAILED
  } catch (err) {
    if (ac.signal.aborted) return signals.exitCode()
    process.stderr.write(`db-taxi: ${err instanceof AppError ? `${err.code}: ` : ''}${(err as Error).message}\n`)
    return exitFor(err)
  } finally {
    signals.dispose()
  }
}
