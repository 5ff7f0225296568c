import type { Connection, RowDataPacket } from 'mysql2/promise'
import { quoteQualified } from '../../mysql/identifiers'
import { keyToJson, orderBy, rangePredicate, type ChunkRange } from '../read/chunks'
import { rowHashExpr } from '../read/encoding'
import type { ColumnInfo, KeyInfo } from '../schema/table-info'

/**
 * Verification by chunk checksums: COUNT(*) and BIT_XOR of a per-row hash, computed on source and
 * target at the same time over the same key ranges. Only a chunk whose sums differ is opened, and
 * then (key, row hash) streams of both sides are merged to name the first differing row.
 */

export interface ChunkSum {
  rows: number
  hash: string
}

export interface FirstDifference {
  /** The chunk (by index) that differs; absent when the whole table's row count does. */
  chunk?: number
  after: ReturnType<typeof keyToJson>
  upTo: ReturnType<typeof keyToJson>
  sourceRows: number
  targetRows: number
  /** The first key that differs, and how. */
  key?: ReturnType<typeof keyToJson>
  kind?: 'missing-on-target' | 'extra-on-target' | 'different'
}

export interface Side {
  conn: Connection
  database: string
  table: string
  /** Source only: the user's row filter. */
  where?: string
}

export async function chunkSum(side: Side, columns: ColumnInfo[], key: KeyInfo | null, range: ChunkRange): Promise<ChunkSum> {
  const p = key ? rangePredicate(key, range) : { sql: '1=1', params: [] }
  const where = side.where ? ` AND (${side.where})` : ''
  const [rows] = await side.conn.query<RowDataPacket[]>({
    // With a key every row in a chunk differs, and BIT_XOR of the row hashes is enough. Without one,
    // pairs of equal rows would cancel out (two copies of one row would match two copies of another),
    // so a SUM of the hashes, which counts every copy, goes beside it (it costs a second hash per row).
    sql: key
      ? `SELECT COUNT(*) AS n, COALESCE(BIT_XOR(${rowHashExpr(columns)}), 0) AS h FROM ${quoteQualified(side.database, side.table)} WHERE ${p.sql}${where}`
      : `SELECT COUNT(*) AS n, CONCAT(COALESCE(BIT_XOR(h), 0), ':', COALESCE(SUM(h), 0)) AS h FROM (SELECT ${rowHashExpr(columns)} AS h FROM ${quoteQualified(side.database, side.table)} WHERE ${p.sql}${where}) AS r`,
    values: p.params,
    typeCast: false
  })
  const r = rows[0]!
  return { rows: Number(String(r.n)), hash: String(r.h) }
}

/**
 * Rows in the whole table (the source's filtered by its WHERE). Compared with the sums of the chunk
 * counts, it proves the chunks covered every row exactly once on both sides: a key range the
 * planner got wrong would otherwise hide the same rows from the copy and from the check alike.
 */
export async function tableCount(side: Side): Promise<number> {
  const where = side.where ? ` WHERE (${side.where})` : ''
  const [rows] = await side.conn.query<RowDataPacket[]>({ sql: `SELECT COUNT(*) AS n FROM ${quoteQualified(side.database, side.table)}${where}`, typeCast: false })
  return Number(String(rows[0]!.n))
}

/** Orders differences: a chunk's before a later chunk's, a table-wide one last. */
export function earlier(a: FirstDifference, b: FirstDifference | null): boolean {
  return !b || (a.chunk ?? Infinity) < (b.chunk ?? Infinity)
}

/** Finds the first row that differs inside one chunk, by merging both sides' (key, hash) in key order. */
export async function firstDifference(
  source: Side,
  target: Side,
  columns: ColumnInfo[],
  key: KeyInfo,
  range: ChunkRange
): Promise<Pick<FirstDifference, 'key' | 'kind'>> {
  const p = rangePredicate(key, range)
  const read = async (side: Side): Promise<{ k: string; h: string; raw: unknown[] }[]> => {
    const where = side.where ? ` AND (${side.where})` : ''
    const [rows] = await side.conn.query<RowDataPacket[]>({
      sql: `SELECT ${orderBy(key)}, ${rowHashExpr(columns)} FROM ${quoteQualified(side.database, side.table)} WHERE ${p.sql}${where} ORDER BY ${orderBy(key)}`,
      values: p.params,
      rowsAsArray: true,
      typeCast: false
    })
    return (rows as unknown as Buffer[][]).map((r) => {
      const raw = r.slice(0, key.columns.length)
      return { k: raw.map((b) => b.toString('hex')).join(','), h: String(r[key.columns.length]), raw }
    })
  }
  const [a, b] = await Promise.all([read(source), read(target)])
  // Keys come back in the index's order on both sides (same definition), so a merge by position works
  // until the first mismatch, which is all we need.
  const n = Math.max(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a[i]
    const y = b[i]
    const asKey = (raw: unknown[]): ReturnType<typeof keyToJson> =>
      keyToJson(raw.map((v, j) => (key.columns[j]!.kind === 'binary' ? (v as Buffer) : (v as Buffer).toString('utf8'))))
    if (!y) return { key: asKey(x!.raw), kind: 'missing-on-target' }
    if (!x) return { key: asKey(y.raw), kind: 'extra-on-target' }
    if (x.k !== y.k) {
      // Whichever key is absent on the other side is the difference.
      const inTarget = b.some((r) => r.k === x.k)
      return inTarget ? { key: asKey(y.raw), kind: 'extra-on-target' } : { key: asKey(x.raw), kind: 'missing-on-target' }
    }
    if (x.h !== y.h) return { key: asKey(x.raw), kind: 'different' }
  }
  return {}
}
