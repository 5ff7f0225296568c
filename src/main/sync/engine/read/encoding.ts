import { quoteIdent } from '../../mysql/identifiers'
import type { ColumnInfo } from '../schema/table-info'

/**
 * How rows travel. The fastest path from Node is to not parse rows in Node at all: the source
 * server renders each row as one line of the target's input format (LOAD DATA text, or an INSERT
 * tuple) from the column's own bytes, and Node only moves buffers. Measured on this kind of machine
 * that is about 3x faster than decoding each value in JS.
 *
 * Every value is taken as the server's text or bytes (`CONVERT(... USING binary)`), never re-encoded:
 * the load side is told the input is `binary`, so text in any character set lands byte-identical.
 * Not `CAST(... AS BINARY)`: that returns NULL (with only a warning) for a value larger than
 * max_allowed_packet, which would turn a large value into a NULL on the target. CONVERT has no such
 * limit; the functions that do (CONCAT_WS, QUOTE) then make the whole line NULL, which the copy sees
 * and answers by rendering that chunk in Node instead.
 */

/**
 * Columns that travel as their number: BIT (its value), and ENUM (its index: the text cannot tell
 * the invalid value, index 0, from a member that is itself '', and the index is what the row holds).
 */
export function asNumber(c: ColumnInfo): boolean {
  return c.kind === 'bit' || c.dataType === 'enum'
}

/**
 * MariaDB's fixed-size types (UUID, INET4, INET6) and their sizes. Their text ('2001:db8::1') is not
 * what they take back from a binary string: given bytes, they read their own stored form, and text
 * of the wrong length becomes NULL with only a warning. So they travel as that stored form.
 */
const FIXED_BINARY: Record<string, number> = { uuid: 16, inet6: 16, inet4: 4 }

/** The raw bytes of a column as the source holds them (BIT and ENUM as their number). */
export function rawExpr(c: ColumnInfo): string {
  const q = quoteIdent(c.name)
  if (asNumber(c)) return `${q} + 0`
  const fixed = FIXED_BINARY[c.dataType]
  if (fixed) return `CAST(${q} AS BINARY(${fixed}))`
  // FLOAT printed directly can lose digits; through DOUBLE it round-trips exactly.
  if (c.kind === 'float' && c.dataType === 'float') return `CONVERT(CAST(${q} AS DOUBLE) USING binary)`
  return `CONVERT(${q} USING binary)`
}

/** Kinds whose text can hold a tab, newline or backslash and so need escaping for LOAD DATA. */
export function mayNeedEscape(c: ColumnInfo): boolean {
  if (asNumber(c)) return false
  return c.kind === 'string' || c.kind === 'binary' || c.kind === 'enum' || c.kind === 'json' || c.kind === 'spatial'
}

/**
 * Which SQL the source server speaks where the two differ. MariaDB's REPLACE() moves the rest of
 * the string for every match (quadratic: a 10 MB blob with millions of tabs and backslashes keeps a
 * core busy for an hour, and KILL cannot stop it), so there the three escapes are one linear
 * REGEXP_REPLACE (PCRE, byte-wise on binary strings). MySQL 8's REGEXP_REPLACE refuses binary
 * strings, so MySQL keeps the nested REPLACE.
 */
export type SqlDialect = 'mariadb' | 'mysql'

/** Escapes backslash, tab and newline the way LOAD DATA reads them back (`\\`, `\<TAB>`, `\<LF>`). */
export function escapeExpr(e: string, dialect: SqlDialect): string {
  if (dialect === 'mariadb') return `REGEXP_REPLACE(${e}, '([\\\\\\\\\\t\\n])', '\\\\\\\\\\\\1')`
  return `REPLACE(REPLACE(REPLACE(${e}, '\\\\', '\\\\\\\\'), '\\t', '\\\\t'), '\\n', '\\\\n')`
}

/** One field of a LOAD DATA line (FIELDS TERMINATED BY '\t' ESCAPED BY '\\', NULL as \N). */
export function tsvFieldExpr(c: ColumnInfo, dialect: SqlDialect = 'mysql'): string {
  let e = rawExpr(c)
  if (mayNeedEscape(c)) e = escapeExpr(e, dialect)
  return c.nullable ? `IFNULL(${e}, '\\\\N')` : e
}

/** The whole line; CONCAT_WS would skip NULLs, which is why every nullable field is wrapped. */
export function tsvLineExpr(cols: ColumnInfo[], dialect: SqlDialect = 'mysql'): string {
  return `CONCAT_WS('\\t', ${cols.map((c) => tsvFieldExpr(c, dialect)).join(', ')})`
}

/** One value of an INSERT tuple: QUOTE() escapes like the server's own parser expects; BIT as a number. */
export function sqlValueExpr(c: ColumnInfo): string {
  if (asNumber(c)) return `IFNULL(${quoteIdent(c.name)} + 0, 'NULL')`
  return `QUOTE(${rawExpr(c)})`
}

export function sqlTupleExpr(cols: ColumnInfo[]): string {
  return `CONCAT('(', ${cols.map(sqlValueExpr).join(", ',', ")}, ')')`
}

/** Types whose values can be large enough to push a whole row past max_allowed_packet. */
const LONG_TYPES = new Set(['text', 'mediumtext', 'longtext', 'blob', 'mediumblob', 'longblob', 'json'])

/** Values above this size enter the row hash as their MD5, so no row is too large to hash. */
export const HASH_INLINE_BYTES = 4096

/**
 * Per-row hash for verification: cheap, and the same expression on both sides. Nullable columns
 * carry an explicit NULL marker (CONCAT_WS skips NULLs, so '' and NULL would otherwise collide);
 * text is compared as bytes so collations cannot make different bytes look equal. Long values
 * (TEXT, BLOB, JSON, spatial) above a few KB go in as their MD5: a row larger than the server's
 * max_allowed_packet would otherwise make CONCAT_WS return NULL, and NULL hashes are invisible to
 * BIT_XOR, so such rows would never be compared at all.
 *
 * This one is for comparing one row with one row (row-diff.ts), where CRC32 is all it takes.
 */
export function rowCrcExpr(cols: ColumnInfo[]): string {
  return `CRC32(${rowTextExpr(cols)})`
}

/**
 * Numbers and dates enter the row's text as themselves: their text is ASCII in any character set, so
 * the CONVERT that text and bytes need would only cost the server time (~15% of a row hash). Their
 * text never holds the tab that separates fields either, so it needs no length beside it.
 */
const PLAIN_TEXT_KINDS = new Set<ColumnInfo['kind']>(['int', 'decimal', 'temporal'])

/** Columns whose value can hold any byte (a tab too), so the row's text also carries their length. */
function anyBytes(c: ColumnInfo): boolean {
  return mayNeedEscape(c)
}

/** One column's value in the row's text; a long value enters as its MD5 (its length, past the limit, says so). */
function rowValueExpr(c: ColumnInfo): string {
  const q = quoteIdent(c.name)
  if (!anyBytes(c)) return PLAIN_TEXT_KINDS.has(c.kind) ? q : rawExpr(c)
  if (LONG_TYPES.has(c.dataType) || c.kind === 'spatial') return `IF(LENGTH(${q}) > ${HASH_INLINE_BYTES}, MD5(${q}), ${rawExpr(c)})`
  return rawExpr(c)
}

/**
 * The row's text, which must tell rows apart, not only values: with values just joined by tabs,
 * ('x\t', 'y') and ('x', '\ty') would read the same, and ('p\t0', NULL) with a NULL marker would
 * read as ('p', '1'). So after the values (NULLs left out) come the byte lengths of the values that
 * can hold any byte, and last a NULL marker (0 or 1) per nullable column; both are digits only.
 * Read from the end, the markers (a fixed number) say which values are there, the lengths (one per
 * such value) where each ends, and numbers and dates hold no tab: a text can be read back one way
 * only. (A length prefix on each value would do too, but costs the server a third more per row.)
 */
function rowTextExpr(cols: ColumnInfo[]): string {
  const values = cols.map(rowValueExpr)
  const lengths = cols.filter(anyBytes).map((c) => `LENGTH(${quoteIdent(c.name)})`)
  const markers = cols.filter((c) => c.nullable).map((c) => `ISNULL(${quoteIdent(c.name)})`)
  return `CONCAT_WS('\\t', ${[...values, ...lengths, ...markers].join(', ')})`
}

/**
 * The row hash that chunk checksums XOR together (verify.ts). CRC32 is linear: for two rows of one
 * chunk that swap a value of equal length (status 'a' and 'b' trading places), CRC32(row1) XOR
 * CRC32(row2) stays the same, so a chunk's BIT_XOR could not see the swap. The row's own CRC32,
 * written out in decimal, is put in front of the row and hashed again: the decimal text is no linear
 * function of the row, so such differences no longer cancel. (It builds the row's text twice, about
 * 1.7x the cost of rowCrcExpr, which is why row-by-row compares use that one.)
 */
export function rowHashExpr(cols: ColumnInfo[]): string {
  const row = rowTextExpr(cols)
  return `CRC32(CONCAT(CRC32(${row}), '\\t', ${row}))`
}

/**
 * LOAD DATA's column list: BIT and ENUM values arrive as numbers and go through a variable (LOAD
 * DATA would take a bare number as text); everything else loads straight into its column.
 */
export function loadColumnList(cols: ColumnInfo[]): { list: string; set: string } {
  const sets: string[] = []
  const list = cols.map((c, i) => {
    if (asNumber(c)) {
      sets.push(`${quoteIdent(c.name)} = CAST(@v${i} AS UNSIGNED)`)
      return `@v${i}`
    }
    return quoteIdent(c.name)
  })
  return { list: list.join(', '), set: sets.length ? ` SET ${sets.join(', ')}` : '' }
}

// ---------- Node-side encoders: used when a row is too large for the server to render in one value ----------

const BACKSLASH = 0x5c
const TAB = 0x09
const NL = 0x0a

/** Escapes one raw value for a LOAD DATA line (as tsvFieldExpr does on the server). */
export function tsvEscape(value: Buffer | null, escape: boolean): Buffer {
  if (value === null) return Buffer.from('\\N')
  if (!escape) return value
  let extra = 0
  for (let i = 0; i < value.length; i++) {
    const b = value[i]!
    if (b === BACKSLASH || b === TAB || b === NL) extra++
  }
  if (extra === 0) return value
  const out = Buffer.allocUnsafe(value.length + extra)
  let j = 0
  for (let i = 0; i < value.length; i++) {
    const b = value[i]!
    if (b === BACKSLASH) {
      out[j++] = BACKSLASH
      out[j++] = BACKSLASH
    } else if (b === TAB) {
      out[j++] = BACKSLASH
      out[j++] = 0x74 // t
    } else if (b === NL) {
      out[j++] = BACKSLASH
      out[j++] = 0x6e // n
    } else out[j++] = b
  }
  return out
}

export function tsvLineFromValues(cols: ColumnInfo[], values: (Buffer | null)[]): Buffer {
  const parts: Buffer[] = []
  values.forEach((v, i) => {
    if (i > 0) parts.push(Buffer.from('\t'))
    parts.push(tsvEscape(v, mayNeedEscape(cols[i]!)))
  })
  return Buffer.concat(parts)
}

/** Escapes one raw value as a quoted SQL literal, the way QUOTE() does. */
export function sqlQuote(value: Buffer | null): Buffer {
  if (value === null) return Buffer.from('NULL')
  const out: number[] = [0x27]
  for (const b of value) {
    if (b === 0x27) out.push(0x5c, 0x27)
    else if (b === BACKSLASH) out.push(0x5c, 0x5c)
    else if (b === 0) out.push(0x5c, 0x30)
    else if (b === 0x1a) out.push(0x5c, 0x5a)
    else out.push(b)
  }
  out.push(0x27)
  return Buffer.from(out)
}

export function sqlTupleFromValues(cols: ColumnInfo[], values: (Buffer | null)[]): Buffer {
  const parts: Buffer[] = [Buffer.from('(')]
  values.forEach((v, i) => {
    if (i > 0) parts.push(Buffer.from(','))
    parts.push(asNumber(cols[i]!) ? (v === null ? Buffer.from('NULL') : v) : sqlQuote(v))
  })
  parts.push(Buffer.from(')'))
  return Buffer.concat(parts)
}
