/**
 * The one place SQL identifiers (database, table, column names) are quoted. Every statement that
 * cannot take a name as a `?` parameter builds it through here, so the quoting rules live in one
 * function that is tested on its own (design notes, section 5).
 *
 * MySQL and MariaDB quote identifiers with backticks; a backtick inside a name is written twice.
 * NUL can never be part of an identifier, and an empty name is never what the caller meant, so
 * both are refused instead of being quoted into something the server would misread.
 */

export class IdentifierError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'IdentifierError'
  }
}

/** Longest identifier the servers accept (database, table and column names). */
export const MAX_IDENTIFIER_LENGTH = 64

export function quoteIdent(name: string): string {
  if (typeof name !== 'string') throw new IdentifierError('an identifier must be a string')
  if (name.length === 0) throw new IdentifierError('an identifier must not be empty')
  if (name.includes('\0')) throw new IdentifierError('an identifier must not contain NUL')
  if ([...name].length > MAX_IDENTIFIER_LENGTH) {
    throw new IdentifierError(`identifier longer than ${MAX_IDENTIFIER_LENGTH} characters: ${name.slice(0, 20)}...`)
  }
  return '`' + name.replace(/`/g, '``') + '`'
}

/** `db`.`table` (or just `table` when db is omitted). */
export function quoteQualified(db: string | null | undefined, name: string): string {
  return db ? `${quoteIdent(db)}.${quoteIdent(name)}` : quoteIdent(name)
}
