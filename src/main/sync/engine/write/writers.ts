import { PassThrough } from 'node:stream'
import type { Connection, ResultSetHeader, RowDataPacket } from 'mysql2/promise'
import { AppError } from '../../../../shared/errors'
import { quoteIdent, quoteQualified } from '../../mysql/identifiers'
import { loadColumnList } from '../read/encoding'
import type { ColumnInfo } from '../schema/table-info'
import type { WritePath } from '../types'
import { wireConnection, type WireConnection } from '../session/wire'

/**
 * Target-side writers. Both accept rows already rendered in their input format (by the source
 * server, or the Node fallback encoder) and apply them in one atomic unit per chunk, so a chunk is
 * either all in or not at all.
 */
export interface ChunkWriter {
  readonly path: WritePath
  /**
   * What push() takes: `line`, a row the source rendered in this writer's format (tsvLineExpr,
   * sqlTupleExpr); `row`, the bytes of a text-protocol row packet of `rawExpr` columns.
   */
  readonly input: 'line' | 'row'
  /** Starts a chunk into `db.table`; push rows, then `end()` for the rows written. */
  begin(db: string, table: string, columns: ColumnInfo[]): Promise<ChunkSink>
}

export interface ChunkSink {
  /** Takes buf[start, end) (the whole buffer by default); resolves when the writer can take more (backpressure). */
  push(buf: Buffer, start?: number, end?: number): void | Promise<void>
  end(): Promise<ChunkEnd>
  abort(err?: Error): Promise<void>
}

export interface ChunkEnd {
  rowsWritten: number
  warnings: number
  /** The first warnings' text (`SHOW WARNINGS`), where there were any. */
  warningSample?: string[]
}

/**
 * The text of the session's latest warnings, read right after the statement that raised them (the
 * next statement clears them). For the summary's note; never fails the chunk.
 */
export async function sampleWarnings(conn: Connection): Promise<string[]> {
  try {
    const [rows] = await conn.query<RowDataPacket[]>('SHOW WARNINGS LIMIT 3')
    return rows.map((r) => `${text(r.Level)} ${text(r.Code)}: ${text(r.Message)}`)
  } catch {
    return []
  }
}

function text(v: unknown): string {
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v)
}

/**
 * SQL text for a session that speaks `binary`: mysql2 sends its strings as latin1 there, so the
 * text's UTF-8 bytes (identifiers) go carried in a latin1 string, as the values do.
 */
export function binarySessionSql(sql: string): string {
  return Buffer.from(sql, 'utf8').toString('latin1')
}

const FLUSH_BYTES = 256 * 1024

/**
 * Rendered lines, each plus '\n', copied into one block of `size` bytes that is written as a whole.
 * Copying a row right away (instead of keeping the driver's row buffers in a list and
 * concatenating them) lets the row objects die young, and with them the socket reads they point
 * into: fewer objects survive each scavenge, and nothing a chunk reads stays referenced until its
 * block is full. A block is never reused once handed to the stream (whoever reads it may keep it).
 */
export class LineBlock {
  private buf: Buffer | null = null
  private used = 0
  constructor(readonly size: number) {}
  /** Whether a line of `n` bytes (its '\n' included) still fits. */
  fits(n: number): boolean {
    return this.used + n <= this.size
  }
  get length(): number {
    return this.used
  }
  /** Appends row[start, end) and a '\n'; only after fits(end - start + 1). */
  append(row: Buffer, start = 0, end = row.length): void {
    this.buf ??= Buffer.allocUnsafeSlow(this.size)
    row.copy(this.buf, this.used, start, end)
    this.used += end - start
    this.buf[this.used++] = 0x0a
  }
  /** The lines collected so far (null when none); the next lines go into a new block. */
  take(): Buffer | null {
    if (this.used === 0 || !this.buf) return null
    const out = this.used === this.size ? this.buf : this.buf.subarray(0, this.used)
    this.buf = null
    this.used = 0
    return out
  }
}

/** LOAD DATA LOCAL INFILE fed from a stream: one statement per chunk, input taken as raw bytes. */
export class LoadDataWriter implements ChunkWriter {
  readonly path = 'load-data' as const
  readonly input = 'line' as const
  constructor(
    private readonly conn: Connection,
    /** The session's character set: on a `binary` session identifiers go as UTF-8 bytes in a latin1 string. */
    private readonly session: 'utf8mb4' | 'binary' = 'utf8mb4'
  ) {}

  async begin(db: string, table: string, columns: ColumnInfo[]): Promise<ChunkSink> {
    const conn = this.conn
    const pass = new PassThrough({ highWaterMark: 1 << 20 })
    const { list, set } = loadColumnList(columns)
    const text =
      `LOAD DATA LOCAL INFILE 'db-taxi-chunk' INTO TABLE ${quoteQualified(db, table)} CHARACTER SET binary ` +
      `FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${list})${set}`
    const sql = this.session === 'binary' ? binarySessionSql(text) : text
    const done = this.conn.query<ResultSetHeader>({ sql, infileStreamFactory: () => pass } as never)
    // The statement can end early (killed, connection lost): then wake a writer waiting for 'drain'.
    let failure: Error | null = null
    done.then(
      () => {
        failure ??= new Error('LOAD DATA ended before its input did')
        pass.emit('drain')
      },
      (err: unknown) => {
        failure = err instanceof Error ? err : new Error(String(err))
        pass.emit('drain')
      }
    )
    const block = new LineBlock(FLUSH_BYTES)
    let ended = false
    const send = (buf: Buffer): void | Promise<void> => {
      if (!pass.write(buf)) {
        return new Promise<void>((resolve, reject) => {
          pass.once('drain', () => (failure ? reject(failure) : resolve()))
        })
      }
    }
    const flush = (): void | Promise<void> => {
      if (failure && !ended) throw failure
      const buf = block.take()
      if (!buf) return
      return send(buf)
    }
    return {
      push(row, start = 0, end = row.length) {
        const n = end - start
        if (!block.fits(n + 1)) {
          const wait = flush()
          if (!block.fits(n + 1)) {
            // A line larger than a block goes on its own, in block-sized pieces: each piece is a
            // packet, and the target takes no packet over its max_allowed_packet.
            const line = Buffer.allocUnsafe(n + 1)
            row.copy(line, 0, start, end)
            line[n] = 0x0a
            const sendPieces = async (): Promise<void> => {
              for (let off = 0; off < line.length; off += FLUSH_BYTES) await send(line.subarray(off, off + FLUSH_BYTES))
            }
            if (wait) return wait.then(sendPieces)
            return sendPieces()
          }
          block.append(row, start, end)
          return wait
        }
        block.append(row, start, end)
      },
      async end() {
        await flush()
        ended = true
        pass.end()
        const [res] = await done
        const warnings = res.warningStatus ?? 0
        return { rowsWritten: res.affectedRows, warnings, ...(warnings > 0 ? { warningSample: await sampleWarnings(conn) } : {}) }
      },
      async abort() {
        // Ending the input would make the server commit the rows sent so far (a LOAD DATA LOCAL
        // even ignores KILL QUERY while it reads): dropping the session makes the server abort the
        // statement and roll it back, so a chunk is all in or not at all. The driver never settles
        // the statement's promise after that, so it is not awaited; the pool replaces the session.
        destroyConnection(conn)
        pass.destroy()
      }
    }
  }
}

/**
 * Multi-row INSERT for targets with local_infile off. Statements are sized in bytes (never one `?`
 * per cell, which breaks past 65,535 placeholders): many rows up to `batchBytes`, and a single row
 * as large as the target's max_allowed_packet allows. A chunk is one transaction. The session
 * speaks `binary`, so value bytes are sent exactly as read.
 */
export class InsertWriter implements ChunkWriter {
  readonly path = 'insert' as const
  readonly input = 'line' as const
  private readonly batchBytes: number
  constructor(
    private readonly conn: Connection,
    /** The target's max_allowed_packet. */
    private readonly maxPacket: number,
    batchBytes = 4 * 1024 * 1024
  ) {
    this.batchBytes = Math.max(16 * 1024, Math.min(batchBytes, maxPacket - 1024))
  }

  async begin(db: string, table: string, columns: ColumnInfo[]): Promise<ChunkSink> {
    const prefix = binarySessionSql(`INSERT INTO ${quoteQualified(db, table)} (${columns.map((c) => quoteIdent(c.name)).join(', ')}) VALUES `)
    // The statement's packet carries a command byte besides the SQL.
    const maxStatement = this.maxPacket - 1024
    await this.conn.query('START TRANSACTION')
    let batch: string[] = []
    let size = prefix.length
    let written = 0
    let warnings = 0
    let warningSample: string[] | undefined
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return
      const sql = prefix + batch.join(',')
      batch = []
      size = prefix.length
      const [res] = await this.conn.query<ResultSetHeader>(sql)
      written += res.affectedRows
      warnings += res.warningStatus ?? 0
      if ((res.warningStatus ?? 0) > 0 && !warningSample) warningSample = await sampleWarnings(this.conn)
    }
    return {
      push: (row, start = 0, end = row.length) => {
        const tuple = row.toString('latin1', start, end)
        if (prefix.length + tuple.length > maxStatement) {
          throw new AppError(
            'COPY_FAILED',
            `A row of ${db}.${table} needs an INSERT of ${prefix.length + tuple.length} bytes, more than the target's max_allowed_packet (${this.maxPacket}) allows; raise max_allowed_packet on the target or enable local_infile there.`
          )
        }
        let p: Promise<void> | undefined
        if (batch.length > 0 && size + tuple.length + 1 > this.batchBytes) p = flush()
        batch.push(tuple)
        size += tuple.length + 1
        return p
      },
      end: async () => {
        await flush()
        await this.conn.query('COMMIT')
        return { rowsWritten: written, warnings, ...(warningSample ? { warningSample } : {}) }
      },
      abort: async () => {
        await this.conn.query('ROLLBACK').catch(() => destroyConnection(this.conn))
      }
    }
  }
}

/** Drops a session at once (the server aborts what it was doing and rolls it back). */
export function destroyConnection(conn: Connection): void {
  try {
    conn.destroy()
  } catch {
    // already gone
  }
}

/** Whether a session can no longer be used (closed, killed, or failed fatally). */
export function isDead(conn: Connection): boolean {
  // A stand-in without a driver connection (tests' fakes) counts as dead.
  const c = wireConnection(conn) as WireConnection | undefined
  if (!c) return true
  return Boolean(c._closing || c._fatalError || c._protocolError || c.stream?.destroyed)
}
