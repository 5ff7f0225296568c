import { describe, expect, it } from 'vitest'
import { checkWhereFilter } from '../../../src/main/sync/engine/where-filter'
import { AppError } from '../../../src/shared/errors'

describe('WHERE filter check', () => {
  it.each([
    "status = 'paid'",
    'id > 10 AND (amount < 5 OR amount > 100)',
    "note = 'a;b -- c /* d */ # e'",
    'note = "it\'s"',
    "`weird;name` = 1",
    "name = 'O''Brien'",
    "name = 'back\\\\slash'"
  ])('accepts %s', (f) => {
    expect(checkWhereFilter(f, 't')).toBe(f)
  })

  it.each([
    ['1=1; DROP TABLE x', /separator/],
    ['1) OR (1', /closes a parenthesis/],
    ['(1=1', /balance/],
    ['1=1 -- comment', /comment/],
    ['1=1 # comment', /comment/],
    ['1=1 /* x */', /comment/],
    ["name = 'unterminated", /unterminated/],
    ['1=1 INTO OUTFILE "/tmp/x"', /files/],
    ['SLEEP(10)', /stalls/],
    ['   ', /empty/]
  ])('refuses %s', (f, why) => {
    let err: unknown
    try {
      checkWhereFilter(f, 't')
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(AppError)
    expect((err as AppError).code).toBe('VALIDATION')
    expect((err as AppError).message).toMatch(why)
  })
})
