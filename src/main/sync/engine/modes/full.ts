import { createHash } from 'node:crypto'
import type { Connection, ResultSetHeader, RowDataPacket } from 'mysql2/promise'
import { AppError, type ErrorBody } from '../../../../shared/errors'
import { quoteIdent, quoteQualified } from '../../mysql/identifiers'
import { keyFromJson, keyToJson, orderBy, planChunks, rangePredicate, rangesPartitionExactly, type ChunkRange, type KeyTuple } from '../read/chunks'
import { buildLoadDdl, diffCreate, parseCreateTable, renderCreate, type LoadDdl } from '../schema/ddl'
import type { SqlDialect } from '../read/encoding'
import { readTableInfo, tableExists, type ColumnInfo, type TableInfo } from '../schema/table-info'
import type { ReaderGroup } from '../session/snapshot'
import { chunkSum, earlier, firstDifference, tableCount, type FirstDifference } from '../compare/verify'
import { raceAbort, transferRows, type WriterPool, type WriterSlot } from '../write/transfer'
import { acquire } from '../table-sessions'
import { isConnectionLoss, isTransientError } from '../session/transient'
import { executeSwap, planSwap, taggedName, type SwapPair } from '../swap'
import { renameForeignKeys } from '../schema/constraint-names'
import { pendingResult, type OnExists, type RunHooks, type RunOptions, type TableCheckpoint, type TableResult, type TableTask } from '../types'

/**
 * Copies one table: prepare the target (shadow table for `replace`), stream chunks from source
 * readers to target writers in parallel, build deferred indexes, verify against the source's
 * snapshot, then swap the shadow in atomically. Foreign keys are returned for the run to add once
 * every table is loaded.
 */

export type { WriterPool, WriterSlot } from '../write/transfer'
export { raceAbort }

/** Target sessions for long DDL, so one table's index build does not hold up the shared metadata session. */
export interface DdlSessions {
  /** Runs `fn` on a session of its own; refuses once `signal` has aborted, also after waiting for the session. */
  run<T>(fn: (conn: Connection) => Promise<T>, signal?: AbortSignal): Promise<T>
}

export interface TableContext {
  sourceDb: string
  targetDb: string
  sourceMeta: Connection
  targetMeta: Connection
  /**
   * Where deferred indexes are built: on a session of their own, so while one table builds its
   * indexes (single-threaded on the server, seconds for millions of rows) the other tables of the
   * run go on creating, loading and swapping on targetMeta.
   */
  ddl: DdlSessions
  readers: ReaderGroup
  writers: WriterPool
  options: RunOptions
  hooks: RunHooks
  /** Short id of the run, used in shadow table names. */
  runTag: string
  /** The source server's SQL dialect (how rows are rendered). */
  dialect: SqlDialect
  /** Rejects when the run can no longer prove it is alive (its run lock, run-tag.ts): asked before every swap. */
  assertAlive(): Promise<void>
}

export interface TableOutcome {
  result: TableResult
  /** `ADD CONSTRAINT ... FOREIGN KEY` clauses to run after all tables are loaded. */
  foreignKeys: string[]
  /**
   * With `swap: together`, a loaded and verified table waiting (status `ready`) to be switched in
   * with the others of the run, in one RENAME at the end (run.ts).
   */
  pendingSwap?: SwapPair
}

class SkipTable extends Error {}

function isDuplicateKey(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code
  return code === 'ER_DUP_ENTRY' || code === 'ER_DUP_KEY' || code === 'ER_DUP_UNIQUE'
}

function settle<T>(p: Promise<T>): Promise<PromiseSettledResult<T>> {
  return p.then(
    (value) => ({ status: 'fulfilled', value }),
    (reason: unknown) => ({ status: 'rejected', reason })
  )
}

/**
 * `_dbt_new_<run>_<table>`: recognisable, and unique per table even when names are long (a name
 * that does not fit is cut and given a hash of the whole name, so two long names that share their
 * first characters never share a shadow table).
 */
export function shadowName(kind: 'new' | 'old', runTag: string, table: string): string {
  return taggedName(kind, runTag, table)
}

export async function copyTable(task: TableTask, ctx: TableContext): Promise<TableOutcome> {
  const { options, hooks } = ctx
  const log = (level: 'error' | 'warn' | 'info' | 'debug', msg: string): void => hooks.log?.(level, msg, task.source)
  const result: TableResult = { ...pendingResult(task), startedAt: Date.now() }
  const progress = (): void => hooks.progress?.({ ...result, notes: [...result.notes] })
  const store = hooks.checkpoints
  let checkpoint: TableCheckpoint | null = store?.load(task.source) ?? null
  const saveCheckpoint = (patch: Partial<TableCheckpoint>): void => {
    if (!store || !checkpoint) return
    checkpoint = { ...checkpoint, ...patch, notes: [...result.notes] }
    store.save(task.source, checkpoint)
  }
  let loadTable: string | null = null
  let createdShadow = false
  let foreignKeys: string[] = []
  try {
    hooks.signal?.throwIfAborted()
    const info = await readTableInfo(ctx.sourceMeta, ctx.sourceDb, task.source)
    if (info.type === 'VIEW') throw new SkipTable('views are copied as objects (options.objects.views), not as data')
    if (info.type === 'SEQUENCE') throw new SkipTable('sequences are not copied yet')
    result.rowsEstimated = info.rowsEstimate
    result.keyless = info.key === null
    const columns = selectColumns(info, task)
    const ddl = buildLoadDdl(info.createSql, task.target, {
      engine: info.engine,
      excludeColumns: task.excludeColumns,
      chunkKey: info.key?.name ?? null
    })
    // Constraint names are unique per database: a renamed copy gets names of its own.
    ddl.foreignKeys = renameForeignKeys(ddl.foreignKeys, task.source, task.target)

    const definition = definitionHash(info, task)
    if (checkpoint) {
      const settled = await settledCheckpoint(ctx, task, checkpoint, definition, log)
      if (settled === 'done') {
        // An earlier attempt finished this table and stopped before recording it.
        Object.assign(result, { status: 'done', rowsRead: checkpoint.rowsRead, rowsWritten: checkpoint.rowsWritten, inserted: checkpoint.rowsWritten, bytes: checkpoint.bytes })
        result.notes = [...checkpoint.notes]
        result.chunks = checkpoint.chunks
        foreignKeys = checkpoint.createdByJob ? ddl.foreignKeys : []
        saveCheckpoint({ stage: 'done', foreignKeys })
        return { result, foreignKeys }
      }
      if (settled === 'restart') {
        store?.save(task.source, null)
        checkpoint = null
      }
    }

    let prepared: PreparedTarget
    if (checkpoint) {
      // ---- resume: the target was prepared by an earlier attempt ----
      result.notes = [...checkpoint.notes]
      prepared = {
        loadTable: checkpoint.loadTable,
        created: checkpoint.createdByJob,
        mode: checkpoint.mode,
        swap: checkpoint.swap,
        deferred: checkpoint.stage === 'copying' && checkpoint.createdByJob ? await missingIndexes(ctx, checkpoint.loadTable, ddl) : []
      }
      await resumeLoad(ctx, info, checkpoint, result, log)
    } else {
      if (info.key === null) result.notes.push('no primary or unique NOT NULL key: copied in one stream, verified as a whole')
      if (!info.transactional) {
        result.notes.push(`${info.engine ?? 'this'} engine is not transactional: read as it is at each chunk, not at the run's consistent point`)
      }
      const record = (p: Omit<PreparedTarget, 'deferred'>): void => {
        checkpoint = { definition, loadTable: p.loadTable, createdByJob: p.created, swap: p.swap, mode: p.mode, stage: 'copying', chunks: 0, upTo: null, complete: false, rowsRead: 0, rowsWritten: 0, bytes: 0, notes: [] }
        saveCheckpoint({})
      }
      // Recorded before the table is created too, so a crash in between leaves nothing unremembered.
      prepared = await prepareTarget(ctx, task, info, ddl, result, record)
      record(prepared)
    }
    const load = prepared.loadTable
    loadTable = load
    createdShadow = prepared.created
    // Constraints of an existing table (truncate, append) are already in place.
    foreignKeys = prepared.created ? ddl.foreignKeys : []
    const { mode, swap, deferred } = prepared

    // ---- copy ----
    /** Chunks copied by earlier attempts of this job (read at an earlier point of the source). */
    const resumedChunks = checkpoint?.chunks ?? 0
    /** Ranges this attempt copied, in order (for verification when nothing came from earlier attempts). */
    const copied: ChunkRange[] = []
    result.chunks = resumedChunks
    if (checkpoint?.stage !== 'loaded' && !checkpoint?.complete) {
      if (ddl.disableKeys) await ctx.targetMeta.query(`ALTER TABLE ${quoteQualified(ctx.targetDb, load)} DISABLE KEYS`)
      result.status = 'copying'
      progress()
      // Chunks finish out of order; the checkpoint advances over the contiguous prefix only.
      const finished = new Map<number, { range: ChunkRange; read: number; written: number; bytes: number }>()
      let next = resumedChunks
      const onChunk = (range: ChunkRange, c: { read: number; written: number; bytes: number }): void => {
        finished.set(range.index, { range, ...c })
        let last: ChunkRange | null = null
        for (let f = finished.get(next); f; f = finished.get(next)) {
          finished.delete(next++)
          copied.push(f.range)
          checkpoint!.rowsRead += f.read
          checkpoint!.rowsWritten += f.written
          checkpoint!.bytes += f.bytes
          last = f.range
        }
        result.chunks = next
        if (last) saveCheckpoint({ chunks: next, upTo: keyToJson(last.upTo), complete: last.upTo === null })
      }
      const startAfter = info.key && checkpoint?.upTo ? keyFromJson(info.key, checkpoint.upTo) : null
      await copyChunks(ctx, task, info, columns, load, result, progress, mode === 'append', { startAfter, firstIndex: resumedChunks, onChunk })
    }
    // A table copied over several attempts was read at more than one point of the source: it is
    // checked at this attempt's point (also with verify off) and chunks that changed in between are
    // copied again, before the index build, so a unique value that moved cannot trip it.
    if (resumedChunks > 0 && mode !== 'append') {
      await verifyResumed(ctx, task, info, columns, load, result, progress, log)
      saveCheckpoint({ rowsRead: result.rowsRead, rowsWritten: result.rowsWritten, bytes: result.bytes })
    }
    if (result.targetWarnings) {
      // Usually benign (an invalid ENUM value loads as the same invalid value, with a warning), but
      // a value the target changed would show here first; verification then tells which.
      const first = result.targetWarningSample?.[0]
      const note =
        `the target raised ${result.targetWarnings} warning(s) while loading${first ? ` (e.g. ${first}; rows are counted within a chunk)` : ''}; ` +
        (options.verify && mode !== 'append' ? 'verification compares the data' : 'not verified: compare the data with db-taxi verify')
      result.notes.push(note)
      log('warn', note)
    }

    // ---- build deferred indexes, and verify meanwhile ----
    // The index build is one thread on the target for seconds; verification reads by primary key
    // ranges on both servers and needs no secondary index, and InnoDB builds indexes online (reads
    // go on), so the two run side by side. MyISAM and Aria rebuild their keys (ENABLE KEYS) under an
    // exclusive lock: reads would wait out the rebuild holding readers and writer slots that other
    // tables need, so there verification follows the build. Both end before anything else happens
    // to the table; a failed build stops the verification (unless it failed on a duplicate key).
    const build = async (): Promise<void> => {
      if (checkpoint?.stage === 'loaded') return
      hooks.signal?.throwIfAborted()
      if (deferred.length > 0) {
        log('debug', `building ${deferred.length} secondary index(es)`)
        await ctx.ddl.run((c) => c.query(`ALTER TABLE ${quoteQualified(ctx.targetDb, load)} ${deferred.join(', ')}`), hooks.signal)
      }
      if (ddl.disableKeys) await ctx.ddl.run((c) => c.query(`ALTER TABLE ${quoteQualified(ctx.targetDb, load)} ENABLE KEYS`), hooks.signal)
      saveCheckpoint({ stage: 'loaded' })
    }
    const verifying = options.verify && mode !== 'append' && resumedChunks === 0
    const check = async (signal: AbortSignal | undefined): Promise<FirstDifference | null> => {
      if (!verifying) return null
      result.status = 'verifying'
      progress()
      return (await verifyTable(ctx, task, info, columns, load, copied, signal)).first
    }
    let built: PromiseSettledResult<void>
    let checked: PromiseSettledResult<FirstDifference | null>
    if (ddl.disableKeys) {
      built = await settle(build())
      checked = built.status === 'fulfilled' ? await settle(check(hooks.signal)) : { status: 'fulfilled', value: null }
    } else {
      const stopCheck = new AbortController()
      const building = build().catch((err: unknown) => {
        // A unique index the source holds but the loaded rows break means they differ from the
        // source: let verification go on and name the row. Any other failure ends the check.
        if (!isDuplicateKey(err)) stopCheck.abort(err)
        throw err
      })
      ;[built, checked] = await Promise.allSettled([building, check(hooks.signal ? AbortSignal.any([hooks.signal, stopCheck.signal]) : stopCheck.signal)])
    }
    // A difference is the more useful answer: it names the row (a unique index that fails on a
    // changed row says less), so it wins over a failed build.
    if (checked.status === 'fulfilled' && checked.value) {
      result.verified = false
      throw mismatch(task, checked.value, result, swap)
    }
    if (built.status === 'rejected') throw built.reason
    if (checked.status === 'rejected') throw checked.reason
    if (verifying) result.verified = true
    await ctx.readers.finishTable(task.source)

    // ---- swap ----
    hooks.signal?.throwIfAborted()
    if (swap && options.swap !== 'each') {
      // Switched in with the run's other tables at the end (run.ts); until then it is the run's.
      result.status = 'ready'
      return { result, foreignKeys, pendingSwap: { shadow: load, target: task.target, replaces: true } }
    }
    if (swap) await swapIn(ctx, load, task.target)
    createdShadow = false
    result.status = 'done'
    saveCheckpoint({ stage: 'done', foreignKeys })
    return { result, foreignKeys }
  } catch (err) {
    await ctx.readers.finishTable(task.source).catch(() => undefined)
    if (err instanceof SkipTable) {
      result.status = 'skipped'
      result.notes.push(err.message)
      store?.save(task.source, null)
      return { result, foreignKeys: [] }
    }
    result.status = hooks.signal?.aborted ? 'cancelled' : 'failed'
    result.error = hooks.signal?.aborted ? { code: 'CANCELLED', message: 'Cancelled.' } : errorBody(err)
    result.transient = !hooks.signal?.aborted && isTransientError(err)
    // Verified means the target holds the source's rows: a table that did not end in place is not.
    if (result.error.code !== 'VERIFY_MISMATCH') result.verified = null
    const keep = hooks.keepWork?.(hooks.signal?.aborted ? hooks.signal.reason : err) ?? false
    if (keep) {
      log('info', `stopped; ${result.chunks} committed chunk(s) kept for the next attempt`)
    } else {
      // Never leave a half-loaded shadow behind; a table created fresh by this run is dropped too,
      // so a failed run leaves the target as it found it.
      if (createdShadow && loadTable) {
        await ctx.targetMeta.query(`DROP TABLE IF EXISTS ${quoteQualified(ctx.targetDb, loadTable)}`).catch((e: unknown) => {
          log('error', `could not drop ${loadTable}: ${errorBody(e).message}`)
        })
      }
      store?.save(task.source, null)
    }
    log(hooks.signal?.aborted ? 'info' : 'error', `failed: ${result.error.message}`)
    return { result, foreignKeys: [] }
  } finally {
    result.finishedAt = Date.now()
    result.durationMs = result.finishedAt - (result.startedAt ?? result.finishedAt)
    progress()
  }
}

function mismatch(task: TableTask, diff: FirstDifference, result: TableResult, swap: boolean): AppError {
  result.firstDifference = diff
  return new AppError(
    'VERIFY_MISMATCH',
    `Verification failed for ${task.source}: ${diff.chunk === undefined ? 'the table' : `chunk ${diff.chunk}`} has ${diff.sourceRows} rows on the source and ${diff.targetRows} on the target` +
      (diff.kind ? `; first difference: ${diff.kind} at key ${JSON.stringify(diff.key)}` : '') +
      (swap ? '. The existing target table was left as it was.' : ''),
    { firstDifference: diff }
  )
}

/**
 * Verifies a table that an earlier attempt had started, over ranges planned afresh (its earlier
 * chunks are not remembered one by one). Ranges that differ (the source changed since they were
 * copied) are all cleared first, then copied again at this attempt's point, and the table is
 * verified once more; a difference left after that fails the table.
 */
async function verifyResumed(
  ctx: TableContext,
  task: TableTask,
  info: TableInfo,
  columns: ColumnInfo[],
  load: string,
  result: TableResult,
  progress: () => void,
  log: (level: 'info', msg: string) => void
): Promise<void> {
  result.status = 'verifying'
  progress()
  const ranges = await planAll(ctx, info, task)
  let check = await verifyTable(ctx, task, info, columns, load, ranges)
  if (check.first && check.differing.length) {
    const n = check.differing.length
    log('info', `${n} chunk(s) differ from the source at this attempt's point (it changed since an earlier attempt copied them); copying them again`)
    result.status = 'copying'
    progress()
    for (const r of check.differing) {
      const removed = await clearRange(ctx, info, load, r)
      result.rowsWritten -= removed
      result.inserted -= removed
    }
    for (const r of check.differing) await copyRange(ctx, task, info, columns, load, r, result, false, ctx.hooks.signal ?? new AbortController().signal)
    result.notes.push(`${n} chunk(s) changed on the source between attempts and were copied again`)
    result.status = 'verifying'
    progress()
    check = await verifyTable(ctx, task, info, columns, load, ranges)
  }
  result.verified = check.first === null
  if (check.first) throw mismatch(task, check.first, result, false)
}

/** What a checkpoint's table definition was taken from: a change of it makes the checkpoint useless. */
function definitionHash(info: TableInfo, task: TableTask): string {
  return createHash('sha1').update(info.createSql).update('\0').update(JSON.stringify([...task.excludeColumns].sort())).update('\0').update(task.target).digest('hex')
}

/**
 * Whether a checkpoint can be continued: `resume` (go on), `done` (an attempt finished the table,
 * swap included, and stopped before recording it), or `restart` (the source table changed shape,
 * or the load table is gone): work from it is dropped and the table starts over.
 */
async function settledCheckpoint(
  ctx: TableContext,
  task: TableTask,
  cp: TableCheckpoint,
  definition: string,
  log: (level: 'info', msg: string) => void
): Promise<'resume' | 'done' | 'restart'> {
  if (cp.stage === 'done') return 'done'
  const dropLoad = async (): Promise<void> => {
    if (cp.createdByJob) await ctx.targetMeta.query(`DROP TABLE IF EXISTS ${quoteQualified(ctx.targetDb, cp.loadTable)}`)
  }
  if (cp.definition !== definition) {
    log('info', `the source table's definition changed since the last attempt; copying the table from the start`)
    await dropLoad()
    return 'restart'
  }
  if (await tableExists(ctx.targetMeta, ctx.targetDb, cp.loadTable)) return 'resume'
  if (cp.stage === 'loaded' && cp.swap && (await tableExists(ctx.targetMeta, ctx.targetDb, task.target))) {
    // The shadow is gone and the target is there: the swap (which only follows a passed
    // verification) happened. A RENAME-away copy of the old table may be left.
    await ctx.targetMeta.query(`DROP TABLE IF EXISTS ${quoteQualified(ctx.targetDb, shadowName('old', ctx.runTag, task.target))}`)
    log('info', 'an earlier attempt had already swapped this table in')
    return 'done'
  }
  log('info', `the table ${cp.loadTable} of the last attempt is gone; copying the table from the start`)
  return 'restart'
}

interface PreparedTarget {
  /** Where rows go: a shadow, a table created for this copy, or the existing target table. */
  loadTable: string
  /** The load table was created by this job (dropped if its work is discarded). */
  created: boolean
  mode: OnExists
  /** Swap the load table in for the existing target table at the end. */
  swap: boolean
  /** Index clauses still to build after the rows are in. */
  deferred: string[]
}

/**
 * Readies the target for a fresh load: checks an existing table against `onExists`, creates the
 * table to load into (a shadow for `replace` of an existing table) or truncates the existing one.
 */
async function prepareTarget(
  ctx: TableContext,
  task: TableTask,
  info: TableInfo,
  ddl: LoadDdl,
  result: TableResult,
  beforeCreate: (p: Omit<PreparedTarget, 'deferred'>) => void
): Promise<PreparedTarget> {
  const { options } = ctx
  const exists = await tableExists(ctx.targetMeta, ctx.targetDb, task.target)
  const expected = expectedTargetDdl(info, task)
  let mode = options.onExists
  if (exists && mode === 'fail') {
    throw new AppError('TARGET_EXISTS', `Target table ${ctx.targetDb}.${task.target} exists and onExists is "fail".`)
  }
  if (exists && (mode === 'truncate' || mode === 'append')) {
    const diffs = await schemaDiff(ctx, task.target, expected)
    if (diffs.length > 0) {
      if (!options.recreateOnMismatch) {
        throw new AppError(
          'SCHEMA_MISMATCH',
          `Target table ${ctx.targetDb}.${task.target} differs from the source: ${diffs.slice(0, 5).join('; ')}${diffs.length > 5 ? ` (and ${diffs.length - 5} more)` : ''}`,
          { differences: diffs }
        )
      }
      result.notes.push(`schema differed; recreated (${diffs.join('; ')})`)
      mode = 'replace'
    }
  }
  if (!exists && !options.createMissing) {
    throw new AppError('TABLE_NOT_FOUND', `Target table ${ctx.targetDb}.${task.target} does not exist and createMissing is off.`)
  }
  if (!exists || mode === 'replace') {
    // Load into a shadow table; the existing table (if any) stays untouched until the swap. Under
    // `swap: together` a new table is loaded under a shadow name too, so that every table of the
    // run appears at the same moment (and none if the run fails).
    const viaShadow = exists || options.swap !== 'each'
    const loadTable = viaShadow ? shadowName('new', ctx.runTag, task.target) : task.target
    beforeCreate({ loadTable, created: true, mode, swap: viaShadow })
    await ctx.targetMeta.query(`DROP TABLE IF EXISTS ${quoteQualified(ctx.targetDb, loadTable)}`)
    await ctx.targetMeta.query(renderCreate(parseCreateTable(ddl.create), { db: ctx.targetDb, table: loadTable }))
    if (exists) {
      const diffs = await schemaDiff(ctx, task.target, expected)
      result.notes.push(diffs.length ? `replaced; schema changes: ${diffs.join('; ')}` : 'replaced (same schema)')
      const triggers = await triggersOn(ctx, task.target)
      if (triggers.length && !options.objects.triggers) {
        result.notes.push(`the target's trigger(s) ${triggers.join(', ')} go with the replaced table (copy triggers with objects.triggers)`)
      }
    }
    return { loadTable, created: true, mode, swap: viaShadow, deferred: ddl.deferredIndexes }
  }
  if (mode === 'truncate') {
    await ctx.targetMeta.query(`TRUNCATE TABLE ${quoteQualified(ctx.targetDb, task.target)}`)
    result.notes.push('truncated, then loaded')
  } else {
    result.notes.push('appended')
  }
  // Constraints and indexes of an existing table are already in place.
  return { loadTable: task.target, created: false, mode, swap: false, deferred: [] }
}

/**
 * Makes a checkpointed load table match its checkpoint: rows past the last committed range may
 * have been written by chunks that were still running when the attempt ended, and are removed so
 * those chunks can be written again. A table without a usable key starts over.
 */
async function resumeLoad(
  ctx: TableContext,
  info: TableInfo,
  cp: TableCheckpoint,
  result: TableResult,
  log: (level: 'info', msg: string) => void
): Promise<void> {
  const table = quoteQualified(ctx.targetDb, cp.loadTable)
  if (cp.stage === 'copying') {
    if (cp.mode === 'append' && !cp.createdByJob) {
      // The rows that were there before cannot be told from rows a lost chunk may have appended.
      throw new AppError(
        'COPY_FAILED',
        `An append copy of ${info.name} stopped after ${cp.chunks} committed chunk(s) and cannot be resumed safely (the target's own rows cannot be told from those of an unfinished chunk); run it again with truncate or replace.`
      )
    }
    if (cp.complete) {
      // Every chunk is in; only the index build (and what follows) is left.
    } else if (!info.key || cp.chunks === 0 || cp.upTo === null) {
      await ctx.targetMeta.query(`DELETE FROM ${table}`)
      Object.assign(cp, { chunks: 0, upTo: null, complete: false, rowsRead: 0, rowsWritten: 0, bytes: 0 })
    } else {
      const p = rangePredicate(info.key, { after: keyFromJson(info.key, cp.upTo), upTo: null })
      await ctx.targetMeta.query({ sql: `DELETE FROM ${table} WHERE ${p.sql}`, values: p.params })
    }
  }
  result.rowsRead = cp.rowsRead
  result.rowsWritten = cp.rowsWritten
  result.inserted = cp.rowsWritten
  result.bytes = cp.bytes
  result.chunks = cp.chunks
  log(
    'info',
    cp.stage === 'loaded'
      ? `resuming: all rows were loaded by an earlier attempt (${cp.rowsWritten} rows); verifying`
      : `resuming after ${cp.chunks} committed chunk(s) (${cp.rowsWritten} rows)`
  )
}

/** Every chunk range of the table, planned afresh (for verifying a table copied over several attempts). */
async function planAll(ctx: TableContext, info: TableInfo, task: TableTask): Promise<ChunkRange[]> {
  const ranges: ChunkRange[] = []
  for await (const r of planChunks(ctx.sourceMeta, info, { chunkRows: ctx.options.chunkRows, where: task.where })) ranges.push(r)
  return ranges
}

/** Deferred indexes the load table does not have yet (an earlier attempt may have built some). */
async function missingIndexes(ctx: TableContext, table: string, ddl: LoadDdl): Promise<string[]> {
  const [rows] = await ctx.targetMeta.query<RowDataPacket[]>(
    'SELECT DISTINCT INDEX_NAME AS n FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [ctx.targetDb, table]
  )
  const have = new Set(rows.map((r) => String(r.n)))
  return ddl.deferredIndexes.filter((_, i) => !have.has(ddl.deferredIndexNames[i]!))
}

export function errorBody(err: unknown): ErrorBody {
  if (err instanceof AppError) return err.toBody()
  const e = err as { code?: string; errno?: number; sqlMessage?: string; message?: string; name?: string }
  if (e?.name === 'AbortError' || e?.code === 'ABORT_ERR') return { code: 'CANCELLED', message: 'Cancelled.' }
  const msg = e?.sqlMessage ?? e?.message ?? String(err)
  return { code: isConnectionLoss(err) ? 'CONNECTION_LOST' : 'COPY_FAILED', message: e?.code ? `${e.code}: ${msg}` : msg }
}

/** Columns that are copied: everything but generated columns (recomputed) and excluded ones. */
export function selectColumns(info: TableInfo, task: TableTask): ColumnInfo[] {
  const names = new Set(info.columns.map((c) => c.name))
  const unknown = task.excludeColumns.filter((c) => !names.has(c))
  if (unknown.length) {
    throw new AppError('VALIDATION', `Excluded column(s) ${unknown.join(', ')} do not exist in ${info.name}.`)
  }
  const excluded = new Set(task.excludeColumns)
  if (info.key && info.key.columns.some((c) => excluded.has(c.name))) {
    throw new AppError('VALIDATION', `Column(s) of the key ${info.key.name} of ${info.name} cannot be excluded.`)
  }
  const cols = info.columns.filter((c) => !c.generated && !excluded.has(c.name))
  if (cols.length === 0) throw new AppError('VALIDATION', `No column of ${info.name} is left to copy.`)
  return cols
}

/** The definition the target table should have: the source's, minus excluded columns. */
export function expectedTargetDdl(info: TableInfo, task: TableTask): string {
  const parsed = parseCreateTable(info.createSql)
  const ex = new Set(task.excludeColumns)
  const lines = parsed.lines.filter((l) => !((l.kind === 'column' && ex.has(l.name!)) || (l.columns ?? []).some((c) => ex.has(c))))
  return renderCreate(parsed, task.target, lines)
}

/** How the existing target table differs from what the source defines now (empty: it matches). */
export async function targetSchemaDiffs(ctx: TableContext, info: TableInfo, task: TableTask): Promise<string[]> {
  return schemaDiff(ctx, task.target, expectedTargetDdl(info, task))
}

async function schemaDiff(ctx: TableContext, table: string, expected: string): Promise<string[]> {
  const [rows] = await ctx.targetMeta.query<RowDataPacket[]>(`SHOW CREATE TABLE ${quoteQualified(ctx.targetDb, table)}`)
  const actual = String(rows[0]?.['Create Table'] ?? '')
  return diffCreate(expected, actual)
}

async function triggersOn(ctx: TableContext, table: string): Promise<string[]> {
  const [rows] = await ctx.targetMeta.query<RowDataPacket[]>(
    'SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE = ?',
    [ctx.targetDb, table]
  )
  return rows.map((r) => String(r.n))
}

/**
 * Streams every chunk from a source reader into a target writer. Up to the reader group's
 * per-table parallelism chunks run at once; the ranges are returned for verification. The first
 * failure stops the table's other chunks at once.
 */
async function copyChunks(
  ctx: TableContext,
  task: TableTask,
  info: TableInfo,
  columns: ColumnInfo[],
  loadTable: string,
  result: TableResult,
  progress: () => void,
  append: boolean,
  resume: { startAfter: KeyTuple | null; firstIndex: number; onChunk: (range: ChunkRange, counts: ChunkCounts) => void }
): Promise<void> {
  const planner = planChunks(ctx.sourceMeta, info, { chunkRows: ctx.options.chunkRows, where: task.where, startAfter: resume.startAfter, firstIndex: resume.firstIndex })
  const workers = Math.max(1, Math.min(ctx.options.parallelism, ctx.readers.perTableParallelism))
  const stop = new AbortController()
  const signal = ctx.hooks.signal ? AbortSignal.any([ctx.hooks.signal, stop.signal]) : stop.signal
  let failed: unknown = null
  let lastProgress = 0

  // Chunks run one at a time until the table holds a row. MariaDB (10.6+) loads into an empty InnoDB
  // table with a table lock when unique and foreign key checks are off (its bulk-insert path): two
  // chunks starting on the empty table would wait on each other for the whole first chunk at best,
  // or deadlock. Once a row is in, every chunk inserts with row locks and they run in parallel.
  let warm = result.rowsWritten > 0
  let gate: Promise<void> = Promise.resolve()
  const worker = async (): Promise<void> => {
    while (!failed) {
      signal.throwIfAborted()
      // An async generator queues overlapping next() calls, so the workers can share it.
      const next = await raceAbort(planner.next(), signal)
      if (next.done) return
      const range = next.value
      if (warm) {
        resume.onChunk(range, await copyRange(ctx, task, info, columns, loadTable, range, result, append, signal))
      } else {
        const turn = gate.then(async () => {
          const counts = await copyRange(ctx, task, info, columns, loadTable, range, result, append, signal)
          if (counts.written > 0) warm = true
          resume.onChunk(range, counts)
        })
        gate = turn.catch(() => undefined)
        await turn
      }
      if (Date.now() - lastProgress > 200) {
        lastProgress = Date.now()
        progress()
      }
    }
  }
  await Promise.all(
    Array.from({ length: workers }, () =>
      worker().catch((err: unknown) => {
        if (!failed) {
          failed = err
          stop.abort(err)
        }
      })
    )
  )
  if (failed) {
    await planner.return(undefined).catch(() => undefined)
    throw failed
  }
}

interface ChunkCounts {
  read: number
  written: number
  bytes: number
}

async function copyRange(
  ctx: TableContext,
  task: TableTask,
  info: TableInfo,
  columns: ColumnInfo[],
  loadTable: string,
  range: ChunkRange,
  result: TableResult,
  append: boolean,
  signal: AbortSignal
): Promise<ChunkCounts> {
  const reader = await acquire(ctx.readers.acquire(task.source), signal, (c) => ctx.readers.release(task.source, c))
  let w: WriterSlot | undefined
  try {
    w = await acquire(ctx.writers.acquire(), signal, (x) => ctx.writers.release(x))
    const pred = info.key ? rangePredicate(info.key, range) : { sql: '1=1', params: [] }
    const r = await transferRows({
      reader,
      slot: w,
      sourceDb: ctx.sourceDb,
      sourceTable: task.source,
      targetDb: ctx.targetDb,
      loadTable,
      columns,
      dialect: ctx.dialect,
      where: { sql: task.where ? `${pred.sql} AND (${task.where})` : pred.sql, params: pred.params },
      order: info.key ? orderBy(info.key) : '',
      signal,
      clear: append ? null : async () => void (await clearRange(ctx, info, loadTable, range)),
      log: (m) => ctx.hooks.log?.('info', `chunk ${range.index}: ${m}`, task.source)
    })
    result.rowsRead += r.read
    result.rowsWritten += r.written
    if (r.warnings > 0) {
      result.targetWarnings = (result.targetWarnings ?? 0) + r.warnings
      if (!result.targetWarningSample?.length && r.warningSample?.length) result.targetWarningSample = r.warningSample
    }
    result.inserted += r.written
    result.bytes += r.bytes
    if (r.written !== r.read) {
      ctx.hooks.log?.('warn', `chunk ${range.index}: read ${r.read} rows but the target took ${r.written}`, task.source)
    }
    return { read: r.read, written: r.written, bytes: r.bytes }
  } finally {
    ctx.readers.release(task.source, reader)
    if (w) ctx.writers.release(w)
  }
}

/** Makes a chunk rewritable: removes whatever rows of the range the target holds. */
export async function clearRange(ctx: TableContext, info: TableInfo, table: string, range: ChunkRange): Promise<number> {
  if (!info.key) {
    await ctx.targetMeta.query(`TRUNCATE TABLE ${quoteQualified(ctx.targetDb, table)}`)
    return 0
  }
  const p = rangePredicate(info.key, range)
  const [res] = await ctx.targetMeta.query<ResultSetHeader>({ sql: `DELETE FROM ${quoteQualified(ctx.targetDb, table)} WHERE ${p.sql}`, values: p.params })
  return res.affectedRows
}

async function verifyTable(
  ctx: TableContext,
  task: TableTask,
  info: TableInfo,
  columns: ColumnInfo[],
  loadTable: string,
  ranges: ChunkRange[],
  signal: AbortSignal | undefined = ctx.hooks.signal
): Promise<{ first: FirstDifference | null; differing: ChunkRange[] }> {
  let first: FirstDifference | null = null
  const differing: ChunkRange[] = []
  let next = 0
  let sourceSum = 0
  let targetSum = 0
  const parallel = Math.max(1, Math.min(ctx.options.parallelism, ctx.readers.perTableParallelism))
  const worker = async (): Promise<void> => {
    while (next < ranges.length) {
      signal?.throwIfAborted()
      const range = ranges[next++]!
      const reader = await acquire(ctx.readers.acquire(task.source), signal, (c) => ctx.readers.release(task.source, c))
      let w: WriterSlot | undefined
      try {
        w = await acquire(ctx.writers.acquire(), signal, (x) => ctx.writers.release(x))
        const src = { conn: reader, database: ctx.sourceDb, table: task.source, where: task.where }
        const tgt = { conn: w.check, database: ctx.targetDb, table: loadTable }
        const [a, b] = await raceAbort(Promise.all([chunkSum(src, columns, info.key, range), chunkSum(tgt, columns, info.key, range)]), signal)
        sourceSum += a.rows
        targetSum += b.rows
        if (a.rows !== b.rows || a.hash !== b.hash) {
          const d: FirstDifference = { chunk: range.index, after: keyToJson(range.after), upTo: keyToJson(range.upTo), sourceRows: a.rows, targetRows: b.rows }
          if (info.key) Object.assign(d, await raceAbort(firstDifference(src, tgt, columns, info.key, range), signal))
          if (earlier(d, first)) first = d
          differing.push(range)
        }
      } finally {
        ctx.readers.release(task.source, reader)
        if (w) ctx.writers.release(w)
      }
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker))
  differing.sort((a, b) => a.index - b.index)
  if (first || ranges.length < 2 || rangesPartitionExactly(info.key)) return { first, differing }
  // The chunks must have covered every row once, on both sides.
  const reader = await acquire(ctx.readers.acquire(task.source), signal, (c) => ctx.readers.release(task.source, c))
  let w: WriterSlot | undefined
  try {
    w = await acquire(ctx.writers.acquire(), signal, (x) => ctx.writers.release(x))
    const [sourceRows, targetRows] = await raceAbort(
      Promise.all([
        tableCount({ conn: reader, database: ctx.sourceDb, table: task.source, where: task.where }),
        tableCount({ conn: w.check, database: ctx.targetDb, table: loadTable })
      ]),
      signal
    )
    if (sourceRows !== sourceSum) {
      throw new AppError('COPY_FAILED', `The chunks of ${task.source} covered ${sourceSum} of its ${sourceRows} rows; the copy cannot be trusted (please report this).`)
    }
    if (targetRows !== targetSum) return { first: { after: null, upTo: null, sourceRows, targetRows }, differing }
  } finally {
    ctx.readers.release(task.source, reader)
    if (w) ctx.writers.release(w)
  }
  return { first: null, differing }
}

/**
 * Puts one loaded shadow table in place (`swap: each`): the same atomic swap the run uses for all
 * its tables at once (swap.ts), for one table.
 */
async function swapIn(ctx: TableContext, shadow: string, table: string): Promise<void> {
  await ctx.assertAlive()
  const replaces = await tableExists(ctx.targetMeta, ctx.targetDb, table)
  await executeSwap(ctx.targetMeta, await planSwap(ctx.targetMeta, ctx.targetDb, ctx.runTag, [{ shadow, target: table, replaces }]))
}

export { quoteIdent }
