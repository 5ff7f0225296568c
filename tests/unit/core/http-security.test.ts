import { describe, expect, it } from 'vitest'
import { bearerMatches, isAllowedHost, isAllowedOrigin, parseHostHeader } from '../../../src/main/headless/http-security'

describe('Host header check (DNS rebinding)', () => {
  it('parses host headers including IPv6 literals', () => {
    expect(parseHostHeader('127.0.0.1:8080')).toEqual({ name: '127.0.0.1', port: 8080 })
    expect(parseHostHeader('[::1]:8080')).toEqual({ name: '::1', port: 8080 })
    expect(parseHostHeader('LocalHost')).toEqual({ name: 'localhost' })
    expect(parseHostHeader('a:b:c')).toBeNull()
    expect(parseHostHeader(undefined)).toBeNull()
  })

  it('allows loopback names and the bound address on the bound port', () => {
    expect(isAllowedHost('127.0.0.1:8080', '127.0.0.1', 8080)).toBe(true)
    expect(isAllowedHost('localhost:8080', '127.0.0.1', 8080)).toBe(true)
    expect(isAllowedHost('[::1]:8080', '127.0.0.1', 8080)).toBe(true)
    expect(isAllowedHost('localhost', '127.0.0.1', 8080)).toBe(true)
    expect(isAllowedHost('127.0.0.5:8080', '127.0.0.5', 8080)).toBe(true)
  })

  it('refuses other names, other ports and missing hosts', () => {
    expect(isAllowedHost('evil.example', '127.0.0.1', 8080)).toBe(false)
    expect(isAllowedHost('evil.example:8080', '127.0.0.1', 8080)).toBe(false)
    expect(isAllowedHost('127.0.0.1.nip.io:8080', '127.0.0.1', 8080)).toBe(false)
    expect(isAllowedHost('127.0.0.1:9999', '127.0.0.1', 8080)).toBe(false)
    expect(isAllowedHost(undefined, '127.0.0.1', 8080)).toBe(false)
    expect(isAllowedHost('', '127.0.0.1', 8080)).toBe(false)
  })

  it('on a wildcard bind accepts IP literals but still no foreign names', () => {
    expect(isAllowedHost('192.0.2.10:8080', '0.0.0.0', 8080)).toBe(true)
    expect(isAllowedHost('evil.example:8080', '0.0.0.0', 8080)).toBe(false)
  })

  it('checks a browser Origin against the same rules', () => {
    expect(isAllowedOrigin(undefined, '127.0.0.1', 8080)).toBe(true)
    expect(isAllowedOrigin('http://127.0.0.1:8080', '127.0.0.1', 8080)).toBe(true)
    expect(isAllowedOrigin('http://evil.example', '127.0.0.1', 8080)).toBe(false)
    expect(isAllowedOrigin('null', '127.0.0.1', 8080)).toBe(false)
    expect(isAllowedOrigin('file://x', '127.0.0.1', 8080)).toBe(false)
  })
})

describe('bearer token', () => {
  it('matches only the exact token', () => {
    expect(bearerMatches('Bearer abc', 'abc')).toBe(true)
    expect(bearerMatches('bearer abc', 'abc')).toBe(true)
    expect(bearerMatches('Bearer abcd', 'abc')).toBe(false)
    expect(bearerMatches('Bearer ', 'abc')).toBe(false)
    expect(bearerMatches('Basic abc', 'abc')).toBe(false)
    expect(bearerMatches(undefined, 'abc')).toBe(false)
    expect(bearerMatches('Bearer abc', '')).toBe(false)
  })
})
