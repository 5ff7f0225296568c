import { z } from 'zod'
import type { ErrorBody } from './errors'
import { NAME_CHARACTERS_MESSAGE, unshowableCharacter } from './names'

/**
 * Saved MySQL/MariaDB connections: the input schemas of `connections.*` and the shapes they answer.
 * Secrets (passwords, passphrases, private keys, the TLS client key) go in and never come out: every
 * outward shape says only whether each one is set (`passwordSet`, `keySet`, ...).
 */

export const TLS_MODES = ['disabled', 'preferred', 'required', 'verify-ca', 'verify-identity'] as const
export type TlsMode = (typeof TLS_MODES)[number]

/** Defaults applied when a create (or draft) leaves a field out. */
export const CONNECTION_DEFAULTS = {
  port: 3306,
  sshPort: 22,
  tlsMode: 'preferred' as TlsMode,
  connectTimeoutMs: 10_000,
  poolSize: 4,
  readOnly: false
} as const

/** `SHA256:` + 43 base64 characters (padding optional), as `ssh-keygen -lf` and `ssh` print it. */
export const SSH_FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}=?$/

const name = z
  .string()
  .trim()
  .min(1, 'name must not be empty')
  .max(100, 'name must be at most 100 characters')
  .refine((n) => unshowableCharacter(n) === null, { message: `name ${NAME_CHARACTERS_MESSAGE}` })
const host = z
  .string()
  .trim()
  .min(1, 'host must not be empty')
  .max(255)
  .refine((h) => !/[\s/@]/.test(h), 'host must be a host name or an IP address')
const port = z.number().int().min(1).max(65535)
const user = z.string().min(1, 'user must not be empty').max(128)
/** A secret as typed in a form. Omitted keeps the stored value on update; a string, even empty, replaces it. */
const secret = z.string().max(1024)
/** PEM text (certificates, keys). 64 KiB fits any sane chain. */
const pem = z.string().max(65_536)
/**
 * A certificate (chain): public, so stored and exported as it is. A private key pasted along (a
 * combined cert+key file) would be exported in clear with it, so it is refused: it goes in `key`.
 */
const certificate = pem.refine((v) => !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(v), {
  message: 'holds a private key: give only the certificate here, and the key in the key field (kept secret)'
})
const database = z
  .string()
  .max(64)
  .nullable()
  .transform((d) => (d === null || d.trim() === '' ? null : d))

export const tlsInputSchema = z
  .object({
    mode: z.enum(TLS_MODES),
    /** CA certificate(s) that must have signed the server's certificate (verify-ca, verify-identity). */
    ca: certificate.nullable().optional(),
    /** Client certificate, for servers that require X.509 authentication. */
    cert: certificate.nullable().optional(),
    /** Client private key (secret). */
    key: z.string().max(65_536).optional()
  })
  .strict()

export const sshInputSchema = z
  .object({
    host,
    port: port.optional(),
    user: z.string().min(1, 'SSH user must not be empty').max(128),
    password: secret.optional(),
    privateKey: z.string().max(65_536).optional(),
    passphrase: secret.optional(),
    /** Expected host key, `SHA256:...`; the tunnel refuses any other key. Empty or null: not pinned. */
    hostKeyFingerprint: z
      .string()
      .trim()
      .nullable()
      .optional()
      .refine((f) => f === null || f === undefined || f === '' || SSH_FINGERPRINT.test(f), {
        message: 'expected a fingerprint such as SHA256:AbC... as `ssh-keygen -lf` prints it'
      })
  })
  .strict()

const fields = {
  name,
  host,
  port: port.optional(),
  user,
  password: secret.optional(),
  database: database.optional(),
  tls: tlsInputSchema.optional(),
  /** `null` removes the tunnel on update. */
  ssh: sshInputSchema.nullable().optional(),
  connectTimeoutMs: z.number().int().min(100).max(600_000).optional(),
  poolSize: z.number().int().min(1).max(100).optional(),
  /** A read-only connection (production, say) can never be a sync target. */
  readOnly: z.boolean().optional()
}

const id = z.string().min(1).max(100)

export const connectionCreateSchema = z.object(fields).strict()
export const connectionUpdateSchema = z
  .object({
    id,
    name: fields.name.optional(),
    host: fields.host.optional(),
    port: fields.port,
    user: fields.user.optional(),
    password: fields.password,
    database: fields.database,
    tls: fields.tls,
    ssh: fields.ssh,
    connectTimeoutMs: fields.connectTimeoutMs,
    poolSize: fields.poolSize,
    readOnly: fields.readOnly
  })
  .strict()
/**
 * Unsaved form values. The name does not matter for a test; host and user may be left out only
 * when a saved connection (`id`) supplies them.
 */
export const connectionDraftSchema = z.object({ ...fields, name: name.optional(), host: host.optional(), user: user.optional() }).strict()

export const connectionIdSchema = z.object({ id }).strict()
export const connectionDeleteSchema = z
  .object({ id, /** Also delete the sync configs that use this connection. */ cascade: z.boolean().optional() })
  .strict()
/**
 * `{id}` tests a saved connection; `{draft}` tests form values; `{id, draft}` tests form values
 * while editing a saved connection, taking the stored secrets for any the draft leaves out.
 */
export const connectionTestSchema = z
  .object({ id: id.optional(), draft: connectionDraftSchema.optional() })
  .strict()
  .refine((i) => i.id !== undefined || i.draft !== undefined, { message: 'give id, draft, or both' })
export const databasesSchema = z.object({ id, includeSystem: z.boolean().optional() }).strict()
export const tablesSchema = z.object({ id, database: z.string().min(1).max(64) }).strict()
export const columnsSchema = z.object({ id, database: z.string().min(1).max(64), table: z.string().min(1).max(64) }).strict()

export type ConnectionCreateInput = z.input<typeof connectionCreateSchema>
export type ConnectionUpdateInput = z.input<typeof connectionUpdateSchema>
export type ConnectionDraft = z.output<typeof connectionDraftSchema>

// ---------- outward shapes ----------

export type ConnectionState = 'idle' | 'connected' | 'degraded' | 'down'

/** Health of a connection's pool. `idle`: no pool open yet (pools open on first use). */
export interface ConnectionHealth {
  state: ConnectionState
  latencyMs: number | null
  checkedAt: string | null
  error: ErrorBody | null
  /** Failed checks in a row; retries back off while this grows. */
  failures: number
  /** When the next background check runs (null while idle). */
  nextCheckAt: string | null
  /** The delay chosen after the last check: the interval while up, a growing backoff while failing. */
  retryInMs: number | null
}

export interface ConnectionInfo {
  id: string
  name: string
  host: string
  port: number
  user: string
  passwordSet: boolean
  database: string | null
  tls: { mode: TlsMode; ca: string | null; cert: string | null; keySet: boolean }
  ssh: {
    host: string
    port: number
    user: string
    passwordSet: boolean
    privateKeySet: boolean
    passphraseSet: boolean
    hostKeyFingerprint: string | null
  } | null
  connectTimeoutMs: number
  poolSize: number
  readOnly: boolean
  createdAt: string
  updatedAt: string
  health: ConnectionHealth
}

export interface ConnectionDeleteResult {
  id: string
  /** Sync configs deleted along with it (cascade). */
  deletedSyncs: { id: string; name: string }[]
}

export interface SourcePrivileges {
  select: boolean
  showView: boolean
  /** Needed for a consistent point across parallel readers (FLUSH TABLES WITH READ LOCK). */
  reload: boolean
  /** REPLICATION CLIENT (BINLOG MONITOR on MariaDB 10.5+). */
  replicationClient: boolean
}

export interface TargetPrivileges {
  insert: boolean
  update: boolean
  delete: boolean
  create: boolean
  drop: boolean
  alter: boolean
  index: boolean
}

export interface ConnectionTestReport {
  ok: boolean
  /** Set when ok is false. */
  error?: { code: ErrorBody['code']; message: string }
  /** Wall time of the whole test. */
  durationMs: number
  ssh: { inUse: boolean; hostKeyFingerprint?: string }
  serverVersion?: string
  flavor?: 'mariadb' | 'mysql'
  /** Round trip of `SELECT 1` on the open session. */
  latencyMs?: number
  tls?: { inUse: boolean; cipher: string | null; version: string | null }
  privileges?: {
    /** The database whose grants count besides global ones (the connection's default database). */
    database: string | null
    source: SourcePrivileges
    target: TargetPrivileges
  }
  localInfile?: boolean
  maxAllowedPacket?: number
  /** The server's time_zone (`SYSTEM` means the host's, given in systemTimeZone). */
  timeZone?: string
  systemTimeZone?: string
  defaultCharset?: string
  defaultCollation?: string
  /** The server itself is read-only (`read_only=ON`). */
  serverReadOnly?: boolean
}

export interface DatabaseInfo {
  name: string
  charset: string
  collation: string
  system: boolean
}

export interface TableInfo {
  name: string
  type: 'table' | 'view' | 'sequence' | 'system view'
  engine: string | null
  /** InnoDB's estimate from information_schema; not an exact count. */
  rowsEstimate: number | null
  dataBytes: number | null
  indexBytes: number | null
  collation: string | null
  hasPrimaryKey: boolean
  /** A unique key whose columns are all NOT NULL: as good as a primary key for chunking and diffs. */
  hasUniqueNotNullKey: boolean
  comment: string
}

export interface ColumnInfo {
  name: string
  position: number
  /** COLUMN_TYPE, e.g. `int(10) unsigned`, `varchar(255)`, `enum('a','b')`. */
  type: string
  dataType: string
  nullable: boolean
  /** COLUMN_DEFAULT as the server reports it (MariaDB quotes literals and writes NULL as `NULL`). */
  default: string | null
  /** COLUMN_KEY: PRI, UNI, MUL or ''. */
  key: string
  extra: string
  generated: boolean
  charset: string | null
  collation: string | null
}

export const SYSTEM_DATABASES = ['information_schema', 'performance_schema', 'mysql', 'sys'] as const

/**
 * `connections.cursors`: a column an incremental sync could read a table by, and why (issue 13):
 * ranked best first by schema/cursor-candidates.ts.
 */
export interface CursorCandidate {
  columns: string[]
  /** `changes`: moves on every update; `grows`: new rows only (appends). */
  sees: 'changes' | 'grows'
  rank: number
  /** One sentence for the wizard and the plan. */
  reason: string
  /** What the operator should know before choosing it (not indexed, nullable, appends only). */
  caveats: string[]
}
