import { AppError } from '../../../shared/errors'

/**
 * A user's WHERE filter runs only on the source, read-only, wrapped in parentheses. It is refused
 * if it could end the clause or smuggle anything else in: statement separators, comments (which
 * could swallow our closing parenthesis), or parentheses that close more than they open. String
 * literals and quoted identifiers are skipped while checking, so `note = 'a;b'` is fine.
 */
export function checkWhereFilter(filter: string, table: string): string {
  const text = filter.trim()
  if (text === '') throw new AppError('VALIDATION', `The filter of ${table} is empty; leave it out to copy every row.`)
  if (text.length > 10_000) throw new AppError('VALIDATION', `The filter of ${table} is longer than 10000 characters.`)
  let depth = 0
  let i = 0
  const fail = (why: string): never => {
    throw new AppError('VALIDATION', `The filter of ${table} is refused: ${why}.`, { table, filter })
  }
  while (i < text.length) {
    const c = text[i]!
    if (c === "'" || c === '"' || c === '`') {
      // Skip a quoted run; a doubled quote or a backslash escape stays inside it.
      i++
      let closed = false
      while (i < text.length) {
        if (text[i] === '\\' && c !== '`') {
          i += 2
          continue
        }
        if (text[i] === c) {
          if (text[i + 1] === c) {
            i += 2
            continue
          }
          closed = true
          i++
          break
        }
        i++
      }
      if (!closed) fail('it has an unterminated quote')
      continue
    }
    if (c === ';') fail('it contains a statement separator (;)')
    if (c === '#') fail('it contains a comment (#)')
    if (c === '-' && text[i + 1] === '-') fail('it contains a comment (--)')
    if (c === '/' && text[i + 1] === '*') fail('it contains a comment (/*)')
    if (c === '\0') fail('it contains a NUL character')
    if (c === '(') depth++
    if (c === ')') {
      depth--
      if (depth < 0) fail('it closes a parenthesis it did not open')
    }
    i++
  }
  if (depth !== 0) fail('its parentheses do not balance')
  if (/\b(into\s+(out|dump)file|load_file\s*\(|sleep\s*\(|benchmark\s*\(|get_lock\s*\()/i.test(stripQuoted(text))) {
    fail('it calls a function that reads or writes files or stalls the server')
  }
  return text
}

function stripQuoted(text: string): string {
  return text.replace(/'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|`(?:[^`]|``)*`/g, "''")
}
