import { errorBody } from './full'
import { isTransientError } from '../session/transient'
import { pendingResult, type TableResult, type TableTask } from '../types'
import type { TableContext, TableOutcome } from './full'

/** A table's result marked failed (or cancelled, when the run was stopped) with the error's body. */
export function failTable(result: TableResult, ctx: Pick<TableContext, 'hooks'>, err: unknown): void {
  const aborted = ctx.hooks.signal?.aborted
  result.status = aborted ? 'cancelled' : 'failed'
  result.error = aborted ? { code: 'CANCELLED', message: 'Cancelled.' } : errorBody(err)
  result.transient = !aborted && isTransientError(err)
  // Verified means the target holds the source's rows: only a found difference says otherwise.
  if (result.error.code !== 'VERIFY_MISMATCH') result.verified = null
}

/** The outcome of a table that failed before any work (a check refused it), logged and reported. */
export function failedOutcome(task: TableTask, ctx: Pick<TableContext, 'hooks'>, err: unknown): TableOutcome {
  const now = Date.now()
  const result: TableResult = { ...pendingResult(task), startedAt: now, finishedAt: now, durationMs: 0 }
  failTable(result, ctx, err)
  ctx.hooks.log?.('error', `failed: ${result.error!.message}`, task.source)
  ctx.hooks.progress?.({ ...result, notes: [...result.notes] })
  return { result, foreignKeys: [] }
}

/** A running table stopped by an error (or a cancel): its reader let go, its result failed, the log told. */
export async function stopTable(ctx: Pick<TableContext, 'hooks' | 'readers'>, task: TableTask, result: TableResult, err: unknown): Promise<void> {
  await ctx.readers.finishTable(task.source).catch(() => undefined)
  failTable(result, ctx, err)
  ctx.hooks.log?.(ctx.hooks.signal?.aborted ? 'info' : 'error', `failed: ${result.error!.message}`, task.source)
}

/** A table's end, whatever it was: its times, and a last progress report. */
export function endTable(result: TableResult, progress: () => void): void {
  result.finishedAt = Date.now()
  result.durationMs = result.finishedAt - (result.startedAt ?? result.finishedAt)
  progress()
}

/** What a run says about the counts a preview showed for its table (null: no preview was shown). */
export function previewedNote(seen: { inserts: number; updates: number; deletes: number } | undefined, now: { inserts: number; updates: number; deletes: number }): string | null {
  if (!seen) return null
  const moved = seen.inserts !== now.inserts || seen.updates !== now.updates || seen.deletes !== now.deletes
  return moved
    ? `the counts moved since the preview (${seen.inserts}/${seen.updates}/${seen.deletes} inserts/updates/deletes then, ${now.inserts}/${now.updates}/${now.deletes} now): what is true now was applied`
    : 'the counts are those the preview showed'
}
