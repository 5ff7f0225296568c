import { CONNECTION_DEFAULTS } from '../../../shared/connections'
import type { DocumentConnection, DocumentSync } from '../../../shared/config-document'
import type { ScheduleInput, SyncConfig, SyncInput, TableMapping } from '../../../shared/syncs'
import { mergeConnection, type ResolvedConnection, type SecretName, type Secrets } from '../connections/model'

/**
 * The forms a connection and a sync take in a configuration document, and back. Both directions go
 * through one canonical form (defaults filled in, defaults left out), so an item read from the store
 * and the same item read from a document compare equal: that is how an import knows "unchanged".
 */

/** Where each secret sits in a document connection, and the suffix of its generated variable name. */
export const SECRET_FIELDS: { secret: SecretName; path: string[]; env: string }[] = [
  { secret: 'password', path: ['password'], env: 'PW' },
  { secret: 'tlsKey', path: ['tls', 'key'], env: 'TLS_KEY' },
  { secret: 'sshPassword', path: ['ssh', 'password'], env: 'SSH_PW' },
  { secret: 'sshPrivateKey', path: ['ssh', 'privateKey'], env: 'SSH_KEY' },
  { secret: 'sshPassphrase', path: ['ssh', 'passphrase'], env: 'SSH_PASSPHRASE' }
]

/** The reference text a document connection gives for a secret (`${NAME}`), if any. */
export function secretReference(c: DocumentConnection, secret: SecretName): string | undefined {
  switch (secret) {
    case 'password':
      return c.password
    case 'tlsKey':
      return c.tls?.key
    case 'sshPassword':
      return c.ssh?.password
    case 'sshPrivateKey':
      return c.ssh?.privateKey
    case 'sshPassphrase':
      return c.ssh?.passphrase
  }
}

/**
 * A connection as a document writes it: every non-secret setting, defaults left out, and for each
 * secret that is set the reference `refFor` gives (none: left out).
 */
export function connectionDocument(c: ResolvedConnection, secretsSet: Set<SecretName>, refFor: (secret: SecretName) => string | undefined): DocumentConnection {
  const ref = (s: SecretName): string | undefined => (secretsSet.has(s) ? refFor(s) : undefined)
  const out: DocumentConnection = { name: c.name, host: c.host, port: c.port, user: c.user }
  const password = ref('password')
  if (password) out.password = password
  if (c.database !== null) out.database = c.database
  const tlsKey = ref('tlsKey')
  if (c.tls.mode !== CONNECTION_DEFAULTS.tlsMode || c.tls.ca || c.tls.cert || tlsKey) {
    out.tls = { mode: c.tls.mode, ...(c.tls.ca ? { ca: c.tls.ca } : {}), ...(c.tls.cert ? { cert: c.tls.cert } : {}), ...(tlsKey ? { key: tlsKey } : {}) }
  }
  if (c.ssh) {
    const ssh: NonNullable<DocumentConnection['ssh']> = { host: c.ssh.host, port: c.ssh.port, user: c.ssh.user }
    const sp = ref('sshPassword')
    const sk = ref('sshPrivateKey')
    const sf = ref('sshPassphrase')
    if (sp) ssh.password = sp
    if (sk) ssh.privateKey = sk
    if (sf) ssh.passphrase = sf
    if (c.ssh.hostKeyFingerprint) ssh.hostKeyFingerprint = c.ssh.hostKeyFingerprint
    out.ssh = ssh
  }
  if (c.connectTimeoutMs !== CONNECTION_DEFAULTS.connectTimeoutMs) out.connectTimeoutMs = c.connectTimeoutMs
  if (c.poolSize !== CONNECTION_DEFAULTS.poolSize) out.poolSize = c.poolSize
  if (c.readOnly) out.readOnly = true
  return out
}

/**
 * A document connection as the store would hold it: defaults filled in, and secrets from `secrets`
 * (what the document gives, resolved) or else from `keep` (what the store has: a secret a document
 * leaves out is kept). Secrets of a tunnel the document removes go with it.
 */
export function resolvedFromDocument(c: DocumentConnection, secrets: Secrets, keep: Secrets): ResolvedConnection {
  const pick = (s: SecretName): string | undefined => secrets[s] ?? keep[s]
  const r = mergeConnection(null, {
    name: c.name,
    host: c.host,
    port: c.port,
    user: c.user,
    password: pick('password') ?? '',
    database: c.database ?? null,
    tls: c.tls ? { mode: c.tls.mode, ca: c.tls.ca ?? null, cert: c.tls.cert ?? null, key: pick('tlsKey') } : { mode: CONNECTION_DEFAULTS.tlsMode, key: pick('tlsKey') },
    ssh: c.ssh ? { ...c.ssh, password: pick('sshPassword'), privateKey: pick('sshPrivateKey'), passphrase: pick('sshPassphrase') } : null,
    connectTimeoutMs: c.connectTimeoutMs,
    poolSize: c.poolSize,
    readOnly: c.readOnly
  })
  return r
}

/** JSON with object keys sorted, so two equal values written in another key order compare equal. */
export function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === 'object' && !Array.isArray(val) ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : val
  )
}

/** The fields of two documents (of a connection, or of a sync) whose values differ, sorted. */
export function changedFields(now: object, next: object): string[] {
  const a = now as Record<string, unknown>
  const b = next as Record<string, unknown>
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  return [...keys].filter((k) => stableJson(a[k]) !== stableJson(b[k])).sort()
}

/** A table mapping without the defaults (mode full), so stored and written mappings compare equal. */
function mappingDocument(t: TableMapping): TableMapping {
  const out: TableMapping = { source: t.source }
  if (t.target && t.target !== t.source) out.target = t.target
  if (t.where !== undefined && t.where.trim() !== '') out.where = t.where
  if (t.excludeColumns?.length) out.excludeColumns = [...t.excludeColumns]
  if (t.mode && t.mode !== 'full') out.mode = t.mode
  if (t.cursor?.length) out.cursor = [...t.cursor]
  return out
}

/** A schedule with its flags spelled out, as the store keeps it. */
function scheduleDocument(s: ScheduleInput): ScheduleInput {
  return s.kind === 'cron'
    ? { kind: 'cron', cron: s.cron, ...(s.timezone ? { timezone: s.timezone } : {}), catchUp: s.catchUp === true, enabled: s.enabled !== false }
    : { kind: 'interval', every: s.every, catchUp: s.catchUp === true, enabled: s.enabled !== false }
}

/** The parts of a sync a document holds, whether it comes from the store or from a document. */
export interface SyncParts {
  name: string
  source: { connection: string; database: string }
  target: { connection: string; database: string }
  tables?: TableMapping[]
  allTables?: SyncInput['allTables']
  options?: SyncInput['options']
  schedule?: ScheduleInput | null
}

export function syncDocument(s: SyncParts): DocumentSync {
  const out: DocumentSync = { name: s.name, source: { ...s.source }, target: { ...s.target } }
  if (s.tables?.length) out.tables = s.tables.map(mappingDocument)
  if (s.allTables) out.allTables = s.allTables
  if (s.options && Object.keys(s.options).length > 0) out.options = s.options
  if (s.schedule) out.schedule = scheduleDocument(s.schedule)
  return out
}

/** A stored sync as its document parts; `nameOf` turns connection ids into names. */
export function storedSyncParts(s: SyncConfig, schedule: ScheduleInput | null, nameOf: (connectionId: string) => string): SyncParts {
  return {
    name: s.name,
    source: { connection: nameOf(s.sourceConnectionId), database: s.sourceDatabase },
    target: { connection: nameOf(s.targetConnectionId), database: s.targetDatabase },
    tables: s.tables,
    allTables: s.allTables,
    options: s.options,
    schedule
  }
}

/** One changed field, with its value before and after as short text (for the preview, not for parsing). */
export interface FieldDiff {
  field: string
  from: string
  to: string
}

const SHOWN_CHARS = 240

/** A value as the preview shows it: text as is, the rest as compact JSON, cut at 240 characters. */
export function shownValue(v: unknown): string {
  if (v === undefined || v === null) return '(none)'
  const text = typeof v === 'string' ? v : stableJson(v)
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS - 1)}…` : text
}

/**
 * What differs between two documents' fields, value by value. Table mappings are compared by their
 * source table (`tables[orders]`), so one changed filter reads as that, not as the whole list.
 */
export function fieldDiffs(now: object, next: object, fields: string[]): FieldDiff[] {
  const out: FieldDiff[] = []
  for (const f of fields) {
    const a = (now as Record<string, unknown>)[f]
    const b = (next as Record<string, unknown>)[f]
    if (f === 'tables' && (Array.isArray(a) || a === undefined) && (Array.isArray(b) || b === undefined)) {
      const before = new Map(((a ?? []) as TableMapping[]).map((t) => [t.source, t]))
      const after = new Map(((b ?? []) as TableMapping[]).map((t) => [t.source, t]))
      for (const source of new Set([...before.keys(), ...after.keys()])) {
        const x = before.get(source)
        const y = after.get(source)
        if (stableJson(x) !== stableJson(y)) out.push({ field: `tables[${source}]`, from: x ? shownValue(x) : '(not synced)', to: y ? shownValue(y) : '(not synced)' })
      }
      continue
    }
    out.push({ field: f, from: shownValue(a), to: shownValue(b) })
  }
  return out
}
