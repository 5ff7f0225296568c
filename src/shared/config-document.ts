import { z } from 'zod'
import { connectionCreateSchema, sshInputSchema, tlsInputSchema } from './connections'
import { scheduleSchema, syncNameSchema, syncOptionsSchema, tableMappingSchema } from './syncs'
import type { ErrorCode } from './errors'

/**
 * The configuration document (issue 15): connections and syncs as one versioned YAML or JSON file,
 * for moving a setup between machines, keeping it in version control and `db-taxi apply`. Syncs name
 * their connections by name, never by id. docs/config-document.md describes every field.
 *
 * A document never holds a secret in clear. A secret field is a reference, resolved when the document
 * is imported:
 *   `${NAME}`         an environment variable (of the process importing it, or given with the call)
 *   `${file:PATH}`    a file's content (an SSH private key, a TLS client key), `~` for the home dir
 *   `${sealed}`       taken from the document's `sealed` block, opened with a passphrase
 * A secret field left out keeps what the store has (or none, for a new connection).
 */

export const CONFIG_DOCUMENT_VERSION = 1

/** `${NAME}`, `${file:PATH}` or `${sealed}`. */
export const SECRET_REFERENCE = /^\$\{(?:sealed|file:[^}]+|[A-Za-z_][A-Za-z0-9_]*)\}$/

const secretRef = z
  .string()
  .max(4096)
  .regex(SECRET_REFERENCE, 'a secret is never written in clear: name an environment variable (${NAME}), a file (${file:PATH}) or ${sealed}')

/** A connection of the document: the fields of `connections.create`, with references for secrets. */
export const documentConnectionSchema = connectionCreateSchema.extend({
  password: secretRef.optional(),
  tls: tlsInputSchema.extend({ key: secretRef.optional() }).strict().optional(),
  ssh: sshInputSchema
    .extend({ password: secretRef.optional(), privateKey: secretRef.optional(), passphrase: secretRef.optional() })
    .strict()
    .nullable()
    .optional()
}).strict()

const ident = z.string().min(1).max(64)
const endpoint = z.object({ connection: z.string().trim().min(1).max(100), database: ident }).strict()

/** A sync of the document: its endpoints name connections; tables, options and schedule as `syncs.create`. */
export const documentSyncSchema = z
  .object({
    name: syncNameSchema,
    source: endpoint,
    target: endpoint,
    tables: z.array(tableMappingSchema).max(10_000).optional(),
    allTables: z.object({ include: z.array(z.string().min(1).max(128)).max(100).optional(), exclude: z.array(z.string().min(1).max(128)).max(100).optional() }).strict().optional(),
    options: syncOptionsSchema.optional(),
    schedule: scheduleSchema.optional()
  })
  .strict()
  .superRefine((v, ctx) => {
    if (!v.allTables && (!v.tables || v.tables.length === 0)) ctx.addIssue({ code: 'custom', path: ['tables'], message: 'choose tables, or allTables' })
  })

/** Secrets sealed with a passphrase: scrypt derives the key, AES-256-GCM seals `{connection: {secret: value}}`. */
export const sealedBlockSchema = z
  .object({
    cipher: z.literal('aes-256-gcm'),
    // Bounded so a hand-made block cannot make an import allocate gigabytes (scrypt needs 128 * N * r
    // bytes: at most 128 MB here) or spin for minutes; DB-Taxi writes N = 2^15, r = 8, p = 1.
    kdf: z
      .object({
        name: z.literal('scrypt'),
        N: z.number().int().min(16_384).max(131_072).refine((n) => (n & (n - 1)) === 0, 'N must be a power of two'),
        r: z.number().int().min(8).max(8),
        p: z.number().int().min(1).max(4),
        salt: z.base64().min(16).max(88)
      })
      .strict(),
    // 12 and 16 bytes, checked before any key is derived.
    iv: z.base64().length(16),
    tag: z.base64().length(24),
    data: z.base64().max(4 * 1024 * 1024)
  })
  .strict()

export const configDocumentSchema = z
  .object({
    version: z.literal(CONFIG_DOCUMENT_VERSION, { error: `this DB-Taxi reads version ${CONFIG_DOCUMENT_VERSION} documents` }),
    /** Informational: when and by what the document was written. */
    exportedAt: z.string().max(64).optional(),
    generator: z.string().max(200).optional(),
    connections: z.array(documentConnectionSchema).max(1000).optional(),
    syncs: z.array(documentSyncSchema).max(10_000).optional(),
    sealed: sealedBlockSchema.optional()
  })
  .strict()

export type ConfigDocument = z.output<typeof configDocumentSchema>
export type DocumentConnection = z.output<typeof documentConnectionSchema>
export type DocumentSync = z.output<typeof documentSyncSchema>
export type SealedBlock = z.output<typeof sealedBlockSchema>

export const DOCUMENT_FORMATS = ['yaml', 'json'] as const
export type DocumentFormat = (typeof DOCUMENT_FORMATS)[number]
export const CONFLICT_POLICIES = ['skip', 'overwrite', 'rename'] as const
export type ConflictPolicy = (typeof CONFLICT_POLICIES)[number]

/** How secrets are written: as environment variable references (default), left out, or sealed. */
export const EXPORT_SECRETS = ['env', 'omit', 'seal'] as const

const names = z.array(z.string().trim().min(1).max(100)).max(10_000)
/** A passphrase for sealing; 12 characters at least, since the document may travel. */
const passphrase = z.string().min(12, 'the passphrase must have at least 12 characters').max(1024)
const documentText = z.string().min(1, 'the document is empty').max(8 * 1024 * 1024)
/**
 * Values for the document's `${NAME}` and `${file:PATH}` references, keyed by the reference's text
 * inside the braces (`DBT_PW_PROD`, `file:~/.ssh/id_ed25519`). Through the API these are the only
 * source: a server never reads its own environment or files for a caller's document.
 */
const references = z.record(z.string().min(1).max(4096), z.string().max(65_536))

export const mappingsExportSchema = z
  .object({
    /** Connection names; with syncs, the connections those syncs use are added. Neither: everything. */
    connections: names.optional(),
    syncs: names.optional(),
    format: z.enum(DOCUMENT_FORMATS).optional(),
    secrets: z.enum(EXPORT_SECRETS).optional(),
    passphrase: passphrase.optional()
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.secrets === 'seal' && !v.passphrase) ctx.addIssue({ code: 'custom', path: ['passphrase'], message: 'sealing needs a passphrase' })
    if (v.secrets !== 'seal' && v.passphrase) ctx.addIssue({ code: 'custom', path: ['passphrase'], message: 'a passphrase is only used with secrets: seal' })
  })

const importCommon = {
  document: documentText,
  passphrase: z.string().max(1024).optional(),
  references: references.optional(),
  /** Validate and answer what would change, changing nothing. */
  dryRun: z.boolean().optional()
}

export const mappingsImportSchema = z
  .object({
    ...importCommon,
    /** What to do with a name the store has already (default skip). */
    onConflict: z.enum(CONFLICT_POLICIES).optional(),
    /** Per name, overriding onConflict. */
    conflicts: z.object({ connections: z.record(z.string(), z.enum(CONFLICT_POLICIES)).optional(), syncs: z.record(z.string(), z.enum(CONFLICT_POLICIES)).optional() }).strict().optional()
  })
  .strict()

export const mappingsApplySchema = z
  .object({
    ...importCommon,
    /** Also delete the connections and syncs the document does not name. */
    prune: z.boolean().optional()
  })
  .strict()

export const mappingsValidateSchema = z
  .object({ syncIds: z.array(z.string().min(1)).max(10_000).optional() })
  .strict()
  .optional()
  .default({})

// ---------- outward shapes ----------

export interface MappingsExport {
  format: DocumentFormat
  document: string
  connections: number
  syncs: number
  /** The references the document uses for secrets, for the person who will import it. */
  references: { connection: string; field: string; reference: string }[]
}

/** A problem of a document: where (line and column, 1-based, when known) and which field. */
export interface DocumentProblem {
  code: ErrorCode
  message: string
  /** The field, as a path into the document (`connections[1].port`). */
  path: string
  line?: number
  column?: number
}

export type ImportAction = 'create' | 'update' | 'unchanged' | 'skip' | 'delete'

export interface ImportChange {
  kind: 'connection' | 'sync'
  /** The name in the document (or, for a delete, in the store). */
  name: string
  action: ImportAction
  /** Set when a rename policy gave the item a new name. */
  as?: string
  /** update: the fields that change (secrets by name only). */
  fields?: string[]
  /**
   * update, and skip where the store's item differs: each differing value before (the store's) and
   * after (the document's), as short text. Secrets only as `(set)` / `(a new value)`, never a value.
   */
  diff?: { field: string; from: string; to: string }[]
  /** skip, delete: why. */
  reason?: string
}

/** What an import or apply did, or (dryRun) would do. */
export interface ImportReport {
  ok: boolean
  /** Whether the store was changed (false for a dry run and whenever ok is false). */
  applied: boolean
  problems: DocumentProblem[]
  changes: ImportChange[]
  summary: Record<ImportAction, number>
  /** References the document uses that the call must supply values for. */
  references: string[]
}

export interface MappingProblem {
  code: ErrorCode
  message: string
  table?: string
}

/** `mappings.validate`: every sync checked against the live schemas. */
export interface MappingValidationReport {
  ok: boolean
  checkedAt: string
  durationMs: number
  syncs: { syncId: string; name: string; ok: boolean; problems: MappingProblem[]; tables: number }[]
  /** Problems spanning syncs (two mappings onto one target table). */
  problems: (MappingProblem & { syncs: string[] })[]
}
