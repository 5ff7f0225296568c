import { describe, expect, it, vi } from 'vitest'
import { bootstrapToken, readStoredToken, TOKEN_STORAGE_KEY, tokenFromHash } from '../../../src/renderer/src/transport/token'

describe('tokenFromHash', () => {
  it.each([
    ['#token=abc123', 'abc123'],
    ['token=abc123', 'abc123'],
    ['#token=abc&x=1', 'abc'],
    ['#x=1&token=abc', 'abc'],
    ['#/settings?token=abc', 'abc'],
    ['#token=a%2Bb%3D', 'a+b='],
    ['#token=', null],
    ['#', null],
    ['', null],
    ['#/dashboard', null],
    ['#mytoken=abc', null],
    ['#token=%E0%A4%A', null]
  ])('%s -> %s', (hash, expected) => {
    expect(tokenFromHash(hash)).toBe(expected)
  })
})

function fakeEnv(hash: string, stored: Record<string, string> = {}) {
  const data = new Map(Object.entries(stored))
  return {
    location: { hash, pathname: '/app/', search: '?x=1' },
    history: { replaceState: vi.fn() },
    storage: {
      getItem: (k: string) => data.get(k) ?? null,
      setItem: (k: string, v: string) => void data.set(k, v)
    },
    data
  }
}

describe('bootstrapToken', () => {
  it('moves a token from the hash into storage and strips the fragment, keeping path and query', () => {
    const env = fakeEnv('#token=s3cret')
    expect(bootstrapToken(env)).toBe('s3cret')
    expect(env.data.get(TOKEN_STORAGE_KEY)).toBe('s3cret')
    expect(env.history.replaceState).toHaveBeenCalledWith(null, '', '/app/?x=1')
  })

  it('replaces an older stored token with the one from the hash', () => {
    const env = fakeEnv('#token=new', { [TOKEN_STORAGE_KEY]: 'old' })
    expect(bootstrapToken(env)).toBe('new')
    expect(env.data.get(TOKEN_STORAGE_KEY)).toBe('new')
  })

  it('falls back to the stored token and leaves the address alone', () => {
    const env = fakeEnv('#/settings', { [TOKEN_STORAGE_KEY]: 'kept' })
    expect(bootstrapToken(env)).toBe('kept')
    expect(env.history.replaceState).not.toHaveBeenCalled()
  })

  it('returns null when there is no token anywhere', () => {
    expect(bootstrapToken(fakeEnv(''))).toBeNull()
  })

  it('still returns the hash token when storage throws', () => {
    const env = {
      location: { hash: '#token=t', pathname: '/', search: '' },
      history: { replaceState: vi.fn() },
      storage: {
        getItem: () => {
          throw new Error('denied')
        },
        setItem: () => {
          throw new Error('denied')
        }
      }
    }
    expect(bootstrapToken(env)).toBe('t')
    expect(readStoredToken(env.storage)).toBeNull()
    expect(env.history.replaceState).toHaveBeenCalled()
  })
})
