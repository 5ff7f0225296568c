import { describe, expect, it } from 'vitest'
import { IdentifierError, quoteIdent, quoteQualified } from '../../../src/main/sync/mysql/identifiers'

describe('quoteIdent', () => {
  it('wraps names in backticks and doubles backticks inside', () => {
    expect(quoteIdent('users')).toBe('`users`')
    expect(quoteIdent('odd`name')).toBe('`odd``name`')
    expect(quoteIdent('``')).toBe('``````')
    expect(quoteIdent('a b;DROP TABLE x;--')).toBe('`a b;DROP TABLE x;--`')
    expect(quoteIdent('emoji😀')).toBe('`emoji😀`')
    expect(quoteIdent("it's \"quoted\"")).toBe("`it's \"quoted\"`")
  })

  it('refuses NUL, empty and over-long names', () => {
    expect(() => quoteIdent('a\0b')).toThrow(IdentifierError)
    expect(() => quoteIdent('')).toThrow(/empty/)
    expect(() => quoteIdent('x'.repeat(65))).toThrow(/64/)
    expect(quoteIdent('x'.repeat(64))).toHaveLength(66)
    // 64 characters, not bytes: multi-byte names of 64 characters are fine.
    expect(() => quoteIdent('é'.repeat(64))).not.toThrow()
  })

  it('qualifies a table with its database', () => {
    expect(quoteQualified('db', 't`1')).toBe('`db`.`t``1`')
    expect(quoteQualified(null, 't')).toBe('`t`')
  })
})
