import type { Connection, RowDataPacket } from 'mysql2/promise'
import { quoteIdent, quoteQualified } from '../../mysql/identifiers'
import type { ColumnInfo, KeyInfo, TableInfo } from '../schema/table-info'

/**
 * Chunks are key ranges `(after, upTo]` over the table's primary or unique key. Key values keep
 * the type the server compares them in: integers as BigInt, text as strings (so the column's
 * collation orders them, as the index does), binary as Buffers.
 */
export type KeyValue = bigint | string | Buffer
export type KeyTuple = KeyValue[]

export interface ChunkRange {
  index: number
  /** Exclusive lower bound; null: from the start. */
  after: KeyTuple | null
  /** Inclusive upper bound; null: to the end. */
  upTo: KeyTuple | null
}

export interface Predicate {
  sql: string
  params: KeyValue[]
}

/** `(a, b) > (x, y)` spelled out as ORs, which every MySQL and MariaDB version turns into index ranges. */
export function tupleCompare(cols: string[], values: KeyTuple, op: '>' | '<=' | '>='): Predicate {
  const strict = op === '<=' ? '<' : '>'
  const parts: string[] = []
  const params: KeyValue[] = []
  for (let i = 0; i < cols.length; i++) {
    const eqs = cols.slice(0, i).map((c) => `${c} = ?`)
    const last = i === cols.length - 1 && op !== '>' ? op : strict
    parts.push(`(${[...eqs, `${cols[i]} ${last} ?`].join(' AND ')})`)
    params.push(...values.slice(0, i), values[i]!)
  }
  return { sql: parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`, params }
}

export function rangePredicate(key: KeyInfo, range: Pick<ChunkRange, 'after' | 'upTo'>): Predicate {
  const cols = key.columns.map((c) => quoteIdent(c.name))
  const out: Predicate[] = []
  if (range.after) out.push(tupleCompare(cols, range.after, '>'))
  if (range.upTo) out.push(tupleCompare(cols, range.upTo, '<='))
  if (out.length === 0) return { sql: '1=1', params: [] }
  return { sql: out.map((p) => p.sql).join(' AND '), params: out.flatMap((p) => p.params) }
}

export function orderBy(key: KeyInfo): string {
  return key.columns.map((c) => quoteIdent(c.name)).join(', ')
}

/**
 * Key columns compared as numbers: integers, and ENUM and SET (which sort by their index, while
 * comparing them with a string compares the text: `e > 'm'` would not follow ORDER BY e).
 */
export function numericKey(c: ColumnInfo): boolean {
  return c.kind === 'int' || c.kind === 'enum' || c.kind === 'bit'
}

/** How a key column is read for chunk boundaries, so that comparing with the value is exact. */
export function keySelectExpr(c: ColumnInfo): string {
  const q = quoteIdent(c.name)
  if (c.kind === 'enum' || c.kind === 'bit') return `${q} + 0`
  // FLOAT prints with 6 digits: through DOUBLE the boundary is the exact stored value.
  if (c.kind === 'float' && c.dataType === 'float') return `CAST(${q} AS DOUBLE)`
  return q
}

/** Reads key values as raw bytes; toKey() decides by column kind what they are. */
export function keyTypeCast(field: { buffer(): Buffer | null }): unknown {
  return field.buffer()
}

/** A key tuple from raw key values read with keySelectExpr and keyTypeCast. */
export function toKey(key: KeyInfo, row: unknown[]): KeyTuple {
  return key.columns.map((c, i) => {
    const v = row[i] as Buffer
    if (numericKey(c)) return BigInt(v.toString('latin1'))
    if (c.kind === 'binary') return v
    // Results arrive as utf8mb4; text keys compare in their column's collation, as the index orders them.
    return v.toString('utf8')
  })
}

export interface PlanOptions {
  chunkRows: number
  /** User filter, already checked; applied to every chunk on the source. */
  where?: string
  /** Continue after this key (a checkpoint): the first range starts after it. */
  startAfter?: KeyTuple | null
  /** Index of the first range planned (chunks before it were copied by an earlier attempt). */
  firstIndex?: number
  /**
   * Boundaries always from the index, under `where`: for reads of a small, filtered part of a
   * table (an incremental run's rows past its watermark), where arithmetic ranges between the
   * table's MIN and MAX would be mostly empty.
   */
  byIndex?: boolean
}

/**
 * Plans the chunks of a table lazily (an async generator), so copying starts at once and the plan
 * never holds the whole key space in memory.
 *  - Integer single-column keys that are dense enough: arithmetic ranges between MIN and MAX.
 *  - Anything else (composite, text, sparse integers): boundaries read from the index, every
 *    `chunkRows`-th key, so chunks stay even whatever the key distribution.
 *  - No usable key: one chunk, the whole table.
 */
export async function* planChunks(conn: Connection, table: TableInfo, opts: PlanOptions): AsyncGenerator<ChunkRange> {
  const key = table.key
  if (!key) {
    yield { index: 0, after: null, upTo: null }
    return
  }
  const from = quoteQualified(table.database, table.name)
  const where = opts.where ? `(${opts.where})` : '1=1'
  const kcols = orderBy(key)
  const chunkRows = Math.max(1, opts.chunkRows)
  const startAfter = opts.startAfter ?? null
  const firstIndex = opts.firstIndex ?? 0

  if (!opts.byIndex && key.columns.length === 1 && key.columns[0]!.kind === 'int') {
    const [rows] = await conn.query<RowDataPacket[]>({
      sql: `SELECT MIN(${kcols}) AS lo, MAX(${kcols}) AS hi FROM ${from}`,
      typeCast: keyTypeCast as never
    })
    const lo = (rows[0]?.lo as Buffer | null | undefined)?.toString('latin1')
    const hi = (rows[0]?.hi as Buffer | null | undefined)?.toString('latin1')
    if (lo === null || lo === undefined) {
      yield { index: firstIndex, after: startAfter, upTo: null }
      return
    }
    const min = BigInt(String(lo))
    const max = BigInt(String(hi))
    const span = max - min + 1n
    const estimate = BigInt(Math.max(1, table.rowsEstimate))
    // Dense enough when the span is at most 4x the rows: each range then holds about chunkRows rows.
    if (span <= estimate * 4n || span <= BigInt(chunkRows)) {
      const step = BigInt(chunkRows) * (span > estimate ? span / estimate : 1n)
      let index = firstIndex
      let after: bigint | null = startAfter ? (startAfter[0] as bigint) : null
      for (let upper = (after ?? min - 1n) + step; ; upper += step) {
        const last = upper >= max
        // The last range is open-ended so rows inserted above MAX after planning are still read.
        yield { index: index++, after: after === null ? null : [after], upTo: last ? null : [upper] }
        if (last) return
        after = upper
      }
    }
  }

  // Boundaries from the index: the key of every chunkRows-th row.
  let after: KeyTuple | null = startAfter
  let index = firstIndex
  for (;;) {
    const p = after ? rangePredicate(key, { after, upTo: null }) : { sql: '1=1', params: [] }
    const [rows] = await conn.query<RowDataPacket[]>({
      sql: `SELECT ${key.columns.map(keySelectExpr).join(', ')} FROM ${from} WHERE ${p.sql} AND ${where} ORDER BY ${kcols} LIMIT 1 OFFSET ${chunkRows - 1}`,
      values: p.params,
      rowsAsArray: true,
      typeCast: keyTypeCast as never
    })
    const row = rows[0] as unknown as unknown[] | undefined
    if (!row) {
      yield { index, after, upTo: null }
      return
    }
    const upTo = toKey(key, row)
    yield { index: index++, after, upTo }
    after = upTo
  }
}

/** Key tuple as JSON-safe values, for checkpoints and reports. */
export function keyToJson(k: KeyTuple | null): (string | { hex: string })[] | null {
  if (!k) return null
  return k.map((v) => (Buffer.isBuffer(v) ? { hex: v.toString('hex') } : String(v)))
}

export function keyFromJson(key: KeyInfo, k: (string | { hex: string })[] | null): KeyTuple | null {
  if (!k) return null
  return k.map((v, i) => {
    if (typeof v === 'object') return Buffer.from(v.hex, 'hex')
    return numericKey(key.columns[i]!) ? BigInt(v) : v
  })
}

/**
 * Whether consecutive `(after, upTo]` ranges over this key are certain to cover every row exactly
 * once: true for a single integer column, where the server compares exactly as it orders. Other
 * keys (text under a collation, ENUM, composite) get a whole-table count as a cross-check.
 */
export function rangesPartitionExactly(key: KeyInfo | null): boolean {
  return key !== null && key.columns.length === 1 && key.columns[0]!.kind === 'int'
}
