import {
  CONNECTION_DEFAULTS,
  type ConnectionDraft,
  type ConnectionHealth,
  type ConnectionInfo,
  type ConnectionUpdateInput,
  type TlsMode
} from '../../../shared/connections'

/**
 * A connection in the three forms it takes inside the core:
 *  - ResolvedConnection: everything needed to connect, secrets in clear; lives only in memory;
 *  - StoredParts: what the repository writes (plain columns, options JSON, secrets to be sealed);
 *  - ConnectionInfo: what crosses the contract (secrets reduced to "set"/"not set").
 * The merge rules of create/update/draft live here, in one place, as pure functions.
 */

export interface ResolvedTls {
  mode: TlsMode
  ca: string | null
  cert: string | null
  key: string | null
}

export interface ResolvedSsh {
  host: string
  port: number
  user: string
  password: string | null
  privateKey: string | null
  passphrase: string | null
  hostKeyFingerprint: string | null
}

export interface ResolvedConnection {
  /** null for an unsaved draft. */
  id: string | null
  name: string
  host: string
  port: number
  user: string
  password: string
  database: string | null
  tls: ResolvedTls
  ssh: ResolvedSsh | null
  connectTimeoutMs: number
  poolSize: number
  readOnly: boolean
}

export const SECRET_NAMES = ['password', 'tlsKey', 'sshPassword', 'sshPrivateKey', 'sshPassphrase'] as const
export type SecretName = (typeof SECRET_NAMES)[number]
export type Secrets = Partial<Record<SecretName, string>>

/** The non-secret options stored as JSON in `connections.options`. */
export interface StoredOptions {
  tls: { mode: TlsMode; ca: string | null; cert: string | null }
  ssh: { host: string; port: number; user: string; hostKeyFingerprint: string | null } | null
  connectTimeoutMs: number
  poolSize: number
  /** Which secrets are set, so listing never has to decrypt anything. */
  secretsSet: SecretName[]
}

export interface StoredConnection {
  id: string
  name: string
  host: string
  port: number
  user: string
  database: string | null
  readOnly: boolean
  options: StoredOptions
  secrets: Buffer | null
  createdAt: number
  updatedAt: number
}

/** Form values as validated by the contract (create, update minus id, draft). */
export type ConnectionPatch = Omit<ConnectionUpdateInput, 'id'> | ConnectionDraft

const emptyToNull = (s: string | null | undefined): string | null => (s === undefined || s === null || s === '' ? null : s)

/**
 * Applies form values to a base. With a base (update, or a draft tested while editing) omitted
 * fields keep the base's value and omitted secrets keep the stored secret; a string, even empty,
 * replaces it. Without a base (create, a fresh draft) the defaults apply.
 */
export function mergeConnection(base: ResolvedConnection | null, patch: ConnectionPatch): ResolvedConnection {
  const pick = <T>(v: T | undefined, fallback: T): T => (v === undefined ? fallback : v)
  let tls: ResolvedTls = base?.tls ?? { mode: CONNECTION_DEFAULTS.tlsMode, ca: null, cert: null, key: null }
  if (patch.tls) {
    tls = {
      mode: patch.tls.mode,
      ca: patch.tls.ca === undefined ? tls.ca : emptyToNull(patch.tls.ca),
      cert: patch.tls.cert === undefined ? tls.cert : emptyToNull(patch.tls.cert),
      key: patch.tls.key === undefined ? tls.key : emptyToNull(patch.tls.key)
    }
  }
  let ssh: ResolvedSsh | null = base?.ssh ?? null
  if (patch.ssh === null) ssh = null
  else if (patch.ssh) {
    const old = ssh
    ssh = {
      host: patch.ssh.host,
      port: patch.ssh.port ?? old?.port ?? CONNECTION_DEFAULTS.sshPort,
      user: patch.ssh.user,
      password: patch.ssh.password === undefined ? (old?.password ?? null) : emptyToNull(patch.ssh.password),
      privateKey: patch.ssh.privateKey === undefined ? (old?.privateKey ?? null) : emptyToNull(patch.ssh.privateKey),
      passphrase: patch.ssh.passphrase === undefined ? (old?.passphrase ?? null) : emptyToNull(patch.ssh.passphrase),
      hostKeyFingerprint:
        patch.ssh.hostKeyFingerprint === undefined ? (old?.hostKeyFingerprint ?? null) : emptyToNull(patch.ssh.hostKeyFingerprint)
    }
  }
  return {
    id: base?.id ?? null,
    name: pick(patch.name, base?.name ?? '(draft)'),
    host: pick(patch.host, base?.host ?? ''),
    port: pick(patch.port, base?.port ?? CONNECTION_DEFAULTS.port),
    user: pick(patch.user, base?.user ?? ''),
    password: pick(patch.password, base?.password ?? ''),
    database: patch.database === undefined ? (base?.database ?? null) : patch.database,
    tls,
    ssh,
    connectTimeoutMs: pick(patch.connectTimeoutMs, base?.connectTimeoutMs ?? CONNECTION_DEFAULTS.connectTimeoutMs),
    poolSize: pick(patch.poolSize, base?.poolSize ?? CONNECTION_DEFAULTS.poolSize),
    readOnly: pick(patch.readOnly, base?.readOnly ?? CONNECTION_DEFAULTS.readOnly)
  }
}

/** Splits a resolved connection into what is stored in clear and what gets sealed. */
export function splitSecrets(c: ResolvedConnection): { options: StoredOptions; secrets: Secrets } {
  const secrets: Secrets = {}
  if (c.password) secrets.password = c.password
  if (c.tls.key) secrets.tlsKey = c.tls.key
  if (c.ssh?.password) secrets.sshPassword = c.ssh.password
  if (c.ssh?.privateKey) secrets.sshPrivateKey = c.ssh.privateKey
  if (c.ssh?.passphrase) secrets.sshPassphrase = c.ssh.passphrase
  const options: StoredOptions = {
    tls: { mode: c.tls.mode, ca: c.tls.ca, cert: c.tls.cert },
    ssh: c.ssh ? { host: c.ssh.host, port: c.ssh.port, user: c.ssh.user, hostKeyFingerprint: c.ssh.hostKeyFingerprint } : null,
    connectTimeoutMs: c.connectTimeoutMs,
    poolSize: c.poolSize,
    secretsSet: SECRET_NAMES.filter((n) => secrets[n] !== undefined)
  }
  return { options, secrets }
}

/** The inverse of splitSecrets, given the opened secrets. */
export function joinSecrets(row: StoredConnection, secrets: Secrets): ResolvedConnection {
  const o = row.options
  return {
    id: row.id,
    name: row.name,
    host: row.host,
    port: row.port,
    user: row.user,
    password: secrets.password ?? '',
    database: row.database,
    tls: { mode: o.tls.mode, ca: o.tls.ca, cert: o.tls.cert, key: secrets.tlsKey ?? null },
    ssh: o.ssh
      ? {
          ...o.ssh,
          password: secrets.sshPassword ?? null,
          privateKey: secrets.sshPrivateKey ?? null,
          passphrase: secrets.sshPassphrase ?? null
        }
      : null,
    connectTimeoutMs: o.connectTimeoutMs,
    poolSize: o.poolSize,
    readOnly: row.readOnly
  }
}

export const IDLE_HEALTH: ConnectionHealth = { state: 'idle', latencyMs: null, checkedAt: null, error: null, failures: 0, nextCheckAt: null, retryInMs: null }

/** The outward shape: secrets reduced to booleans. */
export function toInfo(row: StoredConnection, health: ConnectionHealth = IDLE_HEALTH): ConnectionInfo {
  const set = new Set(row.options.secretsSet)
  const o = row.options
  return {
    id: row.id,
    name: row.name,
    host: row.host,
    port: row.port,
    user: row.user,
    passwordSet: set.has('password'),
    database: row.database,
    tls: { mode: o.tls.mode, ca: o.tls.ca, cert: o.tls.cert, keySet: set.has('tlsKey') },
    ssh: o.ssh
      ? {
          host: o.ssh.host,
          port: o.ssh.port,
          user: o.ssh.user,
          passwordSet: set.has('sshPassword'),
          privateKeySet: set.has('sshPrivateKey'),
          passphraseSet: set.has('sshPassphrase'),
          hostKeyFingerprint: o.ssh.hostKeyFingerprint
        }
      : null,
    connectTimeoutMs: o.connectTimeoutMs,
    poolSize: o.poolSize,
    readOnly: row.readOnly,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
    health
  }
}
