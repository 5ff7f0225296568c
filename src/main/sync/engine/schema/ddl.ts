import { quoteIdent, quoteQualified } from '../../mysql/identifiers'

/**
 * Working with the source's own `SHOW CREATE TABLE`, never a DDL rebuilt by hand: it carries
 * indexes, charsets, collations, generated columns, engines, comments and partitioning exactly.
 * SHOW CREATE's output is machine-formatted (one column, key or constraint per line, strings
 * escaped), which is what makes the line-based edits below safe.
 */

export interface ParsedCreate {
  /** `CREATE TABLE` up to and including the opening parenthesis, minus the name. */
  head: string
  lines: DefinitionLine[]
  /** `) ENGINE=... ` and everything after (partitioning included). */
  tail: string
}

export type LineKind = 'column' | 'primary' | 'unique' | 'index' | 'fulltext' | 'spatial' | 'foreign' | 'check' | 'other'

export interface DefinitionLine {
  kind: LineKind
  text: string
  /** Column or index name where there is one. */
  name?: string
  /** Columns an index or foreign key is over. */
  columns?: string[]
}

const IDENT = '`((?:[^`]|``)+)`'

function unquote(s: string): string {
  return s.replace(/``/g, '`')
}

function identList(s: string): string[] {
  return [...s.matchAll(new RegExp(IDENT, 'g'))].map((m) => unquote(m[1]!))
}

export function parseCreateTable(sql: string): ParsedCreate {
  const lines = sql.split('\n')
  const first = lines[0] ?? ''
  const headMatch = new RegExp(`^CREATE (?:TEMPORARY )?TABLE ${IDENT} \\($`).exec(first)
  if (!headMatch) throw new Error(`unexpected SHOW CREATE TABLE output: ${first.slice(0, 80)}`)
  let end = lines.length - 1
  while (end > 0 && !lines[end]!.startsWith(')')) end--
  const defs: DefinitionLine[] = []
  for (const raw of lines.slice(1, end)) {
    const text = raw.trim().replace(/,$/, '')
    defs.push(classify(text))
  }
  return { head: 'CREATE TABLE', lines: defs, tail: lines.slice(end).join('\n') }
}

function classify(text: string): DefinitionLine {
  let m: RegExpExecArray | null
  if ((m = new RegExp(`^${IDENT} `).exec(text))) return { kind: 'column', text, name: unquote(m[1]!) }
  if ((m = /^PRIMARY KEY \((.*)\)/.exec(text))) return { kind: 'primary', text, name: 'PRIMARY', columns: identList(m[1]!) }
  if ((m = new RegExp(`^UNIQUE KEY ${IDENT} \\((.*)\\)`).exec(text))) return { kind: 'unique', text, name: unquote(m[1]!), columns: identList(m[2]!) }
  if ((m = new RegExp(`^FULLTEXT KEY ${IDENT} \\((.*)\\)`).exec(text))) return { kind: 'fulltext', text, name: unquote(m[1]!), columns: identList(m[2]!) }
  if ((m = new RegExp(`^SPATIAL KEY ${IDENT} \\((.*)\\)`).exec(text))) return { kind: 'spatial', text, name: unquote(m[1]!), columns: identList(m[2]!) }
  if ((m = new RegExp(`^KEY ${IDENT} \\((.*)\\)`).exec(text))) return { kind: 'index', text, name: unquote(m[1]!), columns: identList(m[2]!) }
  if ((m = new RegExp(`^CONSTRAINT ${IDENT} FOREIGN KEY \\(([^)]*)\\)`).exec(text))) {
    return { kind: 'foreign', text, name: unquote(m[1]!), columns: identList(m[2]!) }
  }
  if (/^(CONSTRAINT `(?:[^`]|``)+` )?CHECK /.test(text)) return { kind: 'check', text }
  return { kind: 'other', text }
}

/** `table` is a bare name, or `{db, table}` for a qualified one. */
export function renderCreate(parsed: ParsedCreate, table: string | { db: string; table: string }, lines: DefinitionLine[] = parsed.lines): string {
  const name = typeof table === 'string' ? quoteIdent(table) : quoteQualified(table.db, table.table)
  return `${parsed.head} ${name} (\n  ${lines.map((l) => l.text).join(',\n  ')}\n${parsed.tail}`
}

export interface LoadDdl {
  /** CREATE TABLE for the table the rows are loaded into. */
  create: string
  /** `ADD ...` clauses of indexes built after the load, in one ALTER TABLE (empty: none). */
  deferredIndexes: string[]
  /** Names of the deferred indexes, in the same order (a resumed load builds only the missing ones). */
  deferredIndexNames: string[]
  /** `ADD CONSTRAINT ... FOREIGN KEY ...` clauses, applied after every table of the run is loaded. */
  foreignKeys: string[]
  /** MyISAM-like engines: wrap the load in DISABLE KEYS / ENABLE KEYS instead of deferring. */
  disableKeys: boolean
}

/**
 * DDL for loading `table`: the source's definition minus excluded columns (and whatever refers to
 * them), foreign keys split off for later, and on InnoDB the secondary indexes deferred so they are
 * built once, sorted, after the rows are in: that is most of the win over INSERT-replaying tools.
 * The key used for chunking stays, so idempotent chunk rewrites can find their rows.
 */
export function buildLoadDdl(
  createSql: string,
  table: string,
  opts: { engine: string | null; excludeColumns?: string[]; chunkKey?: string | null; partitioned?: boolean }
): LoadDdl {
  const parsed = parseCreateTable(createSql)
  const excluded = new Set(opts.excludeColumns ?? [])
  const refersExcluded = (l: DefinitionLine): boolean =>
    (l.kind === 'column' && excluded.has(l.name!)) || (l.columns ?? []).some((c) => excluded.has(c))
  const kept = parsed.lines.filter((l) => !refersExcluded(l))
  const foreignKeys = kept.filter((l) => l.kind === 'foreign').map((l) => `ADD ${l.text}`)
  const engine = (opts.engine ?? '').toLowerCase()
  const innodb = engine === 'innodb'
  const partitioned = opts.partitioned ?? /PARTITION BY/i.test(parsed.tail)
  const deferrable = (l: DefinitionLine): boolean =>
    innodb && !partitioned && (l.kind === 'index' || l.kind === 'unique' || l.kind === 'fulltext' || l.kind === 'spatial') && l.name !== opts.chunkKey
  const loadLines = kept.filter((l) => l.kind !== 'foreign' && !deferrable(l))
  const deferredLines = kept.filter((l) => l.kind !== 'foreign' && deferrable(l))
  return {
    create: renderCreate(parsed, table, loadLines),
    deferredIndexes: deferredLines.map((l) => `ADD ${l.text}`),
    deferredIndexNames: deferredLines.map((l) => l.name ?? ''),
    foreignKeys,
    disableKeys: ['myisam', 'aria'].includes(engine)
  }
}

/**
 * The definition with what legitimately differs between two copies removed (name, AUTO_INCREMENT
 * counter), for comparing a target table with its source.
 */
export function normalizeCreate(sql: string): string {
  return sql
    .replace(/^CREATE TABLE `(?:[^`]|``)+`/, 'CREATE TABLE `t`')
    .replace(/ AUTO_INCREMENT=\d+/, '')
    .trim()
}

/** Line-level differences between two definitions, for SCHEMA_MISMATCH messages. */
export function diffCreate(source: string, target: string): string[] {
  const a = parseCreateTable(normalizeCreate(source))
  const b = parseCreateTable(normalizeCreate(target))
  const bt = new Set(b.lines.map((l) => l.text))
  const at = new Set(a.lines.map((l) => l.text))
  const out: string[] = []
  for (const l of a.lines) if (!bt.has(l.text)) out.push(`target lacks: ${l.text}`)
  for (const l of b.lines) if (!at.has(l.text)) out.push(`target has extra: ${l.text}`)
  const ta = a.tail.replace(/ AUTO_INCREMENT=\d+/, '')
  const tb = b.tail.replace(/ AUTO_INCREMENT=\d+/, '')
  if (ta !== tb) out.push(`table options differ: source ${ta.replace(/^\)\s*/, '')} / target ${tb.replace(/^\)\s*/, '')}`)
  return out
}
