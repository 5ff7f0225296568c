import { describe, expect, it } from 'vitest'
import {
  bearerMatches,
  isAllowedHost,
  isAllowedOrigin,
  isOriginForm,
  looksProtected,
  parseHostHeader,
  pathForLog
} from '../../../src/main/headless/http-security'

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

describe('request targets', () => {
  it('accepts only origin-form: one leading slash, no fragment, no backslash', () => {
    for (const t of ['/', '/api/status', '/api/status?x=1', '/%61pi/status', '/api/status?', '/a//b']) expect([t, isOriginForm(t)]).toEqual([t, true])
    for (const t of [
      'http://127.0.0.1:8080/api/status',
      'HTTP://x/api',
      '*',
      'api/status',
      '',
      '//api/status',
      '//evil.example/api',
      '/\\api',
      '/api\\status',
      '/api/status#',
      '/api/status#x'
    ]) {
      expect([t, isOriginForm(t)]).toEqual([t, false])
    }
  })

  it('takes for /api or /metrics anything a lenient reader could', () => {
    for (const t of [
      '/api',
      '/api/',
      '/api/x',
      '/API/x',
      '/%61pi/x',
      '/%2561pi/x',
      '/%25%36%31pi/x',
      '/./api/x',
      '/x/../api/x',
      '/%2e%2e/api/x',
      '/%2Fapi/x',
      '/%5Capi/x',
      '/api;x/y',
      '/api%3Fx',
      '/%EF%BD%81pi/x',
      '/metrics',
      '/Metrics/',
      '/%6detrics?x',
      '/ api/x'
    ]) {
      expect([t, looksProtected(t)]).toEqual([t, true])
    }
    for (const t of ['/', '/index.html', '/assets/app.js', '/apix', '/settings', '/api/../health', '/health', '/%ZZ', '/x/api']) {
      expect([t, looksProtected(t)]).toEqual([t, false])
    }
  })

  it('logs a path without its query, scheme or authority, bounded', () => {
    expect(pathForLog('/api/status?token=abc')).toBe('/api/status')
    expect(pathForLog('http://user:pw@127.0.0.1:8080/api/rpc/x?y')).toBe('/api/rpc/x')
    expect(pathForLog('http://127.0.0.1:8080')).toBe('/')
    expect(pathForLog('*')).toBe('*')
    expect(pathForLog('/' + 'a'.repeat(500))).toHaveLength(201)
  })
})
