import { describe, expect, it } from 'vitest'
import { methods } from '../../../src/shared/contract'

const parse = (method: keyof typeof methods, input: unknown): ReturnType<(typeof methods)[typeof method]['input']['safeParse']> =>
  methods[method].input.safeParse(input)

describe('connections.* input schemas', () => {
  const ok = { name: 'prod', host: 'db', user: 'app' }

  it('accepts a minimal and a full connection', () => {
    expect(parse('connections.create', ok).success).toBe(true)
    const full = parse('connections.create', {
      ...ok,
      port: 3306,
      password: '',
      database: 'shop',
      tls: { mode: 'verify-identity', ca: 'pem', cert: 'pem', key: 'pem' },
      ssh: { host: 'b', port: 2222, user: 'o', privateKey: 'k', passphrase: 'p', hostKeyFingerprint: 'SHA256:' + 'A'.repeat(43) },
      connectTimeoutMs: 5000,
      poolSize: 10,
      readOnly: true
    })
    expect(full.success).toBe(true)
  })

  it('checks host, port, name, fingerprint and unknown fields', () => {
    expect(parse('connections.create', { ...ok, host: '' }).success).toBe(false)
    expect(parse('connections.create', { ...ok, host: '   ' }).success).toBe(false)
    expect(parse('connections.create', { ...ok, port: 0 }).success).toBe(false)
    expect(parse('connections.create', { ...ok, port: 65536 }).success).toBe(false)
    expect(parse('connections.create', { ...ok, port: 65535 }).success).toBe(true)
    expect(parse('connections.create', { ...ok, name: '' }).success).toBe(false)
    expect(parse('connections.create', { ...ok, name: 'x'.repeat(100) }).success).toBe(true)
    expect(parse('connections.create', { ...ok, name: 'x'.repeat(101) }).success).toBe(false)
    expect(parse('connections.create', { ...ok, tls: { mode: 'sometimes' } }).success).toBe(false)
    expect(parse('connections.create', { ...ok, ssh: { host: 'b', user: 'o', hostKeyFingerprint: 'MD5:aa:bb' } }).success).toBe(false)
    expect(parse('connections.create', { ...ok, ssh: { host: 'b', user: 'o', hostKeyFingerprint: '' } }).success).toBe(true)
    expect(parse('connections.create', { ...ok, passwd: 'x' }).success).toBe(false)
    expect(parse('connections.create', { ...ok, poolSize: 0 }).success).toBe(false)
  })

  it('turns an empty database into null', () => {
    const r = parse('connections.create', { ...ok, database: ' ' })
    expect(r.success && (r.data as { database: unknown }).database).toBeNull()
  })

  it('needs an id for update, get, delete and browse; test takes id, draft or both', () => {
    expect(parse('connections.update', { name: 'x' }).success).toBe(false)
    expect(parse('connections.update', { id: 'a' }).success).toBe(true)
    expect(parse('connections.delete', { id: 'a', cascade: true }).success).toBe(true)
    expect(parse('connections.test', {}).success).toBe(false)
    expect(parse('connections.test', { id: 'a' }).success).toBe(true)
    expect(parse('connections.test', { draft: { host: 'h', user: 'u' } }).success).toBe(true)
    expect(parse('connections.test', { id: 'a', draft: { password: 'new' } }).success).toBe(true)
    expect(parse('connections.columns', { id: 'a', database: 'd' }).success).toBe(false)
    expect(parse('connections.list', undefined).success).toBe(true)
  })
})
