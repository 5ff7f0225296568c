// One dialect's grammar alone (about a tenth of the package): the renderer bundles this module too.
// The MySQL grammar, not the MariaDB one: for the expressions a filter may use the servers agree, and
// this grammar also reads compound INTERVAL units ('1 2' DAY_HOUR) and names such as `status`/`end`.
import { Parser } from 'node-sql-parser/build/mysql'
import { AppError } from './errors'
import { FilterRefusal, asciiUpper, functionRefusal, lexRowFilter, type FilterToken } from './row-filter-lexer'
import { ALLOWED_KEYWORDS, BARE_TIME_FUNCTIONS, CAST_TYPES, FILTER_FUNCTIONS, INTERVAL_UNITS, RESERVED_WORDS } from './row-filter-words'
import { closestName } from './closest-name'

export { FILTER_FUNCTION_GROUPS, FILTER_FUNCTIONS } from './row-filter-words'

/**
 * A user's row filter (the WHERE of one table), checked by two independent readings before it may
 * run: the lexical check (row-filter-lexer.ts, the server's own tokenization, with an allowlist of
 * callable names and keywords) and this one, a real parse with node-sql-parser (its MySQL grammar)
 * whose every node must be on an allowlist: the table's own columns, literals, the comparison,
 * logical, arithmetic and bit operators, IN (a list), BETWEEN, LIKE … ESCAPE, IS [NOT] NULL/TRUE/
 * FALSE/UNKNOWN, CASE, INTERVAL, CAST/CONVERT to plain types, COLLATE, and the pure functions of
 * row-filter-words.ts. Anything else is refused with VALIDATION naming the part.
 *
 * What runs is the user's own text (trimmed), not the parser's re-serialization: node-sql-parser
 * groups some operators differently from the server (it reads `a = 1 XOR b` as `a = (1 XOR b)` and
 * `a || b && c` as `(a || b) && c`), so printing its tree back would silently change which rows are
 * copied. Both checks read the text that runs, token for token (the parser gets bare names in
 * backticks and bare LOCALTIME-like calls with their parentheses, which is how the server reads them),
 * and every column and call the parser found is matched to the lexer's token at the same offset, so
 * the two cannot disagree about what is a name, a string or a call. Security does not rest on the
 * parser's grouping: whatever tree the server builds, it is made of these allowed tokens. The engine
 * runs the text only on the source, inside parentheses, read-only.
 */

export const ROW_FILTER_MAX_LENGTH = 10_000

/** The statement the filter is parsed in: the engine also wraps it in parentheses. */
const PREFIX = 'SELECT * FROM t WHERE ('
const SUFFIX = ')'

/**
 * Words the parser is given as they are written: the keywords of a filter's syntax. Every other bare
 * word is a name to the server (it is not reserved, and none of the allowed constructs reads it as a
 * keyword), so the parser is given it in backticks, as the server reads it: node-sql-parser's grammar
 * reserves common column names the server does not (`status`, `json`, `global`, …). Only the parser's
 * input is quoted; what runs is the user's text.
 */
const KEEP_BARE: ReadonlySet<string> = new Set([
  ...RESERVED_WORDS, ...ALLOWED_KEYWORDS, ...INTERVAL_UNITS, ...[...CAST_TYPES].flatMap((t) => t.split(' ')),
  'DATE', 'TIME', 'TIMESTAMP', 'DATETIME', 'ESCAPE', 'UNKNOWN', 'END', 'CHARSET', 'JSON', 'SOUNDS'
])
/** A name follows these words (a collation, a character set), not a column. */
const BEFORE_NAME = new Set(['COLLATE', 'USING', 'SET', 'CHARSET'])

interface ParseInput {
  sql: string
  /** Token index by its offset in `sql`. */
  at: Map<number, number>
  /** [offset in sql, offset in the filter] of each token, in order. */
  offsets: [number, number][]
}

function parseInput(text: string, tokens: FilterToken[]): ParseInput {
  let sql = PREFIX
  let from = 0
  const at = new Map<number, number>()
  const offsets: [number, number][] = []
  tokens.forEach((t, i) => {
    sql += text.slice(from, t.start)
    const prev = tokens[i - 1]
    const next = tokens[i + 1]
    const afterDot = prev?.kind === 'op' && prev.text === '.'
    const afterKeyword = prev?.kind === 'word' && BEFORE_NAME.has(asciiUpper(prev.text))
    const call = next?.kind === 'op' && next.text === '('
    const quote = t.kind === 'word' && !call && (afterDot || (!KEEP_BARE.has(asciiUpper(t.text)) && !afterKeyword))
    // The server calls LOCALTIME and its kin when they stand bare; this grammar wants the parentheses.
    const bareCall = t.kind === 'word' && !call && !afterDot && BARE_TIME_FUNCTIONS.has(asciiUpper(t.text))
    at.set(sql.length, i)
    offsets.push([sql.length, t.start])
    sql += quote ? `\`${t.text}\`` : bareCall ? `${t.text}()` : text.slice(t.start, t.end)
    from = t.end
  })
  return { sql: sql + text.slice(from) + SUFFIX, at, offsets }
}

let parser: Parser | undefined
const parse = (sql: string): unknown => {
  parser ??= new Parser()
  return parser.astify(sql, { database: 'MySQL', parseOptions: { includeLocations: true } })
}

type Node = Record<string, unknown>
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v)

const refuse = (part: string): never => {
  throw new FilterRefusal(part)
}

const BINARY_OPERATORS = new Set([
  'AND', 'OR', 'XOR', '&&', '||', '=', '!=', '<>', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', 'DIV', 'MOD', '&', '|',
  '^', '<<', '>>', 'IS', 'IS NOT', 'IN', 'NOT IN', 'BETWEEN', 'NOT BETWEEN', 'LIKE', 'NOT LIKE'
])
const UNARY_OPERATORS = new Set(['NOT', '!', '-', '+', '~'])
const LITERALS = new Set([
  'number', 'bigint', 'single_quote_string', 'double_quote_string', 'natural_string', 'hex_string', 'full_hex_string',
  'bit_string', 'bool', 'null', 'date', 'time', 'timestamp', 'datetime'
])
const TRIM_WORDS = new Set(['BOTH', 'LEADING', 'TRAILING', 'FROM'])
const NAME = /^[A-Za-z0-9_]+$/

interface Walk {
  table: string
  columns?: readonly string[]
  tokens: FilterToken[]
  /** Token index by its start offset in the parsed statement. */
  at: Map<number, number>
}

/** Keys a node may carry besides `type`, `loc` and `parentheses`; anything else set is syntax we do not know. */
function onlyKeys(n: Node, keys: string[]): void {
  for (const [k, v] of Object.entries(n)) {
    if (k === 'type' || k === 'loc' || k === 'parentheses' || keys.includes(k)) continue
    if (v === null || v === undefined || v === false || (Array.isArray(v) && v.length === 0)) continue
    refuse(`this part of the filter is not allowed (${String(n.type)} with ${k})`)
  }
}

function listOf(v: unknown): unknown[] {
  if (isNode(v) && v.type === 'expr_list' && Array.isArray(v.value)) return v.value
  return refuse('this part of the filter is not allowed (a malformed list)')
}

function checkCollate(v: unknown): void {
  if (v === null || v === undefined) return
  const name = isNode(v) && isNode(v.collate) ? v.collate.name : undefined
  if (typeof name !== 'string' || !NAME.test(name)) refuse('the COLLATE clause is not allowed here')
}

/** The identifier tokens of a column reference starting at `start`: `c`, `t.c` or `d.t.c`. */
function nameTokensAt(w: Walk, loc: unknown): { parts: string[]; bare: boolean } {
  const start = isNode(loc) && isNode(loc.start) && typeof loc.start.offset === 'number' ? loc.start.offset : -1
  let i = w.at.get(start)
  if (i === undefined) return refuse('the filter could not be read unambiguously (a name the parser found is not where the server would read one)')
  const parts: string[] = []
  let bare = true
  for (;;) {
    const t = w.tokens[i]
    if (t?.kind === 'word') parts.push(t.text)
    else if (t?.kind === 'quoted') {
      parts.push(t.name)
      bare = false
    } else return refuse('the filter could not be read unambiguously (a name the parser found is not a name to the server)')
    const dot = w.tokens[i + 1]
    if (dot?.kind !== 'op' || dot.text !== '.') break
    i += 2
  }
  return { parts, bare: bare && parts.length === 1 }
}

function columnRef(n: Node, w: Walk, isUnknownKeyword = false): void {
  onlyKeys(n, ['table', 'column', 'collate', 'db', 'schema'])
  checkCollate(n.collate)
  const { parts, bare } = nameTokensAt(w, n.loc)
  const up = asciiUpper(parts[0]!)
  // The parser reads these bare words as names; the server reads a call (LOCALTIME) or a keyword (IS UNKNOWN).
  if (bare && BARE_TIME_FUNCTIONS.has(up)) return
  if (bare && isUnknownKeyword && up === 'UNKNOWN') return
  if (parts.length > 2) refuse(`${parts.join('.')}: qualify a column by its table only (${w.table}.${parts[parts.length - 1]}), or not at all`)
  if (parts.length === 2 && parts[0] !== w.table) refuse(`${parts.join('.')}: a column may be qualified only by its own table (${w.table})`)
  const name = parts[parts.length - 1]!
  const parsed = typeof n.column === 'string' ? n.column : undefined
  if (parsed !== name && parsed?.replace(/``/g, '`') !== name) refuse('the filter could not be read unambiguously (the parser and the server would read different names)')
  if (!w.columns) return
  // Column names compare case-insensitively on MySQL and MariaDB.
  if (w.columns.some((c) => c.toLowerCase() === name.toLowerCase())) return
  const hint = closestName(name, w.columns)
  refuse(`the column ${name} does not exist in ${w.table}${hint ? ` (did you mean ${hint}?)` : ''}`)
}

function literal(n: Node, allowUsing: boolean): void {
  onlyKeys(n, ['value', 'prefix', 'suffix'])
  if (n.prefix !== null && n.prefix !== undefined) refuse('character set introducers are not allowed in a row filter')
  if (typeof n.suffix === 'string') {
    if (!allowUsing || !/^USING [A-Za-z0-9_]+$/.test(n.suffix)) refuse(`${n.suffix} is not allowed here`)
  } else if (isNode(n.suffix)) {
    onlyKeys(n.suffix, ['collate'])
    checkCollate(n.suffix.collate)
  }
}

function castType(t: unknown): void {
  if (!isNode(t) || typeof t.dataType !== 'string') return refuse('this CAST is not allowed')
  const type = asciiUpper(t.dataType.replace(/\(\s*\d+\s*(,\s*\d+\s*)?\)$/, '').trim())
  if (!CAST_TYPES.has(type)) refuse(`CAST and CONVERT to ${type} are not allowed in a row filter`)
  for (const k of ['length', 'scale']) if (t[k] !== undefined && t[k] !== null && typeof t[k] !== 'number') refuse('this CAST is not allowed')
  const suffix = Array.isArray(t.suffix) ? t.suffix : t.suffix ? [t.suffix] : []
  if (suffix.length === 0) return
  const [kw, cs] = suffix as Node[]
  const ok = suffix.length === 2 && isNode(kw) && /^(CHARACTER SET|CHARSET)$/i.test(String(kw.value)) && isNode(cs) && NAME.test(String(cs.value))
  if (!ok) refuse('this CAST is not allowed')
}

function fn(n: Node, w: Walk): void {
  onlyKeys(n, ['name', 'args', 'over'])
  if (n.over) refuse('window functions (OVER) are not allowed in a row filter')
  const name = isNode(n.name) ? n.name : undefined
  const parts = Array.isArray(name?.name) ? (name.name as Node[]) : []
  if (name?.schema || parts.length !== 1) refuse('schema-qualified function names are not allowed in a row filter')
  const part = parts[0]!
  const up = asciiUpper(String(part.value))
  if (part.type !== 'default' && part.type !== 'origin') refuse(FILTER_FUNCTIONS.has(up) ? `write the function ${up} without quotes` : functionRefusal(up))
  // The call is at a name token the server reads as this function.
  if (n.loc !== undefined) {
    const start = isNode(n.loc) && isNode(n.loc.start) ? Number(n.loc.start.offset) : -1
    const t = w.tokens[w.at.get(start) ?? -1]
    if (t?.kind !== 'word' || asciiUpper(t.text) !== up) refuse('the filter could not be read unambiguously (a call the parser found is not where the server would read one)')
  }
  const args = n.args === undefined || n.args === null ? [] : listOf(n.args)
  if (up === 'NOT') {
    // `NOT (a OR b)` comes out of the parser as a function named NOT.
    if (args.length !== 1) refuse('NOT takes one operand')
    return expr(args[0], w)
  }
  if (!FILTER_FUNCTIONS.has(up)) refuse(functionRefusal(up))
  const only = args[0]
  if (up === 'POSITION' && args.length === 1 && isNode(only) && only.type === 'binary_expr' && only.operator === 'IN') {
    // POSITION(needle IN haystack) comes out as one IN expression.
    onlyKeys(only, ['operator', 'left', 'right'])
    expr(only.left, w)
    return expr(only.right, w)
  }
  args.forEach((a, i) => {
    if (isNode(a) && a.type === 'origin') {
      const word = asciiUpper(String(a.value))
      const ok = (up === 'TRIM' && TRIM_WORDS.has(word)) || ((up === 'TIMESTAMPDIFF' || up === 'TIMESTAMPADD') && i === 0 && INTERVAL_UNITS.has(word))
      if (!ok) refuse(`${word} is not allowed in ${up}()`)
      return
    }
    if (isNode(a) && a.type === 'datatype') {
      if (up !== 'CONVERT' || i !== 1) refuse(`a type is not allowed in ${up}()`)
      return castType(a)
    }
    expr(a, w, up === 'CONVERT' && i === 0)
  })
}

function expr(v: unknown, w: Walk, allowUsing = false): void {
  if (!isNode(v)) return refuse('this part of the filter is not allowed')
  if ('ast' in v || v.type === 'select') refuse('subqueries are not allowed in a row filter')
  const type = String(v.type)
  if (LITERALS.has(type)) return literal(v, allowUsing)
  switch (type) {
    case 'column_ref':
      if (allowUsing && typeof v.suffix === 'string') {
        if (!/^USING [A-Za-z0-9_]+$/.test(v.suffix)) refuse(`${v.suffix} is not allowed here`)
        return columnRef({ ...v, suffix: undefined }, w)
      }
      return columnRef(v, w)
    case 'binary_expr': {
      onlyKeys(v, ['operator', 'left', 'right'])
      const op = asciiUpper(String(v.operator))
      if (!BINARY_OPERATORS.has(op)) refuse(`the operator ${op} is not allowed in a row filter`)
      expr(v.left, w)
      const right = v.right
      if (op === 'IN' || op === 'NOT IN') {
        const items = listOf(right)
        if (items.length === 0) refuse('IN needs at least one value')
        return items.forEach((x) => expr(x, w))
      }
      if (op === 'BETWEEN' || op === 'NOT BETWEEN') {
        const bounds = listOf(right)
        if (bounds.length !== 2) refuse('BETWEEN needs two bounds')
        return bounds.forEach((x) => expr(x, w))
      }
      if (op === 'IS' || op === 'IS NOT') {
        if (isNode(right) && (right.type === 'null' || right.type === 'bool')) return literal(right, false)
        if (isNode(right) && right.type === 'column_ref') return columnRef(right, w, true)
        return refuse('IS may only be followed by NULL, TRUE, FALSE or UNKNOWN')
      }
      if ((op === 'LIKE' || op === 'NOT LIKE') && isNode(right) && right.escape) {
        const esc = right.escape
        if (!isNode(esc) || esc.type !== 'ESCAPE') refuse('this ESCAPE clause is not allowed')
        expr((esc as Node).value, w)
        return expr({ ...right, escape: undefined }, w)
      }
      return expr(right, w)
    }
    case 'unary_expr': {
      onlyKeys(v, ['operator', 'expr'])
      const op = asciiUpper(String(v.operator))
      if (!UNARY_OPERATORS.has(op)) refuse(`the operator ${op} is not allowed in a row filter`)
      return expr(v.expr, w)
    }
    case 'function':
      return fn(v, w)
    case 'aggr_func':
      return refuse(functionRefusal(String(v.name)))
    case 'case': {
      onlyKeys(v, ['expr', 'args'])
      if (v.expr !== null && v.expr !== undefined) expr(v.expr, w)
      const arms = Array.isArray(v.args) ? v.args : []
      if (arms.length === 0) refuse('CASE needs a WHEN')
      for (const arm of arms) {
        if (!isNode(arm) || (arm.type !== 'when' && arm.type !== 'else')) refuse('this CASE is not allowed')
        const a = arm as Node
        onlyKeys(a, ['cond', 'result'])
        if (a.type === 'when') expr(a.cond, w)
        expr(a.result, w)
      }
      return
    }
    case 'interval': {
      onlyKeys(v, ['expr', 'unit'])
      const unit = asciiUpper(String(v.unit))
      if (!INTERVAL_UNITS.has(unit)) refuse(`INTERVAL … ${unit} is not allowed in a row filter`)
      return expr(v.expr, w)
    }
    case 'cast': {
      onlyKeys(v, ['keyword', 'expr', 'symbol', 'target'])
      if (asciiUpper(String(v.keyword)) !== 'CAST' || asciiUpper(String(v.symbol)) !== 'AS') refuse('this CAST is not allowed')
      const target = Array.isArray(v.target) ? v.target : [v.target]
      if (target.length !== 1) refuse('this CAST is not allowed')
      castType(target[0])
      return expr(v.expr, w)
    }
    case 'extract': {
      onlyKeys(v, ['args'])
      const a = isNode(v.args) ? v.args : {}
      if (!INTERVAL_UNITS.has(asciiUpper(String(a.field)))) refuse(`EXTRACT(${String(a.field)} FROM …) is not allowed in a row filter`)
      return expr(a.source, w)
    }
    case 'expr_list':
      // A row constructor: (a, b) = (1, 2), (a, b) IN ((1, 2), (3, 4)).
      onlyKeys(v, ['value'])
      return listOf(v).forEach((x) => expr(x, w))
    case 'var':
      return refuse(v.prefix === '@@' ? 'system variables (@@name) are not allowed in a row filter' : 'variables are not allowed in a row filter')
    case 'param':
      return refuse('placeholders are not allowed in a row filter')
    case 'fulltext_search':
      return refuse('MATCH … AGAINST is not allowed in a row filter')
    default:
      return refuse(`this part of the filter is not allowed (${type})`)
  }
}

/** Everything of the parsed statement but its WHERE, with locations dropped, to compare with the frame. */
const frameOf = (ast: Node): string => JSON.stringify({ ...ast, where: null }, (k, v: unknown) => (k === 'loc' ? undefined : v))
let frame: string | undefined

/** Hints for syntax the server knows and the parser does not. */
function syntaxHint(tokens: FilterToken[]): string {
  const words = new Set(tokens.filter((t) => t.kind === 'word').map((t) => asciiUpper(t.text)))
  if (tokens.some((t) => t.kind === 'op' && t.text === '<=>')) return '; the NULL-safe <=> is not supported: write (a = b OR (a IS NULL AND b IS NULL))'
  if (words.has('SOUNDS')) return '; SOUNDS LIKE is not supported: write SOUNDEX(a) = SOUNDEX(b)'
  if (words.has('BINARY')) return '; the BINARY operator is not supported: write CAST(x AS BINARY)'
  if (words.has('FOR') || (words.has('SUBSTRING') && words.has('FROM'))) return '; write SUBSTRING(s, start, length)'
  return ''
}

function check(text: string, table: string, columns: readonly string[] | undefined): void {
  const tokens = lexRowFilter(text)
  const input = parseInput(text, tokens)
  let ast: unknown
  try {
    ast = parse(input.sql)
  } catch (err) {
    const loc = (err as { location?: { start?: { offset?: number } } }).location
    const where = typeof loc?.start?.offset === 'number' ? loc.start.offset : -1
    // Back from the parsed statement to the user's text: the token at or before the error.
    const pair = input.offsets.filter(([sqlAt]) => sqlAt <= where).pop()
    const at = where < 0 ? -1 : pair ? pair[1] : 0
    const near = at < 0 ? '' : where >= input.sql.length - SUFFIX.length ? ' at its end' : ` near “${text.slice(at, at + 24)}”`
    refuse(`it is not an expression the filter check can read${near}${syntaxHint(tokens)}`)
  }
  if (!isNode(ast) || ast.type !== 'select') return refuse('it must be one expression')
  frame ??= frameOf(parse(`${PREFIX}1${SUFFIX}`) as Node)
  if (frameOf(ast) !== frame) refuse('it must be one expression, with nothing after it')
  try {
    expr(ast.where, { table, columns, tokens, at: input.at })
  } catch (err) {
    // A chain of thousands of operators is no filter anyone means; the stack says so first.
    if (err instanceof RangeError) refuse('it nests too deeply')
    throw err
  }
}

/**
 * Checks a row filter of `table` and returns the text to run (the filter, trimmed). With `columns`
 * (the table's column names), an unknown column is refused naming it. Throws AppError('VALIDATION')
 * with `details: { table, filter, part }`.
 */
export function checkWhereFilter(filter: string, table: string, columns?: readonly string[]): string {
  const text = filter.trim()
  if (text === '') throw new AppError('VALIDATION', `The filter of ${table} is empty; leave it out to copy every row.`, { table, filter })
  if (text.length > ROW_FILTER_MAX_LENGTH) {
    throw new AppError('VALIDATION', `The filter of ${table} is longer than ${ROW_FILTER_MAX_LENGTH} characters.`, { table, filter })
  }
  try {
    check(text, table, columns)
  } catch (err) {
    if (!(err instanceof FilterRefusal)) throw err
    throw new AppError('VALIDATION', `The filter of ${table} is refused: ${err.part}.`, { table, filter, part: err.part })
  }
  return text
}

/**
 * The functions a checked filter calls, upper case. A name the server has no built-in for (JSON_VALUE
 * before MySQL 8.0.21, JSON_OVERLAPS before MariaDB 10.9) would call a stored function of that name
 * in the session's database, so the engine looks for such functions before it runs the filter.
 */
export function filterCalls(filter: string): string[] {
  const tokens = lexRowFilter(filter.trim())
  const names = tokens.flatMap((t, i) => {
    if (t.kind !== 'word') return []
    const up = asciiUpper(t.text)
    const next = tokens[i + 1]
    const call = next?.kind === 'op' && next.text === '('
    return (call && FILTER_FUNCTIONS.has(up)) || (!call && BARE_TIME_FUNCTIONS.has(up)) ? [up] : []
  })
  return [...new Set(names)].sort()
}

/** The same check for a form field: the reason, or null when the filter is fine (or empty). */
export function rowFilterProblem(filter: string, table: string, columns?: readonly string[]): string | null {
  if (filter.trim() === '') return null
  try {
    checkWhereFilter(filter, table, columns)
    return null
  } catch (err) {
    if (err instanceof AppError) return err.message
    throw err
  }
}
