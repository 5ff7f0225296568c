import type { Connection, RowDataPacket } from 'mysql2/promise'
import { AppError, type ErrorBody } from '../../../shared/errors'
import { quoteIdent, quoteQualified } from '../mysql/identifiers'
import { orderBy, planChunks, rangePredicate, type ChunkRange } from './chunks'
import { buildLoadDdl, diffCreate, parseCreateTable, renderCreate } from './ddl'
import { rawExpr, sqlTupleExpr, sqlTupleFromValues, tsvLineExpr, tsvLineFromValues } from './encoding'
import { streamRows } from './row-stream'
import { readTableInfo, tableExists, type ColumnInfo, type TableInfo } from './schema'
import type { ReaderGroup } from './snapshot'
import { chunkSum, firstDifference, type FirstDifference } from './verify'
import type { ChunkWriter } from './writers'
import type { RunHooks, RunOptions, TableResult, TableTask } from './types'

/**
 * Copies one table: prepare the target (shadow table for `replace`), stream chunks from source
 * readers to target writers in parallel, build deferred indexes, verify against the source's
 * snapshot, then swap the shadow in atomically. Foreign keys are returned for the run to add once
 * every table is loaded.
 */

export interface WriterPool {
  acquire(): Promise<{ writer: ChunkWriter; conn: Connection }>
  release(w: { writer: ChunkWriter; conn: Connection }): void
}

export interface TableContext {
  sourceDb: string
  targetDb: string
  sourceMeta: Connection
  targetMeta: Connection
  readers: ReaderGroup
  writers: WriterPool
  options: RunOptions
  hooks: RunHooks
  /** Short id of the run, used in shadow table names. */
  runTag: string
}

export interface TableOutcome {
  result: TableResult
  /** `ALTER TABLE ... ADD CONSTRAINT` statements to run after all tables are loaded. */
  foreignKeys: string[]
}

class SkipTable extends Error {}

export function shadowName(kind: 'new' | 'old', runTag: string, table: string): string {
  const prefix = `_dbt_${kind}_${runTag}_`
  return (prefix + table).slice(0, 64)
}

export async function copyTable(task: TableTask, ctx: TableContext): Promise<TableOutcome> {
  const { options, hooks } = ctx
  const log = (level: 'error' | 'warn' | 'info' | 'debug', msg: string): void => hooks.log?.(level, msg, task.source)
  const result: TableResult = {
    source: task.source,
    target: task.target,
    mode: 'full',
    status: 'pending',
    rowsEstimated: 0,
    rowsRead: 0,
    rowsWritten: 0,
    inserted: 0,
    updated: 0,
    deleted: 0,
    bytes: 0,
    keyless: false,
    verified: null,
    notes: [],
    chunks: 0,
    startedAt: Date.now()
  }
  const progress = (): void => hooks.progress?.({ ...result })
  let loadTable: string | null = null
  let createdShadow = false
  let foreignKeys: string[] = []
  try {
    const info = await readTableInfo(ctx.sourceMeta, ctx.sourceDb, task.source)
    if (info.type === 'VIEW') throw new SkipTable('views are copied as objects (options.objects.views), not as data')
    if (info.type === 'SEQUENCE') throw new SkipTable('sequences are not copied yet')
    result.rowsEstimated = info.rowsEstimate
    result.keyless = info.key === null
    const columns = selectColumns(info, task)
    if (info.key === null) {
      result.notes.push('no primary or unique NOT NULL key: copied in one stream, verified as a whole')
    }

    // ---- target preparation ----
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
        result.notes.push(`schema differed; recreated (${diffs.length} differences)`)
        mode = 'replace'
      }
    }
    if (!exists && !options.createMissing) {
      throw new AppError('TABLE_NOT_FOUND', `Target table ${ctx.targetDb}.${task.target} does not exist and createMissing is off.`)
    }

    const ddl = buildLoadDdl(info.createSql, task.target, {
      engine: info.engine,
      excludeColumns: task.excludeColumns,
      chunkKey: info.key?.name ?? null
    })
    foreignKeys = ddl.foreignKeys
    let deferred: string[] = []
    let swap = false
    if (!exists || mode === 'replace') {
      // Load into a shadow table; the existing table (if any) stays untouched until the swap.
      loadTable = exists ? shadowName('new', ctx.runTag, task.target) : task.target
      await ctx.targetMeta.query(`DROP TABLE IF EXISTS ${quoteQualified(ctx.targetDb, loadTable)}`)
      const create = renderCreate(parseCreateTable(ddl.create), { db: ctx.targetDb, table: loadTable })
      await ctx.targetMeta.query(create)
      createdShadow = true
      deferred = ddl.deferredIndexes
      swap = exists
      if (exists) {
        const diffs = await schemaDiff(ctx, task.target, expected)
        result.notes.push(diffs.length ? `replaced; schema changes: ${diffs.join('; ')}` : 'replaced (same schema)')
      }
    } else {
      loadTable = task.target
      if (mode === 'truncate') {
        await ctx.targetMeta.query(`TRUNCATE TABLE ${quoteQualified(ctx.targetDb, loadTable)}`)
        result.notes.push('truncated, then loaded')
      } else {
        result.notes.push('appended')
      }
      // Constraints of an existing table are already in place.
      foreignKeys = []
    }
    if (ddl.disableKeys) await ctx.targetMeta.query(`ALTER TABLE ${quoteQualified(ctx.targetDb, loadTable)} DISABLE KEYS`)

    // ---- copy ----
    result.status = 'copying'
    progress()
    const ranges = await copyChunks(ctx, task, info, columns, loadTable, result, progress, mode === 'append')
    result.chunks = ranges.length

    if (deferred.length > 0) {
      log('debug', `building ${deferred.length} secondary index(es)`)
      await ctx.targetMeta.query(`ALTER TABLE ${quoteQualified(ctx.targetDb, loadTable)} ${deferred.join(', ')}`)
    }
    if (ddl.disableKeys) await ctx.targetMeta.query(`ALTER TABLE ${quoteQualified(ctx.targetDb, loadTable)} ENABLE KEYS`)

    // ---- verify ----
    if (options.verify && mode !== 'append') {
      result.status = 'verifying'
      progress()
      const diff = await verifyTable(ctx, task, info, columns, loadTable, ranges)
      result.verified = diff === null
      if (diff) {
        result.firstDifference = diff
        throw new AppError(
          'VERIFY_MISMATCH',
          `Verification failed for ${task.source}: chunk ${diff.chunk} has ${diff.sourceRows} rows on the source and ${diff.targetRows} on the target` +
            (diff.kind ? `; first difference: ${diff.kind} at key ${JSON.stringify(diff.key)}` : '') +
            (swap ? '. The existing target table was left as it was.' : ''),
          { firstDifference: diff }
        )
      }
    }
    await ctx.readers.finishTable(task.source)

    // ---- swap ----
    if (swap) {
      await swapIn(ctx, loadTable, task.target)
      createdShadow = false
    }
    createdShadow = false
    result.status = 'done'
    return { result, foreignKeys }
  } catch (err) {
    await ctx.readers.finishTable(task.source).catch(() => undefined)
    if (err instanceof SkipTable) {
      result.status = 'skipped'
      result.notes.push(err.message)
      return { result, foreignKeys: [] }
    }
    result.status = 'failed'
    result.error = errorBody(err)
    // Never leave a half-loaded shadow behind; a table created fresh by this run is dropped too,
    // so a failed run leaves the target as it found it.
    if (createdShadow && loadTable) {
      await ctx.targetMeta.query(`DROP TABLE IF EXISTS ${quoteQualified(ctx.targetDb, loadTable)}`).catch(() => undefined)
    }
    log('error', `failed: ${result.error.message}`)
    return { result, foreignKeys: [] }
  } finally {
    result.finishedAt = Date.now()
    result.durationMs = result.finishedAt - (result.startedAt ?? result.finishedAt)
    progress()
  }
}

export function errorBody(err: unknown): ErrorBody {
  if (err instanceof AppError) return err.toBody()
  const e = err as { code?: string; errno?: number; sqlMessage?: string; message?: string; name?: string }
  if (e?.name === 'AbortError' || e?.code === 'ABORT_ERR') return { code: 'CANCELLED', message: 'Cancelled.' }
  const msg = e?.sqlMessage ?? e?.message ?? String(err)
  return { code: 'COPY_FAILED', message: e?.code ? `${e.code}: ${msg}` : msg }
}

/** Columns that are copied: everything but generated columns (recomputed) and excluded ones. */
function selectColumns(info: TableInfo, task: TableTask): ColumnInfo[] {
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
function expectedTargetDdl(info: TableInfo, task: TableTask): string {
  const parsed = parseCreateTable(info.createSql)
  const ex = new Set(task.excludeColumns)
  const lines = parsed.lines.filter((l) => !((l.kind === 'column' && ex.has(l.name!)) || (l.columns ?? []).some((c) => ex.has(c))))
  return renderCreate(parsed, task.target, lines)
}

async function schemaDiff(ctx: TableContext, table: string, expected: string): Promise<string[]> {
  const [rows] = await ctx.targetMeta.query<RowDataPacket[]>(`SHOW CREATE TABLE ${quoteQualified(ctx.targetDb, table)}`)
  const actual = String(rows[0]?.['Create Table'] ?? '')
  return diffCreate(expected, actual)
}

/**
 * Streams every chunk from a source reader into a target writer. Up to the reader group's
 * per-table parallelism chunks run at once; the ranges are returned for verification.
 */
async function copyChunks(
  ctx: TableContext,
  task: TableTask,
  info: TableInfo,
  columns: ColumnInfo[],
  loadTable: string,
  result: TableResult,
  progress: () => void,
  append: boolean
): Promise<ChunkRange[]> {
  const planner = planChunks(ctx.sourceMeta, info, { chunkRows: ctx.options.chunkRows, where: task.where })
  const done: ChunkRange[] = []
  const workers = Math.max(1, Math.min(ctx.options.parallelism, ctx.readers.perTableParallelism))
  const signal = ctx.hooks.signal
  let failed: unknown = null
  let lastProgress = 0

  const worker = async (): Promise<void> => {
    while (!failed) {
      signal?.throwIfAborted()
      const next = await planner.next()
      if (next.done) return
      const range = next.value
      await copyRange(ctx, task, info, columns, loadTable, range, result, append)
      done.push(range)
      if (Date.now() - lastProgress > 200) {
        lastProgress = Date.now()
        progress()
      }
    }
  }
  await Promise.all(
    Array.from({ length: workers }, () =>
      worker().catch((err: unknown) => {
        failed ??= err
      })
    )
  )
  if (failed) throw failed
  return done.sort((a, b) => a.index - b.index)
}

async function copyRange(
  ctx: TableContext,
  task: TableTask,
  info: TableInfo,
  columns: ColumnInfo[],
  loadTable: string,
  range: ChunkRange,
  result: TableResult,
  append: boolean
): Promise<void> {
  const reader = await ctx.readers.acquire(task.source)
  const w = await ctx.writers.acquire()
  try {
    const asSql = w.writer.path === 'insert'
    const pred = info.key ? rangePredicate(info.key, range) : { sql: '1=1', params: [] }
    const filter = task.where ? ` AND (${task.where})` : ''
    const order = info.key ? ` ORDER BY ${orderBy(info.key)}` : ''
    const from = quoteQualified(ctx.sourceDb, task.source)
    const lineExpr = asSql ? sqlTupleExpr(columns) : tsvLineExpr(columns)
    let tooLarge = 0
    let sink = await w.writer.begin(ctx.targetDb, loadTable, columns)
    let read = 0
    let bytes = 0
    try {
      read = await streamRows(
        reader,
        `SELECT ${lineExpr} FROM ${from} WHERE ${pred.sql}${filter}${order}`,
        pred.params,
        (row) => {
          const line = row[0] ?? null
          if (line === null) {
            // The server could not render this row in one value (larger than its max_allowed_packet).
            tooLarge++
            return
          }
          bytes += line.length
          return sink.push(line)
        },
        ctx.hooks.signal
      )
    } catch (err) {
      await sink.abort(err as Error)
      throw err
    }
    let { rowsWritten } = await sink.end()

    if (tooLarge > 0) {
      // Redo the chunk with values fetched one by one and rendered in Node. Rare: rows of many MB.
      ctx.hooks.log?.('info', `chunk ${range.index}: ${tooLarge} row(s) too large to render on the source; re-reading them value by value`, task.source)
      if (append) throw new AppError('COPY_FAILED', `Rows of ${task.source} are too large to append safely; use replace or truncate.`)
      await clearRange(ctx, info, loadTable, range)
      sink = await w.writer.begin(ctx.targetDb, loadTable, columns)
      bytes = 0
      try {
        read = await streamRows(
          reader,
          `SELECT ${columns.map(rawExpr).join(', ')} FROM ${from} WHERE ${pred.sql}${filter}${order}`,
          pred.params,
          (row) => {
            const line = asSql ? sqlTupleFromValues(columns, row) : tsvLineFromValues(columns, row)
            bytes += line.length
            return sink.push(line)
          },
          ctx.hooks.signal
        )
      } catch (err) {
        await sink.abort(err as Error)
        throw err
      }
      ;({ rowsWritten } = await sink.end())
    }
    result.rowsRead += read
    result.rowsWritten += rowsWritten
    result.inserted += rowsWritten
    result.bytes += bytes
    if (rowsWritten !== read) {
      ctx.hooks.log?.('warn', `chunk ${range.index}: read ${read} rows but the target took ${rowsWritten}`, task.source)
    }
  } finally {
    ctx.readers.release(task.source, reader)
    ctx.writers.release(w)
  }
}

/** Makes a chunk rewritable: removes whatever rows of the range the target holds. */
export async function clearRange(ctx: TableContext, info: TableInfo, table: string, range: ChunkRange): Promise<void> {
  if (!info.key) {
    await ctx.targetMeta.query(`TRUNCATE TABLE ${quoteQualified(ctx.targetDb, table)}`)
    return
  }
  const p = rangePredicate(info.key, range)
  await ctx.targetMeta.query({ sql: `DELETE FROM ${quoteQualified(ctx.targetDb, table)} WHERE ${p.sql}`, values: p.params })
}

async function verifyTable(
  ctx: TableContext,
  task: TableTask,
  info: TableInfo,
  columns: ColumnInfo[],
  loadTable: string,
  ranges: ChunkRange[]
): Promise<FirstDifference | null> {
  let first: FirstDifference | null = null
  let next = 0
  const parallel = Math.max(1, Math.min(ctx.options.parallelism, ctx.readers.perTableParallelism))
  const worker = async (): Promise<void> => {
    while (next < ranges.length) {
      ctx.hooks.signal?.throwIfAborted()
      const range = ranges[next++]!
      const reader = await ctx.readers.acquire(task.source)
      const w = await ctx.writers.acquire()
      try {
        const src = { conn: reader, database: ctx.sourceDb, table: task.source, where: task.where }
        const tgt = { conn: w.conn, database: ctx.targetDb, table: loadTable }
        const [a, b] = await Promise.all([chunkSum(src, columns, info.key, range), chunkSum(tgt, columns, info.key, range)])
        if (a.rows !== b.rows || a.hash !== b.hash) {
          const d: FirstDifference = {
            chunk: range.index,
            after: range.after ? range.after.map(String) : null,
            upTo: range.upTo ? range.upTo.map(String) : null,
            sourceRows: a.rows,
            targetRows: b.rows
          }
          if (info.key) Object.assign(d, await firstDifference(src, tgt, columns, info.key, range))
          if (!first || d.chunk < first.chunk) first = d
        }
      } finally {
        ctx.readers.release(task.source, reader)
        ctx.writers.release(w)
      }
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker))
  return first
}

/**
 * Puts the loaded shadow table in place of the existing one. A table other tables reference by
 * foreign key cannot simply be renamed away: the children's constraints would follow it to the old
 * name (seen on MariaDB 10.11). For those, drop and rename with foreign key checks off, as
 * pt-online-schema-change's drop_swap does; the children then point at the new table by name.
 * Everything else gets one atomic RENAME.
 */
async function swapIn(ctx: TableContext, shadow: string, table: string): Promise<void> {
  const [refs] = await ctx.targetMeta.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS n FROM information_schema.REFERENTIAL_CONSTRAINTS
      WHERE UNIQUE_CONSTRAINT_SCHEMA = ? AND REFERENCED_TABLE_NAME = ? AND NOT (CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?)`,
    [ctx.targetDb, table, ctx.targetDb, table]
  )
  const referenced = Number(refs[0]?.n ?? 0) > 0
  const t = quoteQualified(ctx.targetDb, table)
  const s = quoteQualified(ctx.targetDb, shadow)
  if (referenced) {
    await ctx.targetMeta.query(`DROP TABLE ${t}`)
    await ctx.targetMeta.query(`RENAME TABLE ${s} TO ${t}`)
  } else {
    const old = quoteQualified(ctx.targetDb, shadowName('old', ctx.runTag, table))
    await ctx.targetMeta.query(`DROP TABLE IF EXISTS ${old}`)
    await ctx.targetMeta.query(`RENAME TABLE ${t} TO ${old}, ${s} TO ${t}`)
    await ctx.targetMeta.query(`DROP TABLE ${old}`)
  }
}

export { quoteIdent }
