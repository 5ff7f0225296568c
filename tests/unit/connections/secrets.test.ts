import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  AesGcmSecretBox,
  createDefaultSecretBox,
  parseKeyText,
  resolveSecretKey,
  SecretBoxError,
  SecretKeyError
} from '../../../src/main/sync/secrets'

const made: string[] = []
const dir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'dbt-secrets-'))
  made.push(d)
  return d
}
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true })
})
const key = (fill: number): Buffer => Buffer.alloc(32, fill)

describe('AES-256-GCM secret box', () => {
  it('round-trips text and bytes, with a fresh IV every time', () => {
    const box = new AesGcmSecretBox(key(1), 'test')
    const a = box.seal('p@ss wörd 😀')
    const b = box.seal('p@ss wörd 😀')
    expect(a.equals(b)).toBe(false)
    expect(a.subarray(9, 21).equals(b.subarray(9, 21))).toBe(false) // IVs differ
    expect(box.open(a).toString('utf8')).toBe('p@ss wörd 😀')
    expect(box.open(box.seal(Buffer.from([0, 1, 2, 255]))).equals(Buffer.from([0, 1, 2, 255]))).toBe(true)
    expect(box.open(box.seal('')).length).toBe(0)
    expect(a.subarray(0, 5).toString('latin1')).toBe('DBTS\x01')
    expect(a.includes(Buffer.from('p@ss'))).toBe(false)
    expect(box.kind).toBe('aes-256-gcm (test)')
  })

  it('says "another key" for a blob sealed with a different key', () => {
    const sealed = new AesGcmSecretBox(key(1), 'a').seal('x')
    expect(() => new AesGcmSecretBox(key(2), 'b').open(sealed)).toThrow(/another key/)
  })

  it('refuses a tampered blob, a foreign blob and an unknown version', () => {
    const box = new AesGcmSecretBox(key(1), 'a')
    const sealed = box.seal('secret')
    const flipped = Buffer.from(sealed)
    flipped.writeUInt8(flipped.readUInt8(flipped.length - 1) ^ 1, flipped.length - 1)
    expect(() => box.open(flipped)).toThrow(/corrupted/)
    const header = Buffer.from(sealed)
    header[4] = 2
    expect(() => box.open(header)).toThrow(/version 2/)
    expect(() => box.open(Buffer.from('v10 safeStorage blob ......................'))).toThrow(SecretBoxError)
    expect(() => box.open(Buffer.alloc(3))).toThrow(/not sealed by the headless key box/)
  })

  it('needs a 32-byte key', () => {
    expect(() => new AesGcmSecretBox(Buffer.alloc(16), 'short')).toThrow(/32 bytes/)
  })
})

describe('secret key source', () => {
  it('parses 32 bytes as hex or base64 (standard or URL-safe) and refuses anything else', () => {
    const k = Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7))
    expect(parseKeyText(k.toString('hex'), 'X').equals(k)).toBe(true)
    expect(parseKeyText(k.toString('base64'), 'X').equals(k)).toBe(true)
    expect(parseKeyText(k.toString('base64url'), 'X').equals(k)).toBe(true)
    expect(parseKeyText(`  ${k.toString('base64')}\n`, 'X').equals(k)).toBe(true)
    for (const bad of ['', 'short', 'zz'.repeat(32), Buffer.alloc(16).toString('base64'), Buffer.alloc(33).toString('hex')]) {
      expect(() => parseKeyText(bad, 'DBT_SECRET_KEY')).toThrow(SecretKeyError)
    }
    expect(() => parseKeyText('nope', 'DBT_SECRET_KEY')).toThrow(/DBT_SECRET_KEY must hold a 32-byte key/)
  })

  it('prefers DBT_SECRET_KEY and then writes no key file', () => {
    const d = dir()
    const k = Buffer.alloc(32, 9)
    const r = resolveSecretKey(d, { DBT_SECRET_KEY: k.toString('hex') })
    expect(r.source).toBe('env')
    expect(r.key.equals(k)).toBe(true)
    expect(() => statSync(join(d, 'secret.key'))).toThrow()
    expect(() => resolveSecretKey(d, { DBT_SECRET_KEY: 'not a key' })).toThrow(/DBT_SECRET_KEY/)
  })

  it('creates <data dir>/secret.key with mode 0600 once and reuses it', () => {
    const d = dir()
    const first = resolveSecretKey(d, {})
    expect(first.source).toBe('file')
    expect(statSync(join(d, 'secret.key')).mode & 0o777).toBe(0o600)
    const second = resolveSecretKey(d, {})
    expect(second.key.equals(first.key)).toBe(true)
    expect(readFileSync(join(d, 'secret.key'), 'utf8').trim()).toBe(first.key.toString('base64'))
    // A box made from the file opens what an earlier one sealed: restarts keep secrets readable.
    const sealed = createDefaultSecretBox(d, {}).seal('kept')
    expect(createDefaultSecretBox(d, {}).open(sealed).toString()).toBe('kept')
  })

  it('creates the data dir when missing, and warns about a key file others can read', () => {
    const d = join(dir(), 'nested', 'data')
    resolveSecretKey(d, {})
    chmodSync(join(d, 'secret.key'), 0o644)
    const r = resolveSecretKey(d, {})
    expect(r.warnings[0]).toMatch(/readable by others/)
    expect(createDefaultSecretBox(d, {}).warning).toMatch(/chmod 600/)
  })

  it('refuses a corrupt key file with its path', () => {
    const d = dir()
    writeFileSync(join(d, 'secret.key'), 'garbage', { mode: 0o600 })
    expect(() => resolveSecretKey(d, {})).toThrow(new RegExp(join(d, 'secret.key').replace(/[/.]/g, '\\$&')))
  })
})
