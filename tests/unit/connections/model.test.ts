import { describe, expect, it } from 'vitest'
import { joinSecrets, mergeConnection, splitSecrets, toInfo, type ResolvedConnection } from '../../../src/main/sync/connections/model'

const saved: ResolvedConnection = {
  id: 'c1',
  name: 'prod',
  host: 'db.example',
  port: 3307,
  user: 'app',
  password: 'pw-one',
  database: 'shop',
  tls: { mode: 'verify-ca', ca: 'CA-PEM', cert: 'CERT-PEM', key: 'KEY-PEM' },
  ssh: { host: 'bastion', port: 22, user: 'ops', password: null, privateKey: 'SSH-KEY', passphrase: 'PHRASE-VAL', hostKeyFingerprint: 'SHA256:x' },
  connectTimeoutMs: 5000,
  poolSize: 3,
  readOnly: true
}

describe('connection merge rules', () => {
  it('applies defaults to a new connection', () => {
    const c = mergeConnection(null, { name: 'n', host: 'h', user: 'u' })
    expect(c).toEqual({
      id: null,
      name: 'n',
      host: 'h',
      port: 3306,
      user: 'u',
      password: '',
      database: null,
      tls: { mode: 'preferred', ca: null, cert: null, key: null },
      ssh: null,
      connectTimeoutMs: 10_000,
      poolSize: 4,
      readOnly: false
    })
  })

  it('keeps omitted fields and secrets; a given string, even empty, replaces', () => {
    expect(mergeConnection(saved, {})).toEqual(saved)
    expect(mergeConnection(saved, { password: '' }).password).toBe('')
    expect(mergeConnection(saved, { password: 'new' }).password).toBe('new')
    expect(mergeConnection(saved, { database: null }).database).toBeNull()
    // A tls object without key keeps the stored key; ca null clears the CA.
    expect(mergeConnection(saved, { tls: { mode: 'required', ca: null } }).tls).toEqual({ mode: 'required', ca: null, cert: 'CERT-PEM', key: 'KEY-PEM' })
    expect(mergeConnection(saved, { tls: { mode: 'disabled', key: '' } }).tls.key).toBeNull()
    // An ssh object without secrets keeps the stored ones; null removes the tunnel.
    const ssh = mergeConnection(saved, { ssh: { host: 'bastion2', user: 'ops' } }).ssh
    expect(ssh).toEqual({ ...saved.ssh, host: 'bastion2' })
    expect(mergeConnection(saved, { ssh: { host: 'b', user: 'o', passphrase: '', hostKeyFingerprint: null } }).ssh).toMatchObject({
      passphrase: null,
      hostKeyFingerprint: null,
      privateKey: 'SSH-KEY'
    })
    expect(mergeConnection(saved, { ssh: null }).ssh).toBeNull()
  })

  it('splits secrets off for sealing and joins them back', () => {
    const { options, secrets } = splitSecrets(saved)
    expect(secrets).toEqual({ password: 'pw-one', tlsKey: 'KEY-PEM', sshPrivateKey: 'SSH-KEY', sshPassphrase: 'PHRASE-VAL' })
    expect(JSON.stringify(options)).not.toMatch(/pw-one|KEY-PEM|SSH-KEY|PHRASE-VAL/)
    expect(options.secretsSet).toEqual(['password', 'tlsKey', 'sshPrivateKey', 'sshPassphrase'])
    const row = { id: 'c1', name: 'prod', host: 'db.example', port: 3307, user: 'app', database: 'shop', readOnly: true, options, secrets: null, createdAt: 0, updatedAt: 0 }
    expect(joinSecrets(row, secrets)).toEqual(saved)
  })

  it('shows secrets only as set / not set', () => {
    const { options } = splitSecrets(saved)
    const info = toInfo({ id: 'c1', name: 'prod', host: 'db.example', port: 3307, user: 'app', database: 'shop', readOnly: true, options, secrets: Buffer.from('x'), createdAt: 0, updatedAt: 1000 })
    expect(info).toMatchObject({
      passwordSet: true,
      tls: { mode: 'verify-ca', ca: 'CA-PEM', cert: 'CERT-PEM', keySet: true },
      ssh: { passwordSet: false, privateKeySet: true, passphraseSet: true, hostKeyFingerprint: 'SHA256:x' },
      readOnly: true,
      updatedAt: '1970-01-01T00:00:01.000Z',
      health: { state: 'idle' }
    })
    expect(JSON.stringify(info)).not.toMatch(/pw-one|KEY-PEM|SSH-KEY|PHRASE-VAL/)
  })
})
