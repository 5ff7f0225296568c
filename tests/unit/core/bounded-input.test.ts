import { describe, expect, it } from 'vitest'
import { endpointFromUrl } from '../../../src/main/sync/engine/session/endpoint'
import { CHUNK_ROWS_RANGE, PARALLELISM_RANGE, parseWholeNumber } from '../../../src/shared/bounded-input'
import { AppError } from '../../../src/shared/errors'
import { syncOptionsSchema } from '../../../src/shared/syncs'

/** Numbers and URLs as the CLI reads them (issue 10 item 3): the contract's limits, one line per refusal. */

describe('whole numbers typed by people', () => {
  const range = { min: 1, max: 32 }

  it.each([
    '',
    ' ',
    '\t',
    '0',
    '33',
    '100000',
    '-1',
    '-0x1',
    '0x10',
    '0o7',
    '0b1',
    '1e3',
    '1E3',
    '+5',
    ' 5',
    '5 ',
    '5\n',
    '1_0',
    '1,0',
    '1.0',
    '1.5',
    '٣',
    '５',
    '𝟓',
    'NaN',
    'Infinity',
    '99999999999999999999',
    '9007199254740993'
  ])('refuses %j', (text) => {
    const r = parseWholeNumber(text, range)
    expect(r).toEqual({ ok: false, message: `expected a whole number from 1 to 32, got ${JSON.stringify(text)}` })
  })

  it('accepts decimal digits in range, leading zeros included, and never returns -0', () => {
    expect(parseWholeNumber('1', range)).toEqual({ ok: true, value: 1 })
    expect(parseWholeNumber('32', range)).toEqual({ ok: true, value: 32 })
    expect(parseWholeNumber('007', range)).toEqual({ ok: true, value: 7 })
    const zero = parseWholeNumber('-0', { min: 0, max: 5 })
    expect(zero.ok && Object.is(zero.value, 0)).toBe(true)
  })

  it('quotes a long refused value shortened, on one line', () => {
    const r = parseWholeNumber('9'.repeat(5000), range)
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.message.length).toBeLessThan(120)
      expect(r.message).not.toContain('\n')
    }
    const nl = parseWholeNumber('1\n2', range)
    expect(!nl.ok && nl.message).toBe('expected a whole number from 1 to 32, got "1\\n2"')
  })
})

describe('the CLI limits are the contract limits', () => {
  it('reads parallelism and chunkRows bounds back from syncOptionsSchema', () => {
    for (const [field, range] of [
      ['parallelism', PARALLELISM_RANGE],
      ['chunkRows', CHUNK_ROWS_RANGE]
    ] as const) {
      expect(syncOptionsSchema.safeParse({ [field]: range.min }).success).toBe(true)
      expect(syncOptionsSchema.safeParse({ [field]: range.max }).success).toBe(true)
      expect(syncOptionsSchema.safeParse({ [field]: range.min - 1 }).success).toBe(false)
      expect(syncOptionsSchema.safeParse({ [field]: range.max + 1 }).success).toBe(false)
    }
    expect(PARALLELISM_RANGE).toEqual({ min: 1, max: 32 })
    expect(CHUNK_ROWS_RANGE).toEqual({ min: 1, max: 10_000_000 })
  })
})

describe('connection URLs from --source/--target or DBT_SOURCE_URL/DBT_TARGET_URL', () => {
  const refused = (url: string, what = '--source'): AppError => {
    try {
      endpointFromUrl(url, what)
    } catch (err) {
      expect(err).toBeInstanceOf(AppError)
      return err as AppError
    }
    throw new Error(`accepted ${url}`)
  }

  it.each([
    ['mysql://u:%ZZ@127.0.0.1/db', 'password'],
    ['mysql://u:%@127.0.0.1/db', 'password'],
    ['mysql://u:%E0%A4%A@127.0.0.1/db', 'password'],
    ['mysql://%ZZ:pw@127.0.0.1/db', 'user'],
    ['mysql://u@127.0.0.1/d%ZZb', 'database'],
    ['mysql://u:%C0%AF@127.0.0.1/db', 'password']
  ])('a malformed percent-escape in %s is VALIDATION naming the flag and the part, not the secret', (url, part) => {
    const err = refused(url, 'DBT_SOURCE_URL')
    expect(err.code).toBe('VALIDATION')
    expect(err.message).toMatch(new RegExp(`^DBT_SOURCE_URL has a malformed percent-escape in its ${part}`))
    expect(err.message).not.toContain('%ZZ')
    expect(err.message).not.toContain('\n')
  })

  it('refuses port 0, a NUL, a database name over 64 characters and ports past 65535', () => {
    expect(refused('mysql://u@127.0.0.1:0/db').message).toMatch(/--source has port 0/)
    expect(refused('mysql://u:a%00b@127.0.0.1/db').message).toMatch(/--source has a NUL character \(%00\) in its password/)
    expect(refused(`mysql://u@127.0.0.1/${'d'.repeat(65)}`).message).toMatch(/longer than 64/)
    expect(refused('mysql://u@127.0.0.1:65536/db').message).toMatch(/--source is not a URL/)
    expect(refused('mysql://u@127.0.0.1:-1/db').message).toMatch(/--source is not a URL/)
  })

  it('still decodes what is well formed', () => {
    const ep = endpointFromUrl('mysql://us%40er:p%25ss%3Aw@127.0.0.1:3307/my%20db', '--target')
    expect(ep.options).toMatchObject({ user: 'us@er', password: 'p%ss:w', port: 3307 })
    expect(ep.database).toBe('my db')
    expect(ep.label).toBe('us@er@127.0.0.1:3307')
  })
})
