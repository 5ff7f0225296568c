import type { Connection } from 'mysql2/promise'
import type { TableContext } from './modes/full'
import type { ColumnInfo } from './schema/table-info'
import type { TransferSpec } from './write/transfer'
import { raceAbort, type WriterSlot } from './write/transfer'

/** Runs fn with a source reader of the table (its snapshot) and a target writer slot, both given back after. */
export async function withSessions<T>(ctx: TableContext, task: { source: string }, signal: AbortSignal | undefined, fn: (reader: Connection, slot: WriterSlot) => Promise<T>): Promise<T> {
  const reader = await acquire(ctx.readers.acquire(task.source), signal, (c) => ctx.readers.release(task.source, c))
  let w: WriterSlot | undefined
  try {
    w = await acquire(ctx.writers.acquire(), signal, (x) => ctx.writers.release(x))
    return await fn(reader, w)
  } finally {
    ctx.readers.release(task.source, reader)
    if (w) ctx.writers.release(w)
  }
}

/** Runs fn on a reader of the table (its snapshot), given back after. */
export async function onReader<T>(ctx: TableContext, task: { source: string }, fn: (reader: Connection) => Promise<T>): Promise<T> {
  const reader = await acquire(ctx.readers.acquire(task.source), ctx.hooks.signal, (c) => ctx.readers.release(task.source, c))
  try {
    return await fn(reader)
  } finally {
    ctx.readers.release(task.source, reader)
  }
}

/** Waits for a pooled session, unless `signal` aborts first; a session that arrives later goes back. */
export function acquire<T>(p: Promise<T>, signal: AbortSignal | undefined, giveBack: (v: T) => void): Promise<T> {
  return raceAbort(p, signal).catch((err: unknown) => {
    if (signal?.aborted) p.then(giveBack, () => undefined)
    throw err
  })
}

/** An upsert of a table's source rows (`where`) into its target table, on these sessions. */
export function upsertSpec(
  ctx: TableContext,
  task: { source: string; target: string },
  sessions: { reader: Connection; slot: WriterSlot },
  columns: ColumnInfo[],
  where: { sql: string; params: unknown[] },
  order: string,
  signal: AbortSignal | undefined,
  log?: (message: string) => void
): Omit<TransferSpec, 'clear'> {
  return {
    ...sessions,
    sourceDb: ctx.sourceDb,
    sourceTable: task.source,
    targetDb: ctx.targetDb,
    loadTable: task.target,
    columns,
    dialect: ctx.dialect,
    where,
    order,
    signal: signal ?? new AbortController().signal,
    ...(log ? { log } : {})
  }
}
