import { PassThrough } from 'node:stream'
import type { Connection, ResultSetHeader } from 'mysql2/promise'
import { quoteIdent, quoteQualified } from '../mysql/identifiers'
import { loadColumnList } from './encoding'
import type { ColumnInfo } from './schema'

/**
 * Target-side writers. Both accept rows already rendered in their input format (by the source
 * server, or the Node fallback encoder) and apply them in one atomic unit per chunk, so a chunk is
 * either all in or not at all.
 */
export interface ChunkWriter {
  readonly path: 'load-data' | 'insert'
  /** Starts a chunk into `db.table`; push rendered rows, then `end()` for the rows written. */
  begin(db: string, table: string, columns: ColumnInfo[]): Promise<ChunkSink>
}

export interface ChunkSink {
  /** Resolves when the writer can take more (backpressure). */
  push(row: Buffer): void | Promise<void>
  end(): Promise<{ rowsWritten: number; warnings: number }>
  abort(err: Error): Promise<void>
}

const FLUSH_BYTES = 256 * 1024

/** LOAD DATA LOCAL INFILE fed from a stream: one statement per chunk, input taken as raw bytes. */
export class LoadDataWriter implements ChunkWriter {
  readonly path = 'load-data' as const
  constructor(private readonly conn: Connection) {}

  async begin(db: string, table: string, columns: ColumnInfo[]): Promise<ChunkSink> {
    const pass = new PassThrough({ highWaterMark: 1 << 20 })
    const { list, set } = loadColumnList(columns)
    const sql =
      `LOAD DATA LOCAL INFILE 'db-taxi-chunk' INTO TABLE ${quoteQualified(db, table)} CHARACTER SET binary ` +
      `FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${list})${set}`
    const done = this.conn.query<ResultSetHeader>({ sql, infileStreamFactory: () => pass } as never)
    // Keep a rejection from surfacing as unhandled before end() awaits it.
    done.catch(() => undefined)
    let parts: Buffer[] = []
    let size = 0
    const NL = Buffer.from('\n')
    const flush = (): void | Promise<void> => {
      if (size === 0) return
      const buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size)
      parts = []
      size = 0
      if (!pass.write(buf)) return new Promise<void>((r) => pass.once('drain', () => r()))
    }
    return {
      push(row) {
        parts.push(row, NL)
        size += row.length + 1
        if (size >= FLUSH_BYTES) return flush()
      },
      async end() {
        await flush()
        pass.end()
        const [res] = await done
        return { rowsWritten: res.affectedRows, warnings: res.warningStatus ?? 0 }
      },
      async abort(err) {
        pass.destroy(err)
        await done.catch(() => undefined)
      }
    }
  }
}

/**
 * Multi-row INSERT for targets with local_infile off. Statements are sized in bytes under the
 * target's max_allowed_packet (never one `?` per cell, which breaks past 65,535 placeholders), and a
 * chunk is one transaction. The session speaks `binary`, so value bytes are sent exactly as read.
 */
export class InsertWriter implements ChunkWriter {
  readonly path = 'insert' as const
  constructor(
    private readonly conn: Connection,
    private readonly maxStatementBytes: number
  ) {}

  async begin(db: string, table: string, columns: ColumnInfo[]): Promise<ChunkSink> {
    // Identifiers as UTF-8 bytes, carried in a latin1 ("binary") JS string like the values.
    const prefix = Buffer.from(
      `INSERT INTO ${quoteQualified(db, table)} (${columns.map((c) => quoteIdent(c.name)).join(', ')}) VALUES `,
      'utf8'
    ).toString('latin1')
    await this.conn.query('START TRANSACTION')
    let batch: string[] = []
    let size = prefix.length
    let written = 0
    let warnings = 0
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return
      const sql = prefix + batch.join(',')
      batch = []
      size = prefix.length
      const [res] = await this.conn.query<ResultSetHeader>(sql)
      written += res.affectedRows
      warnings += res.warningStatus ?? 0
    }
    return {
      push: (row) => {
        const tuple = row.toString('latin1')
        if (prefix.length + tuple.length + 1 > this.maxStatementBytes) {
          throw new Error(
            `a row of ${db}.${table} needs ${tuple.length} bytes, more than the target's max_allowed_packet allows; raise it on the target`
          )
        }
        if (size + tuple.length + 1 > this.maxStatementBytes) {
          const p = flush()
          batch.push(tuple)
          size += tuple.length + 1
          return p
        }
        batch.push(tuple)
        size += tuple.length + 1
      },
      end: async () => {
        await flush()
        await this.conn.query('COMMIT')
        return { rowsWritten: written, warnings }
      },
      abort: async () => {
        await this.conn.query('ROLLBACK').catch(() => undefined)
      }
    }
  }
}
