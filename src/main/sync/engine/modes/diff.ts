import { AppError } from '../../../../shared/errors'
import { orderBy, planChunks, rangesPartitionExactly, type ChunkRange, type KeyTuple } from '../read/chunks'
import { readTableInfo, tableExists, type ColumnInfo, type KeyInfo, type TableInfo } from '../schema/table-info'
import { raceAbort } from '../write/transfer'
import { upsertRows } from '../write/upsert'
import { tableCount, type Side } from '../compare/verify'
import { diffKeys, diffRange, keyInPredicate, pageRowsFor, type RangeDiff } from '../compare/row-diff'
import { upsertSpec, withSessions } from '../table-sessions'
import { pendingResult, type TableResult, type TableTask } from '../types'
import { copyTable, selectColumns, targetSchemaDiffs, type TableContext, type TableOutcome } from './full'
import { endTable, failedOutcome, previewedNote, stopTable } from './outcome'

/**
 * Diff sync of one table: source and target are compared by chunk checksums over key ranges, under
 * the source's snapshot, both sides at once; a range that differs is compared row by row (keys
 * matched as the server matches them, row-diff.ts) into the rows to insert, update and delete. Only
 * those rows are fetched from the source and written: per chunk one transaction deletes the rows the
 * source no longer holds (under its filter) and upserts the rest through the run's write path. The
 * delete guard looks at the whole table's count before anything is changed. A rerun after a crash
 * compares again and converges; there is nothing to resume.
 */

/** Keys kept in memory between comparing and applying; past this, a chunk is compared again when applied. */
const KEPT_KEYS = 500_000
/** Keys per fetch or delete statement. */
const KEY_BATCH = 1000

export interface DiffCounts {
  inserts: number
  updates: number
  deletes: number
  /** Rows of the target table (under no filter), for the guard's percentage. */
  targetRows: number
}

/** Why a table cannot be synced by diff, or null when it can. */
export function diffProblem(info: TableInfo): string | null {
  return info.key ? null : `${info.name} has no primary key or unique NOT NULL key, which a diff matches rows by; use mode full.`
}

/** The most rows a run may delete from a table of `targetRows` rows. */
export function deleteLimit(maxDeletes: number | string | undefined, targetRows: number): number {
  const m = maxDeletes ?? '10%'
  if (typeof m === 'number') return m
  const pct = Number(m.replace(/%$/, ''))
  return Math.floor((targetRows * pct) / 100)
}

interface ChunkPlan {
  range: ChunkRange
  diff: RangeDiff | null
  /** The diff was not kept (too many keys): compare again when applying. */
  again: boolean
}

export async function syncDiff(task: TableTask, ctx: TableContext): Promise<TableOutcome> {
  const { hooks, options } = ctx
  const log = (level: 'error' | 'warn' | 'info' | 'debug', msg: string): void => hooks.log?.(level, msg, task.source)
  let info: TableInfo
  let exists: boolean
  try {
    info = await readTableInfo(ctx.sourceMeta, ctx.sourceDb, task.source)
    exists = await tableExists(ctx.targetMeta, ctx.targetDb, task.target)
  } catch (err) {
    return failedOutcome(task, ctx, err)
  }
  if (info.type === 'VIEW' || info.type === 'SEQUENCE') return copyTable(task, ctx)
  const problem = diffProblem(info)
  if (problem) return failedOutcome(task, ctx, new AppError('VALIDATION', problem))
  const whole = async (note: string): Promise<TableOutcome> => {
    const outcome = await copyTable(task, { ...ctx, options: { ...options, onExists: options.onExists === 'fail' ? 'fail' : 'replace' } })
    outcome.result.notes.unshift(note)
    return outcome
  }
  if (!exists) return whole('the target table does not exist yet: copied whole (later runs compare and carry the differences)')
  const diffs = await targetSchemaDiffs(ctx, info, task)
  if (diffs.length > 0) {
    if (!options.recreateOnMismatch) {
      return failedOutcome(
        task,
        ctx,
        new AppError(
          'SCHEMA_MISMATCH',
          `Target table ${ctx.targetDb}.${task.target} differs from the source (${diffs.slice(0, 5).join('; ')}); a diff compares rows of one definition. Run with recreateOnMismatch (--recreate-on-mismatch) to copy the table whole with the source's definition.`,
          { differences: diffs }
        )
      )
    }
    return whole(`the definition differed (${diffs.join('; ')}): copied whole with the source's (recreateOnMismatch)`)
  }

  const result: TableResult = { ...pendingResult(task), startedAt: Date.now() }
  const progress = (): void => hooks.progress?.({ ...result, notes: [...result.notes] })
  hooks.checkpoints?.save(task.source, null)
  try {
    result.rowsEstimated = info.rowsEstimate
    const columns = selectColumns(info, task)
    const key = info.key!
    result.status = 'verifying'
    progress()
    const { plans, counts } = await compareTable(ctx, task, info, columns)
    result.notes.push(`compared: ${counts.inserts} to insert, ${counts.updates} to update, ${counts.deletes} to delete of ${counts.targetRows} target rows`)
    const seenNote = previewedNote(options.previewed?.[task.source], counts)
    if (seenNote) result.notes.push(seenNote)
    const limit = deleteLimit(options.maxDeletes, counts.targetRows)
    if (counts.deletes > limit && !options.allowDeletes) {
      throw new AppError(
        'DELETE_GUARD',
        `The diff of ${task.source} would delete ${counts.deletes} of the ${counts.targetRows} rows of ${ctx.targetDb}.${task.target}, more than maxDeletes allows (${options.maxDeletes ?? '10%'} = ${limit}); nothing was changed. Allow it for this run (--allow-deletes, or the option in the run's confirmation) or raise maxDeletes.`,
        { deletes: counts.deletes, targetRows: counts.targetRows, limit }
      )
    }
    result.status = 'copying'
    progress()
    // Ranges are disjoint, so their transactions touch different rows and run side by side; but a
    // unique value moving between two ranges, or gap locks at their edges, can make two of them
    // deadlock. The server then rolls one back whole: that range is compared again and applied
    // after the others, one at a time.
    const retry: ChunkPlan[] = []
    const apply = async (p: ChunkPlan, again: boolean): Promise<void> => {
      hooks.signal?.throwIfAborted()
      let applied
      try {
        applied = await applyChunk(ctx, task, info, columns, key, again ? { ...p, again: true } : p)
      } catch (err) {
        if (!again && isLockConflict(err)) {
          retry.push(p)
          return
        }
        throw err
      }
      result.rowsRead += applied.read
      result.inserted += applied.inserted
      result.updated += applied.updated
      result.deleted += applied.deleted
      result.rowsWritten += applied.inserted + applied.updated
      result.bytes += applied.bytes
      result.chunks++
      if (applied.replaced) replacedChunks++
      progress()
      if (applied.left) {
        result.verified = false
        throw new AppError('VERIFY_MISMATCH', `Verification failed for ${task.source}: after applying, ${applied.left}.`)
      }
    }
    let replacedChunks = 0
    await eachParallel(ctx, plans, (p) => apply(p, false))
    if (retry.length) log('info', `${retry.length} range(s) met a lock conflict with another range; compared again and applied one at a time`)
    for (const p of retry) await apply(p, true)
    if (replacedChunks) result.notes.push(`${replacedChunks} chunk(s) had unique values moved between their rows: those rows were deleted and inserted again (counted as updated)`)
    if (options.verify) {
      // Every row was compared under the run's snapshot; those written were compared again as each range committed.
      result.verified = true
      result.notes.push(`verified: every row compared with the source's snapshot${result.rowsWritten + result.deleted ? `, the ${result.rowsWritten + result.deleted} rows written or deleted once more after writing` : ''}`)
    }
    if (result.rowsWritten === 0 && result.deleted === 0) result.notes.push('source and target were already equal: 0 rows written')
    await ctx.readers.finishTable(task.source)
    log('info', `${result.inserted} inserted, ${result.updated} updated, ${result.deleted} deleted`)
    result.status = 'done'
    return { result, foreignKeys: [] }
  } catch (err) {
    await stopTable(ctx, task, result, err)
    return { result, foreignKeys: [] }
  } finally {
    endTable(result, progress)
  }
}

/** A deadlock or lock wait timeout: the statement (or transaction) was rolled back and can be tried again. */
function isLockConflict(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT'
}

function pageRows(ctx: TableContext): number {
  return pageRowsFor(ctx.options.chunkRows)
}

/** Every key range of the table compared, both sides at once, in parallel: what differs, counted. */
export async function compareTable(ctx: TableContext, task: TableTask, info: TableInfo, columns: ColumnInfo[]): Promise<{ plans: ChunkPlan[]; counts: DiffCounts }> {
  const key = info.key!
  const signal = ctx.hooks.signal
  const planner = planChunks(ctx.sourceMeta, info, { chunkRows: ctx.options.chunkRows, where: task.where })
  const counts: DiffCounts = { inserts: 0, updates: 0, deletes: 0, targetRows: 0 }
  const plans: ChunkPlan[] = []
  let kept = 0
  let sourceRows = 0
  let ranges = 0
  const parallel = Math.max(1, Math.min(ctx.options.parallelism, ctx.readers.perTableParallelism))
  const worker = async (): Promise<void> => {
    for (;;) {
      signal?.throwIfAborted()
      const next = await raceAbort(planner.next(), signal)
      if (next.done) return
      const range = next.value
      ranges++
      await withSessions(ctx, task, signal, async (reader, slot) => {
        const src: Side = { conn: reader, database: ctx.sourceDb, table: task.source, where: task.where }
        const tgt: Side = { conn: slot.check, database: ctx.targetDb, table: task.target }
        const d = await raceAbort(diffRange(src, tgt, columns, key, range, pageRows(ctx)), signal)
        sourceRows += d.sourceRows
        counts.targetRows += d.targetRows
        counts.inserts += d.missing.length
        counts.updates += d.different.length
        counts.deletes += d.extra.length
        const size = d.missing.length + d.different.length + d.extra.length
        if (size === 0) return
        const keep = kept + size <= KEPT_KEYS
        if (keep) kept += size
        plans.push({ range, diff: keep ? d : null, again: !keep })
      })
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker))
  plans.sort((x, y) => x.range.index - y.range.index)
  if (!rangesPartitionExactly(key) && ranges > 1) {
    const total = await withSessions(ctx, task, signal, (reader) => tableCount({ conn: reader, database: ctx.sourceDb, table: task.source, where: task.where }))
    if (total !== sourceRows) throw new AppError('COPY_FAILED', `The key ranges of ${task.source} covered ${sourceRows} of its ${total} rows; the comparison cannot be trusted (please report this).`)
  }
  return { plans, counts }
}

function batches(keys: KeyTuple[]): KeyTuple[][] {
  const out: KeyTuple[][] = []
  for (let i = 0; i < keys.length; i += KEY_BATCH) out.push(keys.slice(i, i + KEY_BATCH))
  return out
}

/** One differing range: its deletes and upserts in one transaction (compared again first when its keys were not kept). */
async function applyChunk(
  ctx: TableContext,
  task: TableTask,
  info: TableInfo,
  columns: ColumnInfo[],
  key: KeyInfo,
  plan: ChunkPlan
): Promise<{ read: number; inserted: number; updated: number; deleted: number; bytes: number; replaced: boolean; left: string | null }> {
  const signal = ctx.hooks.signal ?? new AbortController().signal
  return withSessions(ctx, task, signal, async (reader, slot) => {
    const src: Side = { conn: reader, database: ctx.sourceDb, table: task.source, where: task.where }
    const tgt: Side = { conn: slot.check, database: ctx.targetDb, table: task.target }
    let d = plan.diff
    if (!d || plan.again) d = await diffRange(src, tgt, columns, key, plan.range, pageRows(ctx))
    const filter = task.where ? ` AND (${task.where})` : ''
    const fetch = batches([...d.missing, ...d.different]).map((keys) => {
      const k = keyInPredicate(key, keys)
      return { where: { sql: `${k.sql}${filter}`, params: k.params }, keys: k }
    })
    const deletes = batches(d.extra).map((keys) => keyInPredicate(key, keys))
    const [first, ...more] = fetch
    const c = await upsertRows(upsertSpec(ctx, task, { reader, slot }, columns, first?.where ?? { sql: '1=0', params: [] }, orderBy(key), signal), key, { more, deletes })
    // Verified: the rows this range did not write compared equal under the run's snapshot a moment
    // ago; the rows it wrote (and deleted) are compared once more, now that they are committed.
    let left: string | null = null
    if (ctx.options.verify) {
      const v = await diffKeys(src, tgt, columns, key, [...d.missing, ...d.different, ...d.extra])
      const n = v.missing.length + v.different.length + v.extra.length
      if (n > 0) {
        left = `chunk ${plan.range.index} still differs (${v.missing.length} missing, ${v.different.length} different, ${v.extra.length} extra)`
        // Its own DELETE matching fewer rows than it named is DB-Taxi's fault, not another writer's.
        left += c.deleted < d.extra.length ? `; its DELETE found ${c.deleted} of the ${d.extra.length} target rows it named (please report this)` : ' (something else writes to the target table?)'
      }
    }
    return { read: c.read, inserted: c.inserted, updated: c.updated, deleted: c.deleted, bytes: c.bytes, replaced: c.replaced === true, left }
  })
}

/** Runs fn over the items, up to the run's per-table parallelism at once; the first failure stops the rest. */
async function eachParallel<T>(ctx: TableContext, items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  let failed: unknown = null
  const workers = Math.max(1, Math.min(ctx.options.parallelism, ctx.readers.perTableParallelism, items.length))
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (!failed && next < items.length) {
        const item = items[next++]!
        await fn(item).catch((err: unknown) => {
          failed ??= err
        })
      }
    })
  )
  if (failed) throw failed
}
