import type { RowDataPacket } from 'mysql2/promise'
import { quoteIdent, quoteQualified } from '../../mysql/identifiers'
import { keySelectExpr, orderBy, rangePredicate, toKey, type ChunkRange, type KeyTuple } from '../read/chunks'
import { rowHashExpr } from '../read/encoding'
import type { ColumnInfo, KeyInfo } from '../schema/table-info'
import type { Side } from './verify'

/**
 * Row-level comparison of one key range: both sides' (key, row hash) are read and matched by key
 * as the server matches keys, which is not byte equality. Under a case- and accent-insensitive
 * collation 'a' and 'A' are one key; under a PAD SPACE collation so are 'a' and 'a  '. Text keys
 * are matched by their collation weights (WEIGHT_STRING) with trailing spaces trimmed where the
 * collation pads; a matched pair whose bytes differ shows as `different` (the row hash covers the
 * key columns), so a repair writes the source's bytes. Matching by map, not by merging in order,
 * needs no JavaScript copy of any collation's ordering.
 */

export interface RangeDiff {
  /** Source rows the target lacks. */
  missing: KeyTuple[]
  /** Rows both hold whose contents differ (key bytes included). */
  different: KeyTuple[]
  /** Target rows the source (under its filter) does not hold. */
  extra: KeyTuple[]
  /** Rows compared on each side. */
  sourceRows: number
  targetRows: number
}

/** Whether a collation ignores trailing spaces (PAD SPACE); NO PAD ones are MariaDB's `_nopad_` and MySQL 8's UCA 9.0.0. */
export function padsSpace(collation: string | null | undefined): boolean {
  return !collation || !/nopad|_0900_|^binary$/i.test(collation)
}

/** The expression keys are matched by: equal exactly when the server takes the two keys as one. */
export function keyMatchExpr(c: ColumnInfo): string {
  const q = quoteIdent(c.name)
  if (c.kind === 'string') return `HEX(WEIGHT_STRING(${padsSpace(c.collation) ? `TRIM(TRAILING ' ' FROM ${q})` : q}))`
  // Bytes (BINARY, VARBINARY), numbers and dates match as read.
  return keySelectExpr(c)
}

interface Row {
  /** The key's raw values; turned into a KeyTuple only for the rows that differ. */
  raw: Buffer[]
  hash: string
}

/** Rows compared per page by default: bounds memory whatever the chunk size. */
export const PAGE_ROWS = 5000

async function readSide(side: Side, columns: ColumnInfo[], key: KeyInfo, range: Pick<ChunkRange, 'after' | 'upTo'>, limit?: number): Promise<{ rows: Map<string, Row>; last: Buffer[] | null; count: number }> {
  const p = rangePredicate(key, range)
  const where = side.where ? ` AND (${side.where})` : ''
  const n = key.columns.length
  // Columns whose read value already matches as the server does (numbers, dates, bytes as read) are
  // not selected twice: their match text is their value.
  const extra = key.columns.map((c, i) => (keyMatchExpr(c) === keySelectExpr(c) ? null : { i, expr: keyMatchExpr(c) })).filter((x) => x !== null)
  const [rows] = await side.conn.query<RowDataPacket[]>({
    sql:
      `SELECT ${[...key.columns.map(keySelectExpr), ...extra.map((x) => x.expr), rowHashExpr(columns)].join(', ')} ` +
      `FROM ${quoteQualified(side.database, side.table)} WHERE ${p.sql}${where}` +
      (limit ? ` ORDER BY ${orderBy(key)} LIMIT ${limit}` : ''),
    values: p.params,
    rowsAsArray: true,
    // Raw bytes, without a JavaScript call per value (this reads every row of a range).
    typeCast: false
  })
  const list = rows as unknown as Buffer[][]
  const out = new Map<string, Row>()
  const matchAt = key.columns.map((_, i) => {
    const e = extra.findIndex((x) => x.i === i)
    return e < 0 ? i : n + e
  })
  const hashAt = n + extra.length
  for (const r of list) {
    // One column (the usual key) needs no join: its text is the map key as it is.
    let match = r[matchAt[0]!]!.toString('latin1')
    for (let i = 1; i < n; i++) match += '\u0000' + r[matchAt[i]!]!.toString('latin1')
    out.set(match, { raw: r.slice(0, n), hash: r[hashAt]!.toString('latin1') })
  }
  const lastRow = list.at(-1)
  return { rows: out, last: lastRow ? lastRow.slice(0, n) : null, count: list.length }
}

/**
 * Compares one key range of source and target row by row, a page at a time: a page of the source in
 * key order, then the target over exactly the key interval that page covers, as the server bounds it
 * (`(after, last]`), so both sides see the same keys without any ordering done here.
 */
export async function diffRange(
  source: Side,
  target: Side,
  columns: ColumnInfo[],
  key: KeyInfo,
  range: Pick<ChunkRange, 'after' | 'upTo'>,
  pageRows = PAGE_ROWS
): Promise<RangeDiff> {
  const out: RangeDiff = { missing: [], different: [], extra: [], sourceRows: 0, targetRows: 0 }
  let after = range.after
  for (;;) {
    const a = await readSide(source, columns, key, { after, upTo: range.upTo }, pageRows)
    const full = a.count === pageRows
    const upTo = full ? toKey(key, a.last!) : range.upTo
    const b = await readSide(target, columns, key, { after, upTo })
    out.sourceRows += a.count
    out.targetRows += b.count
    comparePage(key, a.rows, b.rows, out)
    if (!full) return out
    after = upTo
  }
}

function comparePage(key: KeyInfo, a: Map<string, Row>, b: Map<string, Row>, out: RangeDiff): void {
  for (const [k, row] of a) {
    const other = b.get(k)
    if (!other) out.missing.push(toKey(key, row.raw))
    else if (other.hash !== row.hash) out.different.push(toKey(key, row.raw))
  }
  for (const [k, row] of b) if (!a.has(k)) out.extra.push(toKey(key, row.raw))
}

/**
 * `(k1, k2) IN ((?, ?), ...)` for a batch of keys, or `k IN (?, ...)` for one column: how rows are
 * fetched from the source for a repair, and deleted from the target.
 */
export function keyInPredicate(key: KeyInfo, keys: KeyTuple[]): { sql: string; params: unknown[] } {
  const cols = key.columns.map((c) => quoteIdent(c.name))
  if (cols.length === 1) return { sql: `${cols[0]} IN (${keys.map(() => '?').join(', ')})`, params: keys.map((k) => k[0]) }
  const one = `(${cols.map(() => '?').join(', ')})`
  return { sql: `(${cols.join(', ')}) IN (${keys.map(() => one).join(', ')})`, params: keys.flat() }
}
