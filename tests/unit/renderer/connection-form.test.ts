import { describe, expect, it } from 'vitest'
import { connectionCreateSchema, connectionTestSchema, connectionUpdateSchema, type ConnectionInfo } from '../../../src/shared/connections'
import {
  emptyForm,
  formFromInfo,
  localErrors,
  secretValue,
  toCreateInput,
  toTestInput,
  toUpdateInput,
  type ConnectionForm
} from '../../../src/renderer/src/connections/form-model'
import { errorsPerTab, fieldErrorsOf, tabOf } from '../../../src/renderer/src/connections/field-errors'
import { syncsOf } from '../../../src/renderer/src/connections/in-use'

const saved: ConnectionInfo = {
  id: 'c1',
  name: 'prod',
  host: 'db.example.com',
  port: 3307,
  user: 'app',
  passwordSet: true,
  database: 'shop',
  tls: { mode: 'verify-ca', ca: 'CA-PEM', cert: null, keySet: true },
  ssh: {
    host: 'bastion',
    port: 22,
    user: 'ops',
    passwordSet: false,
    privateKeySet: true,
    passphraseSet: true,
    hostKeyFingerprint: 'SHA256:' + 'A'.repeat(43)
  },
  connectTimeoutMs: 5000,
  poolSize: 4,
  readOnly: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  health: { state: 'idle', latencyMs: null, checkedAt: null, error: null, failures: 0, nextCheckAt: null, retryInMs: null }
}

const filled = (patch: Partial<ConnectionForm> = {}): ConnectionForm => ({ ...emptyForm(), name: 'local', host: '127.0.0.1', user: 'root', ...patch })

describe('create input', () => {
  it('sends the form with defaults, seconds as ms, empty database as null, no ssh', () => {
    const input = toCreateInput(filled())
    expect(input).toEqual({
      name: 'local',
      host: '127.0.0.1',
      port: 3306,
      user: 'root',
      database: null,
      tls: { mode: 'preferred', ca: null, cert: null },
      connectTimeoutMs: 10_000,
      poolSize: 4,
      readOnly: false
    })
    expect(connectionCreateSchema.safeParse(input).success).toBe(true)
  })

  it('sends a typed password, even an empty one typed over nothing', () => {
    const f = filled({ password: { stored: false, mode: 'replace', value: 'pw' } })
    expect(toCreateInput(f).password).toBe('pw')
    expect('password' in toCreateInput(filled())).toBe(false)
  })

  it('sends the SSH tunnel with only the chosen method’s secrets', () => {
    const f = filled({
      sshEnabled: true,
      ssh: {
        ...emptyForm().ssh,
        host: 'bastion',
        user: 'ops',
        auth: 'key',
        privateKey: { stored: false, mode: 'replace', value: 'KEY' },
        password: { stored: false, mode: 'replace', value: 'typed before switching' },
        hostKeyFingerprint: '  '
      }
    })
    const input = toCreateInput(f)
    expect(input.ssh).toEqual({ host: 'bastion', port: 22, user: 'ops', privateKey: 'KEY', hostKeyFingerprint: null })
    expect(connectionCreateSchema.safeParse(input).success).toBe(true)
  })
})

describe('update input', () => {
  it('omits every untouched secret so the stored ones are kept', () => {
    const input = toUpdateInput(formFromInfo(saved), saved)
    expect(input).not.toHaveProperty('password')
    expect(input.tls).toEqual({ mode: 'verify-ca', ca: 'CA-PEM', cert: null })
    expect(input.ssh).toEqual({ host: 'bastion', port: 22, user: 'ops', hostKeyFingerprint: saved.ssh!.hostKeyFingerprint })
    expect(input).toMatchObject({ id: 'c1', name: 'prod', port: 3307, database: 'shop', readOnly: true, connectTimeoutMs: 5000 })
    expect(connectionUpdateSchema.safeParse(input).success).toBe(true)
  })

  it('sends "" for an explicit clear and the new value for a replace', () => {
    const f = formFromInfo(saved)
    f.password = { ...f.password, mode: 'clear' }
    f.tls.key = { ...f.tls.key, mode: 'replace', value: 'NEW-KEY' }
    const input = toUpdateInput(f, saved)
    expect(input.password).toBe('')
    expect(input.tls?.key).toBe('NEW-KEY')
  })

  it('clears the stored key and passphrase when SSH switches to password auth', () => {
    const f = formFromInfo(saved)
    expect(f.ssh.auth).toBe('key')
    f.ssh = { ...f.ssh, auth: 'password', password: { stored: false, mode: 'replace', value: 'sshpw' } }
    expect(toUpdateInput(f, saved).ssh).toMatchObject({ password: 'sshpw', privateKey: '', passphrase: '' })
  })

  it('removes a saved tunnel with ssh: null, and leaves ssh out when there never was one', () => {
    const off = { ...formFromInfo(saved), sshEnabled: false }
    expect(toUpdateInput(off, saved).ssh).toBeNull()
    const noTunnel = { ...saved, ssh: null }
    expect(toUpdateInput(formFromInfo(noTunnel), noTunnel)).not.toHaveProperty('ssh')
  })
})

describe('test input', () => {
  it('tests a new form as a draft, leaving out empty host/user/name for the server to name', () => {
    const input = toTestInput(emptyForm(), null)
    expect(input).not.toHaveProperty('id')
    expect(input.draft).not.toHaveProperty('host')
    expect(input.draft).not.toHaveProperty('name')
    expect(input.draft).toMatchObject({ port: 3306, ssh: null })
    expect(connectionTestSchema.safeParse(input).success).toBe(true)
  })

  it('tests an edit with the id, so untouched secrets come from the saved connection', () => {
    const input = toTestInput(formFromInfo(saved), saved)
    expect(input.id).toBe('c1')
    expect(input.draft).not.toHaveProperty('password')
    expect(input.draft?.ssh).not.toHaveProperty('privateKey')
    expect(connectionTestSchema.safeParse(input).success).toBe(true)
  })
})

describe('secrets and local checks', () => {
  it('maps secret modes to omitted, "" or the value', () => {
    expect(secretValue({ stored: true, mode: 'keep', value: '' })).toBeUndefined()
    expect(secretValue({ stored: true, mode: 'clear', value: 'x' })).toBe('')
    expect(secretValue({ stored: true, mode: 'replace', value: '' })).toBe('')
    expect(secretValue({ stored: false, mode: 'replace', value: 'p' })).toBe('p')
  })

  it('catches numbers out of range in words, on contract paths', () => {
    expect(localErrors(filled())).toEqual({})
    const bad = filled({ port: '', connectTimeoutSec: 0, poolSize: 1.5, sshEnabled: true, ssh: { ...emptyForm().ssh, port: 70000 } })
    expect(Object.keys(localErrors(bad)).sort()).toEqual(['connectTimeoutMs', 'poolSize', 'port', 'ssh.port'])
    expect(localErrors(filled({ port: 0 })).port).toBe('Enter a port from 1 to 65535.')
  })

  it('starts an edit with every secret untouched and "set" where one is saved', () => {
    const f = formFromInfo(saved)
    expect(f.password).toEqual({ stored: true, mode: 'keep', value: '' })
    expect(f.ssh.password.stored).toBe(false)
    expect(f.connectTimeoutSec).toBe(5)
  })
})

describe('field errors', () => {
  it('puts VALIDATION issues on their fields, draft. prefix or not', () => {
    const { fields, rest } = fieldErrorsOf({
      code: 'VALIDATION',
      message: 'Invalid input',
      details: {
        issues: [
          { path: 'draft.host', message: 'required without id' },
          { path: 'ssh.hostKeyFingerprint', message: 'expected a fingerprint' },
          { path: 'weird', message: 'odd' }
        ]
      }
    })
    expect(fields).toEqual({ host: 'Required without id', 'ssh.hostKeyFingerprint': 'Expected a fingerprint' })
    expect(rest).toEqual(['weird: odd'])
    expect(errorsPerTab(fields)).toEqual({ general: 1, tls: 0, ssh: 1, advanced: 0 })
  })

  it('puts a taken name on the name field, and anything else in the general list', () => {
    expect(fieldErrorsOf({ code: 'CONFLICT', message: 'A connection named "x" already exists.', details: { field: 'name' } }).fields).toEqual({
      name: 'A connection named "x" already exists.'
    })
    expect(fieldErrorsOf({ code: 'INTERNAL', message: 'boom' })).toEqual({ fields: {}, rest: ['boom'] })
    expect(fieldErrorsOf({ code: 'VALIDATION', message: 'Invalid input: x' }).rest).toEqual(['Invalid input: x'])
  })

  it('knows which tab shows which path', () => {
    expect(tabOf('tls.ca')).toBe('tls')
    expect(tabOf('ssh.port')).toBe('ssh')
    expect(tabOf('poolSize')).toBe('advanced')
    expect(tabOf('name')).toBe('general')
  })

  it('reads the syncs of an IN_USE refusal', () => {
    expect(syncsOf({ code: 'IN_USE', message: 'm', details: { syncs: [{ id: 's1', name: 'nightly' }, { bad: 1 }] } })).toEqual([{ id: 's1', name: 'nightly' }])
    expect(syncsOf({ code: 'IN_USE', message: 'm' })).toEqual([])
  })
})
