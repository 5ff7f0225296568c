import type { Connection, RowDataPacket } from 'mysql2/promise'
import { quoteQualified } from '../mysql/identifiers'
import { keyToJson, orderBy, rangePredicate, type ChunkRange } from './chunks'
import { rowHashExpr } from './encoding'
import type { ColumnInfo, KeyInfo } from './schema'

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
  chunk: number
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
    sql: `SELECT COUNT(*) AS n, COALESCE(BIT_XOR(${rowHashExpr(columns)}), 0) AS h FROM ${quoteQualified(side.database, side.table)} WHERE ${p.sql}${where}`,
    values: p.params,
    typeCast: false
  })
  const r = rows[0]!
  return { rows: Number(String(r.n)), hash: String(r.h) }
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
    const asKey = (raw: unknown[]): ReturnType<typeof keyToJson> => keyToJson(raw.map((v) => (v as Buffer).toString('utf8')))
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
