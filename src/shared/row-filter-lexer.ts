import {
  ALLOWED_KEYWORDS,
  BARE_REFUSED_FUNCTIONS,
  FILTER_FUNCTIONS,
  KEYWORDS_BEFORE_PARENTHESIS,
  RESERVED_WORDS,
  TYPES_WITH_LENGTH
} from './row-filter-words'

/**
 * A row filter read the way the server's own lexer reads it, under the sql_mode every engine session
 * pins (engine/session/endpoint.ts: no ANSI_QUOTES, so "x" is a string; backslash escapes on; utf8mb4, so no
 * multi-byte character can hide a quote or a backslash). Where the server's reading depends on a mode
 * or is subtle, this lexer refuses instead of guessing: comments of every kind (a parser that drops
 * `/*! … *\/` or `/*M! … *\/` would check less than the server runs), `;`, variables, placeholders, a
 * backslash-escaped quote (it ends the string under NO_BACKSLASH_ESCAPES), non-ASCII outside quotes
 * (lookalike letters), numbers glued to letters (`1e3` is a number to the server and a column to the
 * parser). This is the first of two independent checks; row-filter.ts parses the same text.
 */

export type FilterToken =
  | { kind: 'word'; text: string; start: number; end: number }
  /** A backtick-quoted name, already unquoted. */
  | { kind: 'quoted'; name: string; start: number; end: number }
  /** '…', "…", N'…' */
  | { kind: 'string'; start: number; end: number }
  /** X'…', 0x…, B'…' */
  | { kind: 'bits'; start: number; end: number }
  | { kind: 'number'; text: string; start: number; end: number }
  | { kind: 'op'; text: string; start: number; end: number }

/** Why a filter is refused; row-filter.ts turns it into AppError('VALIDATION'). */
export class FilterRefusal extends Error {
  constructor(readonly part: string) {
    super(part)
    this.name = 'FilterRefusal'
  }
}

const refuse = (part: string): never => {
  throw new FilterRefusal(part)
}

const MAX_DEPTH = 100
const WHITESPACE = new Set([' ', '\t', '\n', '\r', '\f', '\v'])
const OPERATORS = ['<=>', '<<', '>>', '<=', '>=', '<>', '!=', '&&', '||', '=', '<', '>', '!', '+', '-', '*', '/', '%', '&', '|', '^', '~', '(', ')', ',']
const isWordStart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z_]/.test(c)
const isWordChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_$]/.test(c)
const isNonAscii = (c: string | undefined): boolean => c !== undefined && c.charCodeAt(0) >= 0x80

/** Upper case for ASCII letters only: `ſleep` must not become SLEEP, nor `ıf` IF. */
export const asciiUpper = (s: string): string => s.replace(/[a-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 32))

const show = (c: string): string => `“${c}” (U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`

/** End (exclusive) of the quoted run starting at `i`, or -1 if it never closes. */
function quotedEnd(text: string, i: number, quote: string, backslashEscapes: boolean): number {
  let j = i + 1
  while (j < text.length) {
    const c = text[j]
    if (backslashEscapes && c === '\\') {
      j += 2
      continue
    }
    if (c === quote) {
      if (text[j + 1] === quote) {
        j += 2
        continue
      }
      return j + 1
    }
    j++
  }
  return -1
}

/** A string literal must end at the same place with and without backslash escapes. */
function stringEnd(text: string, i: number): number {
  const quote = text[i]!
  const withEscapes = quotedEnd(text, i, quote, true)
  const without = quotedEnd(text, i, quote, false)
  if (withEscapes < 0) refuse(`it has an unterminated quote (${quote})`)
  if (withEscapes !== without) {
    refuse(`a quote escaped with a backslash (\\${quote}) reads differently where backslash escapes are off; double the quote instead (${quote}${quote})`)
  }
  return withEscapes
}

/**
 * Tokens, and the first problem of style (a number the parser would misread) to report once the
 * calls and keywords have been checked: `benchmark`(2e7, …) is refused for BENCHMARK, not for 2e7.
 */
function lex(text: string): { tokens: FilterToken[]; later?: string } {
  const tokens: FilterToken[] = []
  let later: string | undefined
  const soon = (part: string): void => {
    later ??= part
  }
  let i = 0
  let depth = 0
  const last = (): FilterToken | undefined => tokens[tokens.length - 1]
  while (i < text.length) {
    const c = text[i]!
    const c2 = text.slice(i, i + 2)
    if (WHITESPACE.has(c)) {
      i++
      continue
    }
    if (c === "'" || c === '"') {
      const end = stringEnd(text, i)
      tokens.push({ kind: 'string', start: i, end })
      i = end
      continue
    }
    if (c === '`') {
      const end = quotedEnd(text, i, '`', false)
      if (end < 0) refuse('it has an unterminated quote (`)')
      const name = text.slice(i + 1, end - 1).replace(/``/g, '`')
      if (name === '') refuse('it has an empty quoted name (``)')
      tokens.push({ kind: 'quoted', name, start: i, end })
      i = end
      continue
    }
    if (c2 === '--' || c2 === '/*' || c2 === '*/' || c === '#') refuse(`it contains a comment (${c === '#' ? '#' : c2}); comments are not allowed in a row filter${c2 === '--' ? ' (write - - for two minus signs)' : ''}`)
    if (c === ';') refuse('it contains a statement separator (;)')
    if (c === '@') refuse(text[i + 1] === '@' ? 'system variables (@@name) are not allowed in a row filter' : 'user variables (@name) are not allowed in a row filter')
    if (c === ':') refuse(c2 === ':=' ? 'assignments (:=) are not allowed in a row filter' : 'placeholders (:name) are not allowed in a row filter')
    if (c === '?') refuse('placeholders (?) are not allowed in a row filter')
    if (c === '\\') refuse('a backslash outside quotes is not allowed in a row filter (\\N means NULL to the server)')
    if (c === '{' || c === '}') refuse('ODBC escapes ({d …}, {fn …}) are not allowed in a row filter')
    if (c === '[' || c === ']') refuse(`the character ${c} is not allowed in a row filter`)
    if (c === '$') refuse('$ outside quotes is not allowed in a row filter; quote such a name in backticks')
    if (c2 === '->') refuse('the JSON operators -> and ->> are not allowed in a row filter; use JSON_EXTRACT and JSON_UNQUOTE')
    if (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f) refuse(`it contains the control character U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`)
    if (isNonAscii(c)) refuse(`the character ${show(c)} outside quotes is not allowed in a row filter; quote names with such characters in backticks`)
    if (c === '.') {
      const prev = last()
      const glued = prev !== undefined && prev.end === i && (prev.kind === 'word' || prev.kind === 'quoted')
      if (glued) {
        if (!isWordStart(text[i + 1]) && text[i + 1] !== '`') refuse('a name qualified with a dot must be followed directly by a column name (t.column)')
        tokens.push({ kind: 'op', text: '.', start: i, end: i + 1 })
        i++
        continue
      }
      const fraction = /^\.\d+/.exec(text.slice(i))?.[0]
      if (fraction === undefined) refuse('it has a dot that does not join a table name to a column name')
      soon(`write ${fraction!} with a leading zero (0${fraction!})`)
      tokens.push({ kind: 'number', text: `0${fraction!}`, start: i, end: i + fraction!.length })
      i += fraction!.length
      continue
    }
    if (/[0-9]/.test(c)) {
      const m = /^(?:0x[0-9a-fA-F]+|0b[01]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i))!
      const lit = m[0]
      const after = text[i + lit.length]
      if (isWordChar(after) || after === '.' || isNonAscii(after)) {
        const word = /^[^\s()=<>!,+\-*/%&|^~'"`;]*/.exec(text.slice(i))![0]
        refuse(`“${word}” is neither a number nor a name; quote a name that starts with a digit in backticks`)
      }
      // The parser reads 1e3 and 0b101 as column names; the server reads numbers.
      if (lit.startsWith('0b')) soon(`write the bit literal ${lit} as b'${lit.slice(2)}'`)
      if (!lit.startsWith('0x') && /[eE]/.test(lit)) soon(`write the number ${lit} without an exponent`)
      tokens.push(lit.startsWith('0x') ? { kind: 'bits', start: i, end: i + lit.length } : { kind: 'number', text: lit, start: i, end: i + lit.length })
      i += lit.length
      continue
    }
    if (isWordStart(c)) {
      let j = i + 1
      while (isWordChar(text[j])) j++
      if (isNonAscii(text[j])) refuse(`the character ${show(text[j]!)} outside quotes is not allowed in a row filter; quote names with such characters in backticks`)
      const word = text.slice(i, j)
      const q = text[j]
      if (q === "'" && /^[xXbB]$/.test(word)) {
        const end = text.indexOf("'", j + 1)
        const body = end < 0 ? '' : text.slice(j + 1, end)
        if (end < 0 || !(/^[xX]$/.test(word) ? /^[0-9a-fA-F]*$/ : /^[01]*$/).test(body)) refuse(`the ${/^[xX]$/.test(word) ? 'hex' : 'bit'} literal starting at ${word}' is malformed`)
        tokens.push({ kind: 'bits', start: i, end: end + 1 })
        i = end + 1
        continue
      }
      if (q === "'" && /^[nN]$/.test(word)) {
        const end = stringEnd(text, j)
        tokens.push({ kind: 'string', start: i, end })
        i = end
        continue
      }
      if ((q === "'" || q === '"') && word.startsWith('_')) refuse(`character set introducers (${word}'…') are not allowed in a row filter; use CONVERT('…' USING ${word.slice(1)})`)
      tokens.push({ kind: 'word', text: word, start: i, end: j })
      i = j
      continue
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i))
    if (!op) refuse(`the character ${c} is not allowed in a row filter`)
    if (op === '(' && ++depth > MAX_DEPTH) refuse(`it nests parentheses more than ${MAX_DEPTH} deep`)
    if (op === ')' && --depth < 0) refuse('it closes a parenthesis it did not open')
    tokens.push({ kind: 'op', text: op!, start: i, end: i + op!.length })
    i += op!.length
  }
  if (depth !== 0) refuse('its parentheses do not balance')
  return { tokens, later }
}

const SUBQUERY_WORDS = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE', 'EXISTS'])
const SET_WORDS = new Set(['UNION', 'EXCEPT', 'INTERSECT'])
const WINDOW_WORDS = new Set(['OVER', 'PARTITION', 'WINDOW'])
const AGGREGATES = new Set([
  'AVG', 'BIT_AND', 'BIT_OR', 'BIT_XOR', 'COUNT', 'GROUP_CONCAT', 'JSON_ARRAYAGG', 'JSON_OBJECTAGG', 'MAX', 'MIN', 'STD',
  'STDDEV', 'STDDEV_POP', 'STDDEV_SAMP', 'SUM', 'VARIANCE', 'VAR_POP', 'VAR_SAMP'
])
const PER_CALL = new Set(['RAND', 'UUID', 'UUID_SHORT', 'SYS_GUID', 'SYSDATE', 'RANDOM_BYTES'])

/** The reason a function is refused, naming it. */
export function functionRefusal(name: string): string {
  const up = asciiUpper(name)
  if (AGGREGATES.has(up)) return `aggregate functions (${up}) are not allowed in a row filter`
  if (PER_CALL.has(up)) return `the function ${up} is not allowed in a row filter: its value changes from call to call, so the copy and its verification would pick different rows`
  if (up.startsWith('REGEXP')) return `the function ${up} is not allowed in a row filter: a short pattern can cost up to about 0.2 s per row; use LIKE`
  if (up === 'EXISTS') return 'subqueries are not allowed in a row filter (EXISTS)'
  if (up === 'MATCH') return 'MATCH … AGAINST is not allowed in a row filter'
  return `the function ${up} is not allowed in a row filter`
}

/** The reason a reserved word is refused, naming it. */
export function keywordRefusal(word: string): string {
  const up = asciiUpper(word)
  if (SUBQUERY_WORDS.has(up)) return `subqueries are not allowed in a row filter (${up})`
  if (SET_WORDS.has(up)) return `${up} is not allowed in a row filter`
  if (WINDOW_WORDS.has(up)) return `window functions (${up}) are not allowed in a row filter`
  if (up === 'REGEXP' || up === 'RLIKE') return `${up} is not allowed in a row filter: a short pattern can cost up to about 0.2 s per row; use LIKE`
  if (up === 'MATCH') return 'MATCH … AGAINST is not allowed in a row filter'
  if (up === 'INTO') return 'INTO is not allowed in a row filter'
  if (up === 'FOR') return 'the keyword FOR is not allowed in a row filter (for a part of a string, write SUBSTRING(s, start, length))'
  return `the keyword ${up} is not allowed in a row filter (a column of that name is written in backticks: \`${word}\`)`
}

/**
 * The lexical allowlist: every name the server would call is an allowed function, written bare and
 * unqualified; every bare reserved word is an allowed keyword. Returns the tokens for the tree check.
 */
export function lexRowFilter(text: string): FilterToken[] {
  if (text.includes('\0')) refuse('it contains a NUL character')
  const { tokens, later } = lex(text)
  /** The name before each open parenthesis, innermost last ('' for a plain group). */
  const callees: string[] = []
  tokens.forEach((t, i) => {
    const prev = tokens[i - 1]
    const next = tokens[i + 1]
    if (t.kind === 'op' && t.text === '(') callees.push(prev?.kind === 'word' ? asciiUpper(prev.text) : '')
    if (t.kind === 'op' && t.text === ')') callees.pop()
    const afterDot = prev?.kind === 'op' && prev.text === '.'
    const beforeDot = next?.kind === 'op' && next.text === '.'
    // The server calls a name followed by "(", with or without spaces between (SLEEP (3) is a call).
    const call = next?.kind === 'op' && next.text === '('
    if (t.kind !== 'word' && t.kind !== 'quoted') return
    const name = t.kind === 'word' ? t.text : t.name
    if (call && afterDot) {
      const schema = tokens[i - 2]
      const qualifier = schema?.kind === 'word' ? schema.text : schema?.kind === 'quoted' ? schema.name : '?'
      refuse(`the function ${qualifier}.${name} is not allowed in a row filter (a schema-qualified name calls a stored routine)`)
    }
    if (call && t.kind === 'quoted') {
      refuse(
        FILTER_FUNCTIONS.has(asciiUpper(name))
          ? `write the function ${asciiUpper(name)} without quotes (a quoted name can call a stored routine of that name)`
          : functionRefusal(name)
      )
    }
    if (t.kind !== 'word' || afterDot) return
    const up = asciiUpper(name)
    if (call) {
      const inside = callees[callees.length - 1]
      const typeSlot =
        (prev?.kind === 'word' && asciiUpper(prev.text) === 'AS' && (inside === 'CAST' || inside === 'CONVERT')) ||
        (prev?.kind === 'op' && prev.text === ',' && inside === 'CONVERT')
      if (typeSlot && TYPES_WITH_LENGTH.has(up)) return
      if (!FILTER_FUNCTIONS.has(up) && !KEYWORDS_BEFORE_PARENTHESIS.has(up)) refuse(functionRefusal(up))
      return
    }
    if (BARE_REFUSED_FUNCTIONS.has(up)) refuse(functionRefusal(up))
    if (RESERVED_WORDS.has(up) && (!ALLOWED_KEYWORDS.has(up) || beforeDot)) refuse(keywordRefusal(up))
  })
  if (later !== undefined) refuse(later)
  return tokens
}
