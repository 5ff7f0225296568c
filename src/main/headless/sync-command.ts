import type { Command } from 'commander'
import { AppError } from '../../shared/errors'
import { CONNECT_FAILURE_CODES } from '../sync/connections/error-map'
import { endpointFromUrl, openSession, type Endpoint } from '../sync/engine/endpoint'
import { planTables, resolveTasks, type TableSelection } from '../sync/engine/plan'
import { runFullCopy, type RunSummary } from '../sync/engine/run'
import { verifyTables } from '../sync/engine/verify-run'
import { DEFAULT_RUN_OPTIONS, WRITE_PATH_OPTIONS, type OnExists, type RunOptions, type TableResult, type WritePathOption } from '../sync/engine/types'
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
  mode: string
  onExists: string
  parallel?: string
  chunkRows?: string
  verify: boolean
  dryRun?: boolean
  json?: boolean
  insert?: boolean
  writePath?: string
  objects?: string
}

const collect = (v: string, prev: string[]): string[] => [...prev, v]

/** `TABLE=EXPR`: split at the first `=` (the expression may hold more). */
export function splitAssignment(flag: string, v: string): [string, string] {
  const i = v.indexOf('=')
  if (i <= 0) throw new AppError('VALIDATION', `${flag} expects TABLE=VALUE, got "${v}"`)
  return [v.slice(0, i), v.slice(i + 1)]
}

function writePathOption(o: SyncFlags): WritePathOption {
  const how = o.insert ? 'insert' : (o.writePath ?? 'auto')
  if (o.insert && o.writePath && o.writePath !== 'auto' && o.writePath !== 'insert') throw new AppError('VALIDATION', '--insert contradicts --write-path ' + o.writePath)
  if (!(WRITE_PATH_OPTIONS as readonly string[]).includes(how)) throw new AppError('VALIDATION', `--write-path must be one of ${WRITE_PATH_OPTIONS.join(', ')} (got "${how}")`)
  return how as WritePathOption
}

function positiveInt(flag: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new AppError('VALIDATION', `${flag} expects a whole number of at least 1, got "${v}"`)
  return Number(v)
}

export function endpoints(o: { source?: string; target?: string }): { source: Endpoint; target: Endpoint } {
  const s = o.source ?? process.env.DBT_SOURCE_URL
  const t = o.target ?? process.env.DBT_TARGET_URL
  if (!s) throw new AppError('VALIDATION', 'no source: pass --source mysql://user:pass@host:port/db or set DBT_SOURCE_URL')
  if (!t) throw new AppError('VALIDATION', 'no target: pass --target mysql://user:pass@host:port/db or set DBT_TARGET_URL')
  return { source: endpointFromUrl(s, '--source'), target: endpointFromUrl(t, '--target') }
}

export function selectionFromFlags(o: Pick<SyncFlags, 'tables' | 'all' | 'where' | 'excludeColumns'>): TableSelection {
  if (!o.tables === !o.all) throw new AppError('VALIDATION', 'pass either --tables a,b or --all')
  const where = new Map(o.where.map((w) => splitAssignment('--where', w)))
  const exclude = new Map(
    o.excludeColumns.map((e) => {
      const [t, cols] = splitAssignment('--exclude-columns', e)
      return [t, cols.split(',').map((c) => c.trim()).filter(Boolean)] as const
    })
  )
  const names = o.all ? [...new Set([...where.keys(), ...exclude.keys()])] : o.tables!.split(',').map((t) => t.trim()).filter(Boolean)
  const tables = names.map((name) => {
    const [source, target] = name.includes(':') ? name.split(':', 2) as [string, string] : [name, undefined]
    return { source, target, where: where.get(source), excludeColumns: exclude.get(source) }
  })
  return o.all ? { allTables: {}, tables } : { tables }
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

function formatSummary(s: RunSummary): string {
  const lines = s.tables.map((t) => {
    const v = t.verified === true ? 'verified' : t.verified === false ? 'NOT IDENTICAL' : 'not verified'
    const err = t.error ? `  ${t.error.code}: ${t.error.message}` : ''
    return `${t.status.padEnd(8)} ${t.source} -> ${t.target}: ${t.rowsWritten} rows, ${(t.bytes / 1e6).toFixed(1)} MB, ${((t.durationMs ?? 0) / 1000).toFixed(2)} s, ${v}${t.keyless ? ' (no key)' : ''}${err}`
  })
  for (const o of s.objects ?? []) {
    if (o.status !== 'created') lines.push(`${o.status.padEnd(8)} ${o.kind} ${o.name}${o.error ? `  ${o.error.message}` : ''}`)
  }
  const created = (s.objects ?? []).filter((o) => o.status === 'created').length
  if (created) lines.push(`created ${created} view(s), trigger(s) and routine(s)`)
  lines.push(`${s.status} in ${(s.durationMs / 1000).toFixed(2)} s (${s.writePath ?? '-'}, consistency ${s.consistency ?? '-'})`)
  return lines.join('\n')
}

export function registerSyncCommands(program: Command, setExit: (code: number) => void): void {
  program
    .command('sync')
    .description('Copy tables from a source to a target server, then verify them.')
    .option('--source <url>', 'mysql://user:pass@host:port/db (or DBT_SOURCE_URL)')
    .option('--target <url>', 'mysql://user:pass@host:port/db (or DBT_TARGET_URL)')
    .option('--tables <list>', 'tables to copy, comma-separated; source:target renames')
    .option('--all', 'every table of the source database')
    .option('--target-db <name>', 'target database (wins over the target URL)')
    .option('--where <table=expr>', 'copy only matching rows (repeatable)', collect, [])
    .option('--exclude-columns <table=c1,c2>', 'leave columns out (repeatable)', collect, [])
    .option('--mode <mode>', 'full', 'full')
    .option('--on-exists <what>', 'replace, truncate, append or fail', 'replace')
    .option('--parallel <n>', 'parallel readers and writers', String(DEFAULT_RUN_OPTIONS.parallelism))
    .option('--chunk-rows <n>', 'rows per chunk', String(DEFAULT_RUN_OPTIONS.chunkRows))
    .option('--objects <list>', 'also copy views,triggers,routines')
    .option('--no-verify', 'skip the checksum verification')
    .option('--write-path <how>', `how rows are written: ${WRITE_PATH_OPTIONS.join(', ')}`, 'auto')
    .option('--insert', 'the same as --write-path insert')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--json', 'print one JSON summary on stdout')
    .action(async (o: SyncFlags) => {
      capYoungGeneration()
      setExit(await runSyncCommand(o))
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
    .option('--parallel <n>', 'parallel checksum queries per side', String(DEFAULT_RUN_OPTIONS.parallelism))
    .option('--chunk-rows <n>', 'rows per chunk', String(DEFAULT_RUN_OPTIONS.chunkRows))
    .option('--json', 'print JSON')
    .action(async (o: SyncFlags) => {
      capYoungGeneration()
      setExit(await runVerifyCommand(o))
    })
}

async function runSyncCommand(o: SyncFlags): Promise<number> {
  const ac = new AbortController()
  const onSigint = (): void => ac.abort(new AppError('CANCELLED', 'Interrupted.'))
  process.once('SIGINT', onSigint)
  try {
    if (o.mode !== 'full') throw new AppError('VALIDATION', `--mode ${o.mode} is not available yet; use full`)
    if (!['replace', 'truncate', 'append', 'fail'].includes(o.onExists)) {
      throw new AppError('VALIDATION', `--on-exists must be replace, truncate, append or fail, got "${o.onExists}"`)
    }
    const { source, target } = endpoints(o)
    const sourceDb = source.database
    if (!sourceDb) throw new AppError('VALIDATION', 'the source URL must name the database: mysql://user@host:port/DB')
    const targetDb = o.targetDb ?? target.database ?? sourceDb
    const objects = new Set((o.objects ?? '').split(',').map((s) => s.trim()).filter(Boolean))
    for (const x of objects) if (!['views', 'triggers', 'routines'].includes(x)) throw new AppError('VALIDATION', `--objects: unknown kind "${x}"`)
    const options: RunOptions = {
      ...DEFAULT_RUN_OPTIONS,
      parallelism: positiveInt('--parallel', o.parallel, DEFAULT_RUN_OPTIONS.parallelism),
      chunkRows: positiveInt('--chunk-rows', o.chunkRows, DEFAULT_RUN_OPTIONS.chunkRows),
      onExists: o.onExists as OnExists,
      verify: o.verify,
      writePath: writePathOption(o),
      objects: { views: objects.has('views'), triggers: objects.has('triggers'), routines: objects.has('routines') }
    }
    const selection = selectionFromFlags(o)
    const sourceMeta = await openSession(source, 'meta')
    let tasks
    try {
      tasks = await resolveTasks(sourceMeta, sourceDb, selection)
      if (o.dryRun) {
        const targetMeta = await openSession(target, 'meta')
        try {
          const plan = await planTables(sourceMeta, targetMeta, sourceDb, targetDb, tasks, options.onExists)
          process.stdout.write(
            o.json
              ? JSON.stringify({ source: source.label, target: target.label, sourceDatabase: sourceDb, targetDatabase: targetDb, tables: plan }, null, 2) + '\n'
              : plan.map((p) => `${p.action.padEnd(8)} ${p.source} -> ${targetDb}.${p.target} (~${p.rowsEstimated} rows)${p.notes.length ? ' ' + p.notes.join('; ') : ''}`).join('\n') + '\n'
          )
          return EXIT.OK
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
        log: (level, message, table) => {
          if (level === 'debug') return
          bar?.clear()
          process.stderr.write(`${level}: ${table ? `${table}: ` : ''}${message}\n`)
        },
        progress: (t) => bar?.update(t)
      }
    )
    bar?.done()
    if (o.json) {
      process.stdout.write(
        JSON.stringify({
          status: summary.status,
          durationMs: summary.durationMs,
          consistency: summary.consistency,
          writePath: summary.writePath,
          error: summary.error,
          tables: summary.tables.map(tableJson),
          ...(summary.objects ? { objects: summary.objects } : {})
        }) + '\n'
      )
    } else {
      process.stdout.write(formatSummary(summary) + '\n')
    }
    if (summary.status === 'cancelled') return EXIT.INTERRUPTED
    return summary.status === 'succeeded' ? EXIT.OK : EXIT.FAILED
  } catch (err) {
    if (ac.signal.aborted) return EXIT.INTERRUPTED
    process.stderr.write(`db-taxi: ${err instanceof AppError ? `${err.code}: ` : ''}${(err as Error).message}\n`)
    return exitFor(err)
  } finally {
    process.off('SIGINT', onSigint)
  }
}

async function runVerifyCommand(o: SyncFlags): Promise<number> {
  try {
    const { source, target } = endpoints(o)
    const sourceDb = source.database
    if (!sourceDb) throw new AppError('VALIDATION', 'the source URL must name the database: mysql://user@host:port/DB')
    const targetDb = o.targetDb ?? target.database ?? sourceDb
    const report = await verifyTables({
      source,
      target,
      sourceDatabase: sourceDb,
      targetDatabase: targetDb,
      selection: selectionFromFlags(o),
      parallelism: positiveInt('--parallel', o.parallel, DEFAULT_RUN_OPTIONS.parallelism),
      chunkRows: positiveInt('--chunk-rows', o.chunkRows, DEFAULT_RUN_OPTIONS.chunkRows)
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
    process.stderr.write(`db-taxi: ${err instanceof AppError ? `${err.code}: ` : ''}${(err as Error).message}\n`)
    return exitFor(err)
  }
}
