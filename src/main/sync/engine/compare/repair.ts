import { AppError } from '../../../../shared/errors'
import { keyToJson, orderBy, planChunks, rangesPartitionExactly, type ChunkRange, type KeyTuple } from '../read/chunks'
import type { ColumnInfo, TableInfo } from '../schema/table-info'
import { raceAbort } from '../write/transfer'
import { upsertRows } from '../write/upsert'
import type { TableTask } from '../types'
import type { TableContext } from '../modes/full'
import { upsertSpec, withSessions } from '../table-sessions'
import { tableCount, type FirstDifference, type Side } from './verify'
import { diffKeys, diffRange, keyInPredicate, pageRowsFor, type RangeDiff } from './row-diff'

/**
 * Verification that puts right what it finds, for runs that write into the live target table
 * (incremental). Every key range of the table is compared row by row against the source's snapshot
 * (row digests, row-diff.ts), and the source rows the target lacks or holds differently are fetched
 * by key and upserted. Target rows the source does not hold are counted (incremental does not carry
 * deletes). The repaired rows are compared once more; a difference left then fails the table with
 * VERIFY_MISMATCH naming the row.
 */

export interface RepairOutcome {
  /** Rows upserted because the target lacked them or held them differently. */
  repaired: number
  /** Target rows not on the source (under its filter). */
  extra: number
  /** Ranges checked, and of those the ranges that differed. */
  ranges: number
  differing: number
}

/** Keys fetched per repair statement. */
const REPAIR_BATCH = 1000

export interface RepairScope {
  /**
   * Only the rows this condition selects, on both sides (SQL text, values inlined): an incremental run's
   * `verifyScope: changed` checks the rows at or past the watermark it read, not the whole table.
   */
  rows?: string
}

export async function verifyAndRepair(ctx: TableContext, task: TableTask, info: TableInfo, columns: ColumnInfo[], scope: RepairScope = {}): Promise<RepairOutcome> {
  const key = info.key!
  const signal = ctx.hooks.signal
  const out: RepairOutcome = { repaired: 0, extra: 0, ranges: 0, differing: 0 }
  const both = (w: string | undefined): string | undefined => (scope.rows ? (w ? `(${w}) AND ${scope.rows}` : scope.rows) : w)
  const sourceWhere = both(task.where)
  const targetWhere = both(undefined)
  // A scope of few rows is planned through its own index (the cursor's), not by ranges of the whole key.
  const page = pageRowsFor(ctx.options.chunkRows)
  const planner = planChunks(ctx.sourceMeta, info, { chunkRows: ctx.options.chunkRows, where: sourceWhere, byIndex: scope.rows !== undefined })
  let sourceRows = 0
  let failure: AppError | null = null
  const parallel = Math.max(1, Math.min(ctx.options.parallelism, ctx.readers.perTableParallelism))
  const worker = async (): Promise<void> => {
    for (;;) {
      signal?.throwIfAborted()
      const next = await raceAbort(planner.next(), signal)
      if (next.done || failure) return
      const range = next.value
      out.ranges++
      await withSessions(ctx, task, signal, async (reader, slot) => {
        const src: Side = { conn: reader, database: ctx.sourceDb, table: task.source, where: sourceWhere }
        const tgt: Side = { conn: slot.check, database: ctx.targetDb, table: task.target, where: targetWhere }
        // Row digests straight away: they cost the servers less than a chunk checksum (one CRC32 per
        // row, not two), and a range that differs needs them anyway.
        const diff = await raceAbort(diffRange(src, tgt, columns, key, range, page), signal)
        sourceRows += diff.sourceRows
        const wrong = [...diff.missing, ...diff.different]
        if (wrong.length > 0 || diff.extra.length > 0) out.differing++
        for (let i = 0; i < wrong.length; i += REPAIR_BATCH) {
          const keys = wrong.slice(i, i + REPAIR_BATCH)
          const byKey = keyInPredicate(key, keys)
          const where = { sql: task.where ? `${byKey.sql} AND (${task.where})` : byKey.sql, params: byKey.params }
          const c = await upsertRows(upsertSpec(ctx, task, { reader, slot }, columns, where, orderBy(key), signal), key)
          out.repaired += c.inserted + c.updated
        }
        out.extra += diff.extra.length
        // The repaired rows compared once more, now committed.
        const left = wrong.length > 0 ? await raceAbort(diffKeys(src, tgt, columns, key, wrong), signal) : null
        if (left && (left.missing.length || left.different.length)) failure ??= mismatch(task, range, diff.sourceRows, diff.targetRows, left)
      })
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker))
  if (failure) throw failure
  if (!rangesPartitionExactly(key) && out.ranges > 1) {
    // The ranges must have covered every source row once (see verify.ts tableCount).
    const total = await withSessions(ctx, task, signal, (reader) => tableCount({ conn: reader, database: ctx.sourceDb, table: task.source, where: sourceWhere }))
    if (total !== sourceRows) throw new AppError('COPY_FAILED', `The key ranges of ${task.source} covered ${sourceRows} of its ${total} rows; the verification cannot be trusted (please report this).`)
  }
  return out
}

function mismatch(task: TableTask, range: ChunkRange, sourceRows: number, targetRows: number, diff: RangeDiff): AppError {
  const first: { key: KeyTuple; kind: FirstDifference['kind'] } = diff.missing.length ? { key: diff.missing[0]!, kind: 'missing-on-target' } : { key: diff.different[0]!, kind: 'different' }
  const d: FirstDifference = { chunk: range.index, after: keyToJson(range.after), upTo: keyToJson(range.upTo), sourceRows, targetRows, key: keyToJson(first.key), kind: first.kind }
  return new AppError(
    'VERIFY_MISMATCH',
    `Verification failed for ${task.source}: after repairing, chunk ${range.index} still differs (${diff.missing.length} row(s) missing, ${diff.different.length} different; first: ${first.kind} at key ${JSON.stringify(d.key)}). Something else writes to the target table.`,
    { firstDifference: d }
  )
}
