import type { Connection } from 'mysql2/promise'
import { AppError } from '../../../../shared/errors'
import { quoteQualified } from '../../mysql/identifiers'
import { rawExpr, sqlTupleExpr, sqlTupleFromValues, tsvLineExpr, tsvLineFromValues, type SqlDialect } from '../read/encoding'
import { abortReason, streamRawRows, streamRows } from '../read/row-stream'
import type { ColumnInfo } from '../schema/table-info'
import type { ChunkSink, ChunkWriter } from './writers'

/**
 * A target session that writes chunks, and one that checks them. They are the same session on the
 * LOAD DATA path; the INSERT path writes over a `binary` session, where text in statements is taken
 * as raw bytes, so its checksum queries (which carry key values and names as text) use a second,
 * ordinary utf8mb4 session.
 */
export interface WriterSlot {
  writer: ChunkWriter
  conn: Connection
  check: Connection
}

export interface WriterPool {
  acquire(): Promise<WriterSlot>
  /** Gives a slot back; one whose sessions died is replaced by the pool. */
  release(w: WriterSlot): void
}

/** Resolves with `p`, or rejects as soon as `signal` aborts (the work itself is stopped elsewhere). */
export function raceAbort<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p
  if (signal.aborted) return Promise.reject(abortReason(signal))
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal))
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(e instanceof Error ? e : new Error(String(e)))
      }
    )
  })
}

/** What one transfer moved: rows read, rows the target took, bytes, and the target's warnings. */
export interface TransferCounts {
  read: number
  written: number
  bytes: number
  warnings: number
  warningSample?: string[]
}

export interface TransferSpec {
  /** A source reader (its snapshot decides what is read). */
  reader: Connection
  slot: WriterSlot
  sourceDb: string
  sourceTable: string
  targetDb: string
  /** The table the writer loads: a shadow, the target itself, or an upsert's staging table. */
  loadTable: string
  columns: ColumnInfo[]
  dialect: SqlDialect
  /** Which source rows, as a WHERE condition with its parameters (key range, filter, cursor). */
  where: { sql: string; params: unknown[] }
  /** ORDER BY clause without the keywords, or '' for none. */
  order: string
  signal: AbortSignal
  /**
   * Rows too large for the source to render in one value are read again value by value: the load
   * table must be made empty of this transfer's rows first (clear), or the transfer refuses (null).
   */
  clear: (() => Promise<void>) | null
  log?(message: string): void
}

/**
 * Streams the selected source rows into one writer statement (or transaction): all in or nothing.
 * The fast path has the source render each row in the writer's own format; rows that do not fit
 * one value on the source (larger than its max_allowed_packet) are fetched value by value instead.
 */
export async function transferRows(spec: TransferSpec): Promise<TransferCounts> {
  const { reader, signal, columns } = spec
  const writer = spec.slot.writer
  const asSql = writer.path === 'insert'
  const from = quoteQualified(spec.sourceDb, spec.sourceTable)
  const order = spec.order ? ` ORDER BY ${spec.order}` : ''
  const tail = `FROM ${from} WHERE ${spec.where.sql}${order}`
  type Pass = TransferCounts & { skipped: number }
  const into = async (stream: (sink: ChunkSink, counts: Pass) => Promise<number>): Promise<Pass> => {
    const sink: ChunkSink = await raceAbort(writer.begin(spec.targetDb, spec.loadTable, columns), signal)
    const counts: Pass = { read: 0, written: 0, bytes: 0, skipped: 0, warnings: 0 }
    try {
      counts.read = await stream(sink, counts)
      const ended = await raceAbort(sink.end(), signal)
      counts.written = ended.rowsWritten
      counts.warnings = ended.warnings
      counts.warningSample = ended.warningSample
      return counts
    } catch (err) {
      await sink.abort(err as Error).catch(() => undefined)
      throw err
    }
  }
  /** Rows the source rendered (or `render` builds) in the writer's line format. */
  const pass = (sql: string, render: (row: (Buffer | null)[]) => Buffer | null): Promise<Pass> =>
    into((sink, counts) =>
      streamRows(
        reader,
        sql,
        spec.where.params,
        (row) => {
          const line = render(row)
          if (line === null) {
            counts.skipped++
            return
          }
          counts.bytes += line.length
          return sink.push(line, 0, line.length)
        },
        signal
      )
    )
  let r: Pass
  if (writer.input === 'row') {
    // Plain columns as the server's bytes, each text-protocol row handed to the writer as it is.
    const sql = reader.format(`SELECT ${columns.map(rawExpr).join(', ')} ${tail}`, spec.where.params)
    r = await into((sink, counts) =>
      streamRawRows(
        reader,
        sql,
        (buf, start, end) => {
          counts.bytes += end - start
          return sink.push(buf, start, end)
        },
        signal
      )
    )
  } else {
    const lineExpr = asSql ? sqlTupleExpr(columns) : tsvLineExpr(columns, spec.dialect)
    r = await pass(`SELECT ${lineExpr} ${tail}`, (row) => row[0] ?? null)
  }
  if (r.skipped > 0) {
    // Rare: rows of many MB. Redo the transfer with the values fetched one by one and rendered here.
    spec.log?.(`${r.skipped} row(s) too large to render on the source; re-reading them value by value`)
    if (!spec.clear) throw new AppError('COPY_FAILED', `Rows of ${spec.sourceTable} are too large to render on the source; they cannot be appended safely. Use replace or truncate.`)
    await spec.clear()
    r = await pass(`SELECT ${columns.map(rawExpr).join(', ')} ${tail}`, (row) => (asSql ? sqlTupleFromValues(columns, row) : tsvLineFromValues(columns, row)))
  }
  const { skipped: _skipped, ...counts } = r
  return counts
}
