import type { Connection, RowDataPacket } from 'mysql2/promise'
import { AppError } from '../../../../shared/errors'
import { quoteIdent, quoteQualified } from '../../mysql/identifiers'
import { keySelectExpr, keyTypeCast, orderBy, planChunks, rangePredicate, tupleCompare, type ChunkRange } from '../read/chunks'
import { readTableInfo, tableExists, type ColumnInfo, type KeyInfo, type TableInfo } from '../schema/table-info'
import { raceAbort } from '../write/transfer'
import { onReader, upsertSpec, withSessions } from '../table-sessions'
import { upsertRows, type UpsertCounts } from '../write/upsert'
import { pendingResult, type StoredWatermark, type TableResult, type TableTask, type WatermarkRef } from '../types'
import { copyTable, errorBody, selectColumns, targetSchemaDiffs, type TableContext, type TableOutcome } from './full'
import { endTable, failedOutcome, previewedNote, stopTable } from './outcome'
import { verifyAndRepair } from '../compare/repair'

/**
 * Incremental sync of one table: only rows whose cursor is at or past the last run's watermark are
 * read, under the run's snapshot, in keyset order over (cursor, key), and upserted into the live
 * target table. The first run (no watermark, or no target table) is a full copy. The watermark
 * comes from the data (the largest cursor value under the snapshot, rendered and compared by the
 * server, never through a JavaScript Date) and is held back for transactions that were still open
 * when the run read; it is recorded by the run only after the table is in place (run.ts), so a
 * crash keeps the old one and the rows are read again, which the upserts make harmless.
 */

/** Cursor column kinds a watermark can be compared on. */
const CURSOR_KINDS = new Set<ColumnInfo['kind']>(['int', 'decimal', 'temporal', 'string'])

export interface IncrementalOutcome extends TableOutcome {
  /** The watermark to record once the table is in place (absent: keep the stored one). */
  watermark?: StoredWatermark
}

/** What the run knows of the source's open transactions at its consistent point (run.ts). */
export interface OpenTransactions {
  /** Age in seconds of the oldest transaction that had written rows, at the run's clock; 0 when none. */
  oldestAgeSeconds: number | null
  /** Why it could not be read (no PROCESS privilege, ...), when it could not. */
  unreadable?: string
}

export interface IncrementalContext extends TableContext {
  watermarkRef(task: TableTask): WatermarkRef
  openTransactions: OpenTransactions
}

/** The cursor columns of a task, checked against the table: present, comparable, not excluded. */
export function cursorColumns(info: TableInfo, task: TableTask): ColumnInfo[] {
  const names = task.cursor ?? []
  if (names.length === 0) throw new AppError('VALIDATION', `${task.source}: mode incremental needs a cursor column.`)
  const byName = new Map(info.columns.map((c) => [c.name, c]))
  return names.map((n) => {
    const c = byName.get(n)
    if (!c) throw new AppError('VALIDATION', `The cursor column ${n} does not exist in ${info.name}.`)
    if (task.excludeColumns.includes(n)) throw new AppError('VALIDATION', `The cursor column ${n} of ${info.name} cannot be an excluded column.`)
    if (!CURSOR_KINDS.has(c.kind) || c.dataType === 'time' || c.dataType === 'year') {
      throw new AppError('VALIDATION', `The column ${n} of ${info.name} (${c.columnType}) cannot be a cursor: use a TIMESTAMP, DATETIME, DATE, integer, decimal or text column.`)
    }
    return c
  }).map((c, i) => {
    // A NULL after the first column compares as unknown: rows holding one at the watermark's first
    // value would never be read. The first column may be NULL (such rows are never read; the plan says so).
    if (i > 0 && c.nullable) {
      throw new AppError('VALIDATION', `The cursor column ${c.name} of ${info.name} may be NULL: only a tuple cursor's first column may; make ${c.name} NOT NULL or use a cursor without it.`)
    }
    return c
  })
}

/** Why a table cannot be synced incrementally, or null when it can. */
export function incrementalProblem(info: TableInfo, task: TableTask): string | null {
  if (!info.key) return `${info.name} has no primary key or unique NOT NULL key, which incremental upserts match rows by; use mode full.`
  try {
    cursorColumns(info, task)
  } catch (err) {
    return (err as Error).message
  }
  return null
}

/** `(cursor) >= (watermark)` over the watermark's leading columns. */
export function cursorPredicate(cursor: ColumnInfo[], value: string[]): { sql: string; params: unknown[] } {
  const cols = cursor.slice(0, value.length).map((c) => quoteIdent(c.name))
  return tupleCompare(cols, value, '>=')
}

/**
 * The key incremental chunks are planned and paged on: the cursor's first column, then the table's
 * key. Every row the cursor predicate selects has a non-NULL first column, and the table key is
 * unique and NOT NULL, so these ranges cover each such row exactly once.
 */
export function pagingKey(info: TableInfo, cursor: ColumnInfo[]): KeyInfo {
  const first = cursor[0]!
  return { name: 'cursor', kind: 'unique', columns: [first, ...info.key!.columns.filter((c) => c.name !== first.name)] }
}

function render(c: ColumnInfo, v: Buffer): string {
  return v.toString(c.kind === 'string' ? 'utf8' : 'latin1')
}

/** The largest cursor tuple of the rows `where` selects, on `conn` (a reader: its snapshot), as the server renders it. */
async function maxCursor(conn: Connection, info: TableInfo, cursor: ColumnInfo[], where: { sql: string; params: unknown[] }): Promise<string[] | null> {
  const [rows] = await conn.query<RowDataPacket[]>({
    sql:
      `SELECT ${cursor.map(keySelectExpr).join(', ')} FROM ${quoteQualified(info.database, info.name)} ` +
      `WHERE ${cursor.map((c) => `${quoteIdent(c.name)} IS NOT NULL`).join(' AND ')} AND ${where.sql} ` +
      `ORDER BY ${cursor.map((c) => `${quoteIdent(c.name)} DESC`).join(', ')} LIMIT 1`,
    values: where.params,
    rowsAsArray: true,
    typeCast: keyTypeCast as never
  })
  const row = rows[0] as unknown as Buffer[] | undefined
  return row ? row.map((v, i) => render(cursor[i]!, v)) : null
}

/**
 * The watermark to record for a largest value read: a temporal cursor is held back by the age of
 * the oldest transaction that had written rows when the run read (its rows may commit later with
 * values below what was read) and by the lag window for clocks that disagree. Computed by the
 * server on the column's own terms (no time zone or JavaScript Date involved); DATETIME(6) keeps
 * its microseconds. A held-back tuple keeps its first column only (`>=` on it covers the rest).
 */
async function holdBack(conn: Connection, cursor: ColumnInfo[], max: string[], lagSeconds: number, open: OpenTransactions): Promise<{ value: string[]; heldSeconds: number }> {
  const first = cursor[0]!
  if (first.kind !== 'temporal') return { value: max, heldSeconds: 0 }
  const seconds = lagSeconds + Math.max(0, open.oldestAgeSeconds ?? 0)
  if (seconds <= 0) return { value: max, heldSeconds: 0 }
  const micros = Math.ceil(seconds * 1e6)
  const sql =
    first.dataType === 'date'
      ? `SELECT CAST(CAST(? AS DATE) - INTERVAL ${Math.ceil(seconds / 86_400)} DAY AS CHAR) AS v`
      : `SELECT CAST(CAST(? AS DATETIME(6)) - INTERVAL ${micros} MICROSECOND AS CHAR) AS v`
  const [rows] = await conn.query<RowDataPacket[]>(sql, [max[0]])
  const v = rows[0]?.v
  if (v === null || v === undefined) return { value: max, heldSeconds: 0 }
  return { value: [String(v)], heldSeconds: seconds }
}

function sameColumns(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

export async function syncIncremental(task: TableTask, ctx: IncrementalContext): Promise<IncrementalOutcome> {
  const { hooks, options } = ctx
  const ref = ctx.watermarkRef(task)
  let stored = hooks.watermarks?.load(ref) ?? null
  const notes: string[] = []
  if (stored && !sameColumns(stored.cursorColumns, task.cursor ?? [])) {
    notes.push(`the cursor changed from ${stored.cursorColumns.join(', ')} to ${(task.cursor ?? []).join(', ')}: copied whole, then read from the new cursor`)
    stored = null
  }
  let info: TableInfo
  try {
    info = await readTableInfo(ctx.sourceMeta, ctx.sourceDb, task.source)
  } catch (err) {
    return failedOutcome(task, ctx, err)
  }
  if (info.type === 'VIEW' || info.type === 'SEQUENCE') return copyTable(task, ctx)
  const problem = incrementalProblem(info, task)
  if (problem) return failedOutcome(task, ctx, new AppError('VALIDATION', problem))
  const cursor = cursorColumns(info, task)
  const filter = task.where ? { sql: `(${task.where})`, params: [] as unknown[] } : { sql: '1=1', params: [] as unknown[] }

  let exists: boolean
  try {
    exists = await tableExists(ctx.targetMeta, ctx.targetDb, task.target)
  } catch (err) {
    return failedOutcome(task, ctx, err)
  }
  if (!stored && !exists) notes.push('first run: copied whole, then read from its watermark')
  else if (!stored) notes.push('no watermark yet: copied whole, then read from its watermark')
  else if (!exists) notes.push(`the target table is gone: copied whole again`)

  if (stored && exists) {
    const diffs = await targetSchemaDiffs(ctx, info, task)
    if (diffs.length > 0) {
      if (!options.recreateOnMismatch) {
        return failedOutcome(
          task,
          ctx,
          new AppError(
            'SCHEMA_MISMATCH',
            `The source table ${task.source} changed since the last run (${diffs.slice(0, 5).join('; ')}${diffs.length > 5 ? ` and ${diffs.length - 5} more` : ''}); ` +
              'incremental rows cannot be applied to the old definition. Run it with recreateOnMismatch (--recreate-on-mismatch) to copy the table whole with the new definition, or change the target to match.',
            { differences: diffs }
          )
        )
      }
      notes.push(`the source table changed since the last run (${diffs.join('; ')}): copied whole with the new definition (recreateOnMismatch)`)
      stored = null
    }
  }

  // Without one consistent point each table's snapshot starts with the table, maybe long after the
  // run's start: what was open then is read now, right before that snapshot.
  const tctx: IncrementalContext = ctx.readers.consistency === 'per-table' ? { ...ctx, openTransactions: await readOpenTransactions(ctx.sourceMeta) } : ctx
  warnUnreadable(tctx, task)
  if (!stored || !exists) return firstCopy(task, tctx, info, cursor, filter, notes)
  return readPastWatermark(task, tctx, info, cursor, filter, stored, notes)
}

/** A full copy (replace), with the watermark taken under the same snapshot the copy reads. */
async function firstCopy(task: TableTask, ctx: IncrementalContext, info: TableInfo, cursor: ColumnInfo[], filter: { sql: string; params: unknown[] }, notes: string[]): Promise<IncrementalOutcome> {
  let max: string[] | null
  try {
    max = await onReader(ctx, task, (r) => maxCursor(r, info, cursor, filter))
  } catch (err) {
    return failedOutcome(task, ctx, err)
  }
  // A watermark describes the rows a copy put in place: the copy must replace what is there.
  const outcome = await copyTable(task, { ...ctx, options: { ...ctx.options, onExists: ctx.options.onExists === 'fail' ? 'fail' : 'replace' } })
  const r = outcome.result
  r.notes.unshift(...notes)
  r.watermark = { before: null, after: null }
  if (r.status !== 'done' && r.status !== 'ready') return outcome
  if (!max) {
    r.notes.push('no row has a cursor value yet: the next run copies the table whole again')
    return outcome
  }
  const held = await holdBack(ctx.sourceMeta, cursor, max, ctx.options.lagSeconds ?? 0, ctx.openTransactions)
  r.watermark.after = held.value
  describeHold(r, held.heldSeconds, max, ctx.openTransactions)
  ctx.hooks.log?.('info', `copied whole; the next run reads from ${held.value.join(', ')}`, task.source)
  return { ...outcome, watermark: { cursorColumns: cursor.map((c) => c.name), value: held.value } }
}

function describeHold(r: TableResult, heldSeconds: number, max: string[], open: OpenTransactions): void {
  if (heldSeconds > 0) {
    r.notes.push(`watermark held ${heldSeconds} s below the largest cursor value read (${max.join(', ')}) for late commits and clock skew; rows in between are read again next time`)
  }
  if (open.unreadable) r.notes.push(`open transactions on the source could not be read (${open.unreadable}): only the lag window guards late commits`)
}

/** Said once per table in the log, not only in its notes: late commits are guarded less than the operator may think. */
function warnUnreadable(ctx: IncrementalContext, task: TableTask): void {
  if (ctx.openTransactions.unreadable) ctx.hooks.log?.('warn', `open transactions on the source could not be read (${ctx.openTransactions.unreadable}): only the lag window guards late commits`, task.source)
}

async function readPastWatermark(
  task: TableTask,
  ctx: IncrementalContext,
  info: TableInfo,
  cursor: ColumnInfo[],
  filter: { sql: string; params: unknown[] },
  stored: StoredWatermark,
  notes: string[]
): Promise<IncrementalOutcome> {
  const { hooks, options } = ctx
  const log = (level: 'error' | 'warn' | 'info' | 'debug', msg: string): void => hooks.log?.(level, msg, task.source)
  const result: TableResult = { ...pendingResult(task), startedAt: Date.now(), notes, watermark: { before: [...stored.value], after: [...stored.value] } }
  const progress = (): void => hooks.progress?.({ ...result, notes: [...result.notes] })
  // Rows of an incremental run go straight into the live table: there is no checkpoint to resume
  // (a rerun reads from the same watermark and its upserts find the rows already in place).
  hooks.checkpoints?.save(task.source, null)
  try {
    hooks.signal?.throwIfAborted()
    result.rowsEstimated = info.rowsEstimate
    const columns = selectColumns(info, task)
    const past = cursorPredicate(cursor, stored.value)
    const where = { sql: `${past.sql} AND ${filter.sql}`, params: [...past.params, ...filter.params] }
    const max = await onReader(ctx, task, (r) => maxCursor(r, info, cursor, where))
    result.status = 'copying'
    progress()
    const counts: { unchanged: number; replaced?: number } = { unchanged: 0 }
    if (max) await upsertPast(ctx, task, info, cursor, columns, where, result, counts, progress)
    if (counts.unchanged > 0) result.notes.push(`${counts.unchanged} row(s) read again at or after the watermark were already in place`)
    if (counts.replaced) result.notes.push(`${counts.replaced} chunk(s) had unique values moved between their rows: those rows were deleted and inserted again (counted as updated)`)
    if (result.rowsWritten === 0) result.notes.push('nothing at or past the watermark changed since the last run: 0 rows written by the cursor')
    const seenNote = previewedNote(options.previewed?.[task.source], { inserts: result.inserted, updates: result.updated, deletes: 0 })
    if (seenNote) result.notes.push(seenNote)
    result.notes.push('deletes on the source are not carried by incremental runs (a full run carries them)')
    if (options.verify) {
      result.status = 'verifying'
      progress()
      const changedOnly = options.verifyScope === 'changed'
      // The rows this run read, on both sides (the target's cursor values are the source's once upserted).
      const v = await verifyAndRepair(ctx, task, info, columns, changedOnly ? { rows: ctx.sourceMeta.format(past.sql, past.params) } : {})
      result.repaired = v.repaired
      if (changedOnly) result.notes.push('verified the rows at or past the watermark only (verifyScope: changed); the rest of the table was not compared')
      if (v.repaired > 0) {
        result.notes.push(`verification found ${v.repaired} row(s) the cursor did not show (an update that left the cursor alone, or a late commit) and repaired them`)
        log('warn', `${v.repaired} row(s) differed from the source and were repaired`)
      }
      if (v.extra > 0) result.notes.push(`${v.extra} row(s) on the target are not on the source (deleted there, or out of the filter now); incremental runs leave them (a full run removes them)`)
      result.verified = true
    }
    await ctx.readers.finishTable(task.source)
    let watermark: StoredWatermark | undefined
    if (max) {
      const held = await holdBack(ctx.sourceMeta, cursor, max, options.lagSeconds ?? 0, ctx.openTransactions)
      // It may land below the stored one (a long transaction opened since): reading more is safe.
      const value = held.value
      result.watermark = { before: [...stored.value], after: [...value] }
      describeHold(result, held.heldSeconds, max, ctx.openTransactions)
      watermark = { cursorColumns: cursor.map((c) => c.name), value }
    }
    result.status = 'done'
    log(
      'info',
      `${result.inserted} inserted, ${result.updated} updated${result.repaired ? `, ${result.repaired} repaired` : ''}; ` +
        (watermark ? `watermark ${stored.value.join(', ')} -> ${watermark.value.join(', ')}` : `nothing at or past the watermark ${stored.value.join(', ')}`)
    )
    return { result, foreignKeys: [], watermark }
  } catch (err) {
    await stopTable(ctx, task, result, err)
    return { result, foreignKeys: [] }
  } finally {
    endTable(result, progress)
  }
}

/** Reads the rows past the watermark in keyset chunks over (cursor, key) and upserts them, chunks in parallel. */
async function upsertPast(
  ctx: TableContext,
  task: TableTask,
  info: TableInfo,
  cursor: ColumnInfo[],
  columns: ColumnInfo[],
  where: { sql: string; params: unknown[] },
  result: TableResult,
  counts: { unchanged: number; replaced?: number },
  progress: () => void
): Promise<void> {
  const paging = pagingKey(info, cursor)
  // The planner's boundary queries take the filter as SQL text: the watermark's values go in as literals.
  const whereSql = ctx.sourceMeta.format(where.sql, where.params)
  const planner = planChunks(ctx.sourceMeta, { ...info, key: paging }, { chunkRows: ctx.options.chunkRows, where: whereSql, byIndex: true })
  const workers = Math.max(1, Math.min(ctx.options.parallelism, ctx.readers.perTableParallelism))
  const stop = new AbortController()
  const signal = ctx.hooks.signal ? AbortSignal.any([ctx.hooks.signal, stop.signal]) : stop.signal
  let failedWith: unknown = null
  const worker = async (): Promise<void> => {
    while (!failedWith) {
      signal.throwIfAborted()
      const next = await raceAbort(planner.next(), signal)
      if (next.done) return
      const c = await upsertRange(ctx, task, info, columns, paging, next.value, whereSql, signal)
      add(result, c, counts)
      result.chunks++
      progress()
    }
  }
  await Promise.all(
    Array.from({ length: workers }, () =>
      worker().catch((err: unknown) => {
        if (!failedWith) {
          failedWith = err
          stop.abort(err)
        }
      })
    )
  )
  if (failedWith) {
    await planner.return(undefined).catch(() => undefined)
    throw failedWith
  }
}

export function add(result: TableResult, c: UpsertCounts & { replaced?: boolean }, counts: { unchanged: number; replaced?: number }): void {
  if (c.replaced) counts.replaced = (counts.replaced ?? 0) + 1
  result.rowsRead += c.read
  result.rowsWritten += c.inserted + c.updated
  result.inserted += c.inserted
  result.updated += c.updated
  result.bytes += c.bytes
  counts.unchanged += c.unchanged
  if (c.warnings > 0) {
    result.targetWarnings = (result.targetWarnings ?? 0) + c.warnings
    if (!result.targetWarningSample?.length && c.warningSample?.length) result.targetWarningSample = c.warningSample
  }
}

async function upsertRange(
  ctx: TableContext,
  task: TableTask,
  info: TableInfo,
  columns: ColumnInfo[],
  paging: KeyInfo,
  range: ChunkRange,
  whereSql: string,
  signal: AbortSignal
): Promise<UpsertCounts & { replaced?: boolean }> {
  const pred = rangePredicate(paging, range)
  return withSessions(ctx, task, signal, (reader, slot) =>
    upsertRows(
      upsertSpec(ctx, task, { reader, slot }, columns, { sql: `${pred.sql} AND ${whereSql}`, params: pred.params }, orderBy(paging), signal, (m) =>
        ctx.hooks.log?.('info', `chunk ${range.index}: ${m}`, task.source)
      ),
      info.key!
    )
  )
}

/**
 * The age of the oldest transaction on the source that had written rows (its rows may commit after
 * the run reads, with cursor values from when it wrote them). innodb_trx shows its start in the
 * server's system time zone, so the age is taken in that zone; the engine's session zone is put back.
 * InnoDB refreshes that view only after it went unread for 100 ms, so a young transaction may not
 * show (nor any, while something reads the view more often): the lag window (sync.incremental_lag)
 * covers that.
 */
export async function readOpenTransactions(conn: Connection): Promise<OpenTransactions> {
  try {
    await conn.query("SET SESSION time_zone = 'SYSTEM'")
    const [rows] = await conn.query<RowDataPacket[]>(
      'SELECT COALESCE(MAX(TIMESTAMPDIFF(MICROSECOND, trx_started, NOW(6))), 0) / 1e6 AS age FROM information_schema.INNODB_TRX WHERE trx_rows_modified > 0 AND trx_mysql_thread_id <> CONNECTION_ID()'
    )
    // Meta sessions answer raw bytes.
    const age = Number(String(rows[0]?.age ?? 0))
    if (!Number.isFinite(age)) return { oldestAgeSeconds: null, unreadable: `unexpected transaction age ${String(rows[0]?.age)}` }
    return { oldestAgeSeconds: Math.max(0, Math.ceil(age)) }
  } catch (err) {
    return { oldestAgeSeconds: null, unreadable: errorBody(err).message }
  } finally {
    await conn.query("SET SESSION time_zone = '+00:00'")
  }
}
