import type { Connection, RowDataPacket } from 'mysql2/promise'
import { AppError } from '../../../../shared/errors'
import { quoteIdent, quoteQualified } from '../../mysql/identifiers'
import { keySelectExpr, keyTypeCast, numericKey, orderBy, rangePredicate, toKey, type ChunkRange, type KeyTuple, type Predicate } from '../read/chunks'
import { rowCrcExpr } from '../read/encoding'
import type { ColumnInfo, KeyInfo } from '../schema/table-info'
import type { Side } from './verify'

/**
 * Row-level comparison: both sides' (key, row hash) over the same rows, matched by key as the server
 * matches keys, which is not byte equality. Under a case- and accent-insensitive collation 'a' and
 * 'A' are one key; under a PAD SPACE collation so are 'a' and 'a  '. Text keys are matched by their
 * collation weights (WEIGHT_STRING) with trailing spaces trimmed where the collation pads; a matched
 * pair whose bytes differ shows as `different` (the row hash covers the key columns), so a repair
 * writes the source's bytes.
 *
 * Each side answers a page as one string (a "digest"): GROUP_CONCAT of one short entry per row, its
 * key's match text, the key's bytes where those differ, and the row's CRC32. Reading a million rows
 * as a million result rows costs Node a Buffer per value and more time in the garbage collector than
 * in the comparison (measured: 2.1 of 5.3 s); as digests it is a few hundred strings. Entries are
 * matched in the order both servers give them, and by key through a small map where they disagree
 * (an inserted or deleted row), so the result never depends on that order: no JavaScript copy of any
 * collation's ordering is needed.
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

/** Rows compared per page at most: bounds memory whatever the chunk size (a digest entry is 15 to 60 bytes for most keys). */
export const PAGE_ROWS = 5000

/** Rows per page for a run's chunk size: a few pages per chunk, so a page holds few differences. */
export function pageRowsFor(chunkRows: number): number {
  return Math.max(100, Math.min(PAGE_ROWS, Math.ceil(chunkRows / 4)))
}

/**
 * One digest entry: `match1 ... matchN [bytes of text key columns ...] crc`, space-separated, made of
 * digits and hex only (so ',' and ' ' can separate). Integer-like keys are their decimal text, which
 * is both their match and their value; other keys are hex (a DATETIME's text has spaces); text keys
 * add their bytes (as utf8mb4, the connection's character set, which is how toKey reads them).
 * HEX() of a number is the hex of its integer part, so DECIMAL, FLOAT and temporal keys are made text
 * first (CONVERT ... USING); bytes are hexed as they are.
 */
export function digestEntryExpr(key: KeyInfo, columns: ColumnInfo[]): string {
  const match = key.columns.map((c) => {
    if (numericKey(c)) return keySelectExpr(c)
    if (c.kind === 'string') return keyMatchExpr(c)
    if (c.kind === 'binary') return `HEX(${quoteIdent(c.name)})`
    return `HEX(CONVERT(${keySelectExpr(c)} USING utf8mb4))`
  })
  const bytes = key.columns.filter((c) => c.kind === 'string').map((c) => `HEX(CONVERT(${quoteIdent(c.name)} USING utf8mb4))`)
  return `CONCAT_WS(' ', ${[...match, ...bytes, rowCrcExpr(columns)].join(', ')})`
}

/** The key a digest entry names, as a KeyTuple (for fetching from the source or deleting on the target). */
export function entryKey(key: KeyInfo, entry: string): KeyTuple {
  const parts = entry.split(' ')
  const n = key.columns.length
  let text = n
  const raw = key.columns.map((c, i) => {
    if (numericKey(c)) return Buffer.from(parts[i]!, 'latin1')
    return Buffer.from(parts[c.kind === 'string' ? text++ : i]!, 'hex')
  })
  return toKey(key, raw)
}

/** The entry's match text: its first n space-separated fields. */
function matchOf(entry: string, n: number): string {
  let at = -1
  for (let i = 0; i < n; i++) at = entry.indexOf(' ', at + 1)
  return entry.slice(0, at)
}

/** Connections whose group_concat_max_len was raised (once per session). */
const prepared = new WeakSet<Connection>()

/** Pages this size (in bytes of digest) or larger are taken as cut short, and read again in halves. */
const DIGEST_MAX_BYTES = 4 << 20

async function prepare(conn: Connection): Promise<void> {
  if (prepared.has(conn)) return
  // Within every server's max_allowed_packet default (MySQL 5.7's 4 MB is the smallest).
  await conn.query(`SET SESSION group_concat_max_len = LEAST(@@max_allowed_packet, ${DIGEST_MAX_BYTES})`)
  prepared.add(conn)
}

/**
 * The digest of the rows `rows` selects on one side, with its row count; null when GROUP_CONCAT had
 * to cut it (a page of very wide keys), so the caller reads less at once.
 */
async function readDigest(side: Side, key: KeyInfo, columns: ColumnInfo[], rows: Predicate): Promise<{ text: string; count: number } | null> {
  await prepare(side.conn)
  const where = side.where ? ` AND (${side.where})` : ''
  const [res] = await side.conn.query<RowDataPacket[]>({
    sql: `SELECT GROUP_CONCAT(${digestEntryExpr(key, columns)} SEPARATOR ','), COUNT(*), @@group_concat_max_len FROM ${quoteQualified(side.database, side.table)} WHERE ${rows.sql}${where}`,
    values: rows.params,
    rowsAsArray: true,
    typeCast: false
  })
  const [digest, count, max] = (res[0] as unknown as (Buffer | null)[]).map((b) => (b ? b.toString('latin1') : ''))
  if (digest!.length >= Number(max)) return null
  return { text: digest!, count: Number(count) }
}

/** Both sides' digests of the same rows, compared into `out`; false when a digest was cut short. */
async function compareRows(source: Side, target: Side, columns: ColumnInfo[], key: KeyInfo, rows: Predicate, out: RangeDiff): Promise<boolean> {
  const [a, b] = await Promise.all([readDigest(source, key, columns, rows), readDigest(target, key, columns, rows)])
  if (!a || !b) return false
  if (a.text === b.text) {
    // Equal entries in the same order: equal rows (the usual page of an up-to-date table).
    out.sourceRows += a.count
    out.targetRows += b.count
    return true
  }
  const x = a.count ? a.text.split(',') : []
  const y = b.count ? b.text.split(',') : []
  // Every entry is one row: a count that disagrees means the text was cut after all.
  if (x.length !== a.count || y.length !== b.count) return false
  compareDigests(key, x, y, out)
  return true
}

/** Matches two sides' entries into `out`: in step while they agree, by key through small maps where they do not. */
export function compareDigests(key: KeyInfo, a: string[], b: string[], out: RangeDiff): void {
  const n = key.columns.length
  // Entries one side has shown and the other not yet, by match text.
  const onlyA = new Map<string, string>()
  const onlyB = new Map<string, string>()
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    const x = a[i]!
    const y = b[j]!
    if (x === y) {
      i++
      j++
      continue
    }
    const mx = matchOf(x, n)
    const my = matchOf(y, n)
    if (mx === my) {
      out.different.push(entryKey(key, x))
      i++
      j++
      continue
    }
    const seenX = onlyB.get(mx)
    if (seenX !== undefined) {
      onlyB.delete(mx)
      if (seenX !== x) out.different.push(entryKey(key, x))
      i++
      continue
    }
    const seenY = onlyA.get(my)
    if (seenY !== undefined) {
      onlyA.delete(my)
      if (seenY !== y) out.different.push(entryKey(key, seenY))
      j++
      continue
    }
    onlyA.set(mx, x)
    onlyB.set(my, y)
    i++
    j++
  }
  for (; i < a.length; i++) {
    const x = a[i]!
    const m = matchOf(x, n)
    const seen = onlyB.get(m)
    if (seen === undefined) onlyA.set(m, x)
    else {
      onlyB.delete(m)
      if (seen !== x) out.different.push(entryKey(key, x))
    }
  }
  for (; j < b.length; j++) {
    const y = b[j]!
    const m = matchOf(y, n)
    const seen = onlyA.get(m)
    if (seen === undefined) onlyB.set(m, y)
    else {
      onlyA.delete(m)
      if (seen !== y) out.different.push(entryKey(key, seen))
    }
  }
  for (const x of onlyA.values()) out.missing.push(entryKey(key, x))
  for (const y of onlyB.values()) out.extra.push(entryKey(key, y))
  out.sourceRows += a.length
  out.targetRows += b.length
}

const emptyDiff = (): RangeDiff => ({ missing: [], different: [], extra: [], sourceRows: 0, targetRows: 0 })

/** The key of the `rows`-th source row past `after` within the range, or null when fewer are left. */
async function pageEnd(source: Side, key: KeyInfo, range: Pick<ChunkRange, 'after' | 'upTo'>, rows: number): Promise<KeyTuple | null> {
  const p = rangePredicate(key, range)
  const where = source.where ? ` AND (${source.where})` : ''
  const [res] = await source.conn.query<RowDataPacket[]>({
    sql: `SELECT ${key.columns.map(keySelectExpr).join(', ')} FROM ${quoteQualified(source.database, source.table)} WHERE ${p.sql}${where} ORDER BY ${orderBy(key)} LIMIT 1 OFFSET ${rows - 1}`,
    values: p.params,
    rowsAsArray: true,
    typeCast: keyTypeCast as never
  })
  const row = res[0] as unknown as unknown[] | undefined
  return row ? toKey(key, row) : null
}

/**
 * A page's end without asking the server, where that is safe: a single integer key between two
 * known bounds holds at most `rows` rows in any `rows` consecutive values. Null otherwise, and
 * for the last page (`end` at or past the range's end: the range's own bound ends it).
 */
function arithmeticEnd(key: KeyInfo, after: KeyTuple | null, upTo: KeyTuple | null, rows: number): KeyTuple | null | undefined {
  if (key.columns.length !== 1 || key.columns[0]!.kind !== 'int' || !after || !upTo) return undefined
  const end = (after[0] as bigint) + BigInt(rows)
  return end < (upTo[0] as bigint) ? [end] : null
}

/**
 * Compares one key range of source and target row by row, a page at a time: the page ends at the
 * key of the source's `pageRows`-th row (as the server orders the index), and both sides are read
 * over exactly that interval `(after, end]`, at the same time.
 */
export async function diffRange(
  source: Side,
  target: Side,
  columns: ColumnInfo[],
  key: KeyInfo,
  range: Pick<ChunkRange, 'after' | 'upTo'>,
  pageRows = PAGE_ROWS
): Promise<RangeDiff> {
  const out = emptyDiff()
  let after = range.after
  let page = pageRows
  for (;;) {
    const known = arithmeticEnd(key, after, range.upTo, page)
    const end = known !== undefined ? known : await pageEnd(source, key, { after, upTo: range.upTo }, page)
    const upTo = end ?? range.upTo
    if (!(await compareRows(source, target, columns, key, rangePredicate(key, { after, upTo }), out))) {
      // Wider keys than a digest holds at this page size: the same interval again, in smaller pages.
      if (page === 1) throw tooWide()
      page = Math.max(1, Math.floor(page / 2))
      continue
    }
    if (!end) return out
    after = end
    // A smaller page that had to be taken stays: the next rows have keys as wide.
  }
}

function tooWide(): AppError {
  return new AppError('COPY_FAILED', 'A single row\'s key is longer than the server lets GROUP_CONCAT return (group_concat_max_len, max_allowed_packet); the rows cannot be compared (please report this).')
}

/** Keys per statement when rows are named by key. */
const KEY_BATCH = 1000

/** Compares the rows of the given keys on both sides (the rows a run wrote, compared again after writing). */
export async function diffKeys(source: Side, target: Side, columns: ColumnInfo[], key: KeyInfo, keys: KeyTuple[]): Promise<RangeDiff> {
  const out = emptyDiff()
  let batch = KEY_BATCH
  for (let i = 0; i < keys.length; ) {
    let n = Math.min(batch, keys.length - i)
    for (;;) {
      if (await compareRows(source, target, columns, key, keyInPredicate(key, keys.slice(i, i + n)), out)) break
      if (n === 1) throw tooWide()
      n = Math.max(1, Math.floor(n / 2))
      batch = n
    }
    i += n
  }
  return out
}

/**
 * `key IN (...)` for the given keys. Text values carry the `_utf8mb4` introducer: that is what they
 * are (toKey reads them so), and it says so to every session alike. Without it, on a write session
 * whose character set is `binary`, the value would be a byte string, compared byte for byte with the
 * column: a latin1 key 'é' (one byte, E9) would never match its UTF-8 bytes (C3 A9), so its DELETE
 * would find nothing. With it the server converts the value into the column's character set, as it
 * does on any other session, and the key's index is used.
 */
export function keyInPredicate(key: KeyInfo, keys: KeyTuple[]): Predicate {
  const cols = key.columns.map((c) => quoteIdent(c.name))
  const marks = key.columns.map((c) => (c.kind === 'string' ? '_utf8mb4 ?' : '?'))
  if (cols.length === 1) return { sql: `${cols[0]} IN (${keys.map(() => marks[0]).join(', ')})`, params: keys.map((k) => k[0]!) }
  const one = `(${marks.join(', ')})`
  return { sql: `(${cols.join(', ')}) IN (${keys.map(() => one).join(', ')})`, params: keys.flat() }
}
