import {
  CONNECTION_DEFAULTS,
  type ConnectionCreateInput,
  type ConnectionInfo,
  type ConnectionUpdateInput,
  type TlsMode
} from '../../../shared/connections'
import type { MethodInput } from '../../../shared/contract'

/**
 * The connection form as plain data, and the rules that turn it into `connections.create`,
 * `.update` and `.test` inputs. Pure, so the secret rules (an untouched secret is omitted and the
 * stored one kept; "Clear" sends ""; switching SSH from key to password drops the stored key) are
 * unit-tested without a DOM.
 */

/**
 * A secret as the form holds it. `stored`: a value is saved (edit only). `mode`: `keep` = untouched
 * (omitted from the request), `replace` = the typed value is sent (even empty), `clear` = "" is sent.
 */
export interface SecretField {
  stored: boolean
  mode: 'keep' | 'replace' | 'clear'
  value: string
}

/** NumberInput hands back a number, or '' while empty. */
export type NumberValue = number | string

export interface SshForm {
  host: string
  port: NumberValue
  user: string
  auth: 'password' | 'key'
  password: SecretField
  privateKey: SecretField
  passphrase: SecretField
  hostKeyFingerprint: string
}

export interface ConnectionForm {
  name: string
  host: string
  port: NumberValue
  user: string
  password: SecretField
  database: string
  tls: { mode: TlsMode; ca: string; cert: string; key: SecretField }
  sshEnabled: boolean
  ssh: SshForm
  /** Seconds on screen, milliseconds on the wire. */
  connectTimeoutSec: NumberValue
  poolSize: NumberValue
  readOnly: boolean
}

export const newSecret = (): SecretField => ({ stored: false, mode: 'keep', value: '' })
export const storedSecret = (stored: boolean): SecretField => ({ stored, mode: 'keep', value: '' })

export function emptySsh(): SshForm {
  return {
    host: '',
    port: CONNECTION_DEFAULTS.sshPort,
    user: '',
    auth: 'password',
    password: newSecret(),
    privateKey: newSecret(),
    passphrase: newSecret(),
    hostKeyFingerprint: ''
  }
}

export function emptyForm(): ConnectionForm {
  return {
    name: '',
    host: '',
    port: CONNECTION_DEFAULTS.port,
    user: '',
    password: newSecret(),
    database: '',
    tls: { mode: CONNECTION_DEFAULTS.tlsMode, ca: '', cert: '', key: newSecret() },
    sshEnabled: false,
    ssh: emptySsh(),
    connectTimeoutSec: CONNECTION_DEFAULTS.connectTimeoutMs / 1000,
    poolSize: CONNECTION_DEFAULTS.poolSize,
    readOnly: CONNECTION_DEFAULTS.readOnly
  }
}

/** The form for editing a saved connection: every secret starts untouched. */
export function formFromInfo(c: ConnectionInfo): ConnectionForm {
  return {
    name: c.name,
    host: c.host,
    port: c.port,
    user: c.user,
    password: storedSecret(c.passwordSet),
    database: c.database ?? '',
    tls: { mode: c.tls.mode, ca: c.tls.ca ?? '', cert: c.tls.cert ?? '', key: storedSecret(c.tls.keySet) },
    sshEnabled: c.ssh !== null,
    ssh: c.ssh
      ? {
          host: c.ssh.host,
          port: c.ssh.port,
          user: c.ssh.user,
          auth: c.ssh.privateKeySet ? 'key' : 'password',
          password: storedSecret(c.ssh.passwordSet),
          privateKey: storedSecret(c.ssh.privateKeySet),
          passphrase: storedSecret(c.ssh.passphraseSet),
          hostKeyFingerprint: c.ssh.hostKeyFingerprint ?? ''
        }
      : emptySsh(),
    connectTimeoutSec: c.connectTimeoutMs / 1000,
    poolSize: c.poolSize,
    readOnly: c.readOnly
  }
}

/** What a secret contributes to a request: undefined (omit, keep the stored one) or the string to store. */
export function secretValue(s: SecretField): string | undefined {
  switch (s.mode) {
    case 'keep':
      return undefined
    case 'clear':
      return ''
    case 'replace':
      return s.value
  }
}

/** A secret of the SSH auth method not chosen: a stored one is cleared, an unsaved one left out. */
function dropped(s: SecretField): string | undefined {
  return s.stored ? '' : undefined
}

const toNumber = (v: NumberValue): number => (typeof v === 'number' ? v : Number(String(v).trim()))

/** Drops keys whose value is undefined, so "omitted" really is omitted on the wire. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}

function sshInput(s: SshForm) {
  const byKey = s.auth === 'key'
  return compact({
    host: s.host.trim(),
    port: toNumber(s.port),
    user: s.user,
    password: byKey ? dropped(s.password) : secretValue(s.password),
    privateKey: byKey ? secretValue(s.privateKey) : dropped(s.privateKey),
    passphrase: byKey ? secretValue(s.passphrase) : dropped(s.passphrase),
    hostKeyFingerprint: s.hostKeyFingerprint.trim() === '' ? null : s.hostKeyFingerprint.trim()
  })
}

function tlsInput(f: ConnectionForm) {
  return compact({
    mode: f.tls.mode,
    ca: f.tls.ca.trim() === '' ? null : f.tls.ca,
    cert: f.tls.cert.trim() === '' ? null : f.tls.cert,
    key: secretValue(f.tls.key)
  })
}

/** Every field but name and ssh, as create, update and draft share them. */
function commonFields(f: ConnectionForm) {
  return compact({
    host: f.host.trim(),
    port: toNumber(f.port),
    user: f.user,
    password: secretValue(f.password),
    database: f.database.trim() === '' ? null : f.database.trim(),
    tls: tlsInput(f),
    connectTimeoutMs: Math.round(toNumber(f.connectTimeoutSec) * 1000),
    poolSize: toNumber(f.poolSize),
    readOnly: f.readOnly
  })
}

export function toCreateInput(f: ConnectionForm): ConnectionCreateInput {
  return compact({ name: f.name.trim(), ...commonFields(f), ssh: f.sshEnabled ? sshInput(f.ssh) : undefined })
}

/** `ssh: null` removes a saved tunnel; a connection that never had one leaves `ssh` out. */
export function toUpdateInput(f: ConnectionForm, original: ConnectionInfo): ConnectionUpdateInput {
  const ssh = f.sshEnabled ? sshInput(f.ssh) : original.ssh ? null : undefined
  return compact({ id: original.id, name: f.name.trim(), ...commonFields(f), ssh })
}

/**
 * `connections.test` input: form values as a draft; while editing, with the id too, so secrets the
 * user did not touch are taken from the saved connection. An empty name is left out (it does not
 * matter for a test).
 */
export function toTestInput(f: ConnectionForm, original: ConnectionInfo | null): MethodInput<'connections.test'> {
  const draft = compact({
    name: f.name.trim() === '' ? undefined : f.name.trim(),
    ...commonFields(f),
    host: f.host.trim() === '' ? undefined : f.host.trim(),
    user: f.user === '' ? undefined : f.user,
    ssh: f.sshEnabled ? sshInput(f.ssh) : null
  })
  return original ? { id: original.id, draft } : { draft }
}

/**
 * Checks the schema cannot phrase for people (numbers in range, seconds not milliseconds). Keys are
 * contract paths, like the server's validation issues, so both land on the same fields.
 */
export function localErrors(f: ConnectionForm): Record<string, string> {
  const errors: Record<string, string> = {}
  const intIn = (v: NumberValue, min: number, max: number): boolean => {
    const n = toNumber(v)
    return String(v).trim() !== '' && Number.isInteger(n) && n >= min && n <= max
  }
  if (!intIn(f.port, 1, 65535)) errors.port = 'Enter a port from 1 to 65535.'
  if (f.sshEnabled && !intIn(f.ssh.port, 1, 65535)) errors['ssh.port'] = 'Enter a port from 1 to 65535.'
  const t = toNumber(f.connectTimeoutSec)
  if (String(f.connectTimeoutSec).trim() === '' || !Number.isFinite(t) || t < 0.1 || t > 600) {
    errors.connectTimeoutMs = 'Enter a timeout from 0.1 to 600 seconds.'
  }
  if (!intIn(f.poolSize, 1, 100)) errors.poolSize = 'Enter a pool size from 1 to 100.'
  return errors
}
