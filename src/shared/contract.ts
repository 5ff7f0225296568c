import { z } from 'zod'
import type { ErrorBody } from './errors'
import type { Config, ConfigKey, ConfigSource } from './config-keys'
import { CONFIG_KEYS, CONFIG_KEY_NAMES } from './config-keys'
import {
  columnsSchema,
  connectionCreateSchema,
  connectionDeleteSchema,
  connectionIdSchema,
  connectionTestSchema,
  connectionUpdateSchema,
  databasesSchema,
  tablesSchema,
  type ColumnInfo,
  type ConnectionDeleteResult,
  type ConnectionInfo,
  type ConnectionTestReport,
  type CursorCandidate,
  type DatabaseInfo,
  type TableInfo
} from './connections'
import {
  mappingsApplySchema,
  mappingsExportSchema,
  mappingsImportSchema,
  mappingsValidateSchema,
  type ImportReport,
  type MappingsExport,
  type MappingValidationReport
} from './config-document'
import {
  jobIdSchema,
  jobListSchema,
  syncCreateSchema,
  syncIdSchema,
  syncRunSchema,
  syncUpdateSchema,
  syncValidateSchema,
  type Job,
  type JobList,
  type SyncConfig,
  type SyncPlan,
  type SyncPreview,
  type SyncValidation,
  schedulePreviewSchema,
  type SchedulePreview
} from './syncs'

/**
 * The contract between the core and every edge (Electron IPC, HTTP, CLI, renderer).
 * A method is a dotted name with a zod input schema and a typed output; an event is a name with a
 * payload type. Transports move `(method, input)` in and an Envelope out and never add meaning.
 */

export type Envelope<T> = { ok: true; data: T } | { ok: false; error: ErrorBody }

// ---------- shared shapes ----------

export interface SystemStatus {
  version: string
  startedAt: string
  uptimeMs: number
  mode: 'desktop' | 'headless'
  store: { ok: boolean; path: string; schemaVersion: number; error?: string }
  sync: { ok: boolean; enabled: boolean; state: 'starting' | 'running' | 'stopping' | 'stopped' }
  counters: {
    connections: number
    connectedConnections: number
    syncs: number
    jobs: { total: number; queued: number; running: number; succeeded: number; failed: number }
    /** Rows the jobs in the history changed, by kind (incremental and diff runs; a full copy's rows count as inserted). */
    rows: { inserted: number; updated: number; deleted: number; repaired: number }
  }
  /** Rows and bytes written by jobs: now (last 10 s) and per minute over the last hour. */
  throughput: {
    rowsPerSecond: number
    bytesPerSecond: number
    rowsWrittenTotal: number
    bytesWrittenTotal: number
    lastHour: { t: string; rows: number; bytes: number }[]
  }
  /** The latest failed jobs, newest first. */
  recentFailures: { jobId: string; syncId: string | null; syncName?: string; finishedAt: string | null; error?: ErrorBody }[]
  /** How saved secrets are sealed here; `warning` when they cannot be kept safely (Linux without a keyring). */
  secrets: { kind: string; warning?: string }
}

export interface SettingEntry {
  key: ConfigKey
  /** Effective value (durations in ms). Secret keys are reported as null. */
  value: string | number | boolean | null
  /** Value saved from the UI, if any. */
  saved: string | number | boolean | null
  source: ConfigSource
  /** A flag or environment variable wins over what the UI saved or would save. */
  overridden: boolean
  /** Name of the flag or variable that wins, for the UI to say so. */
  overriddenBy?: string
  editable: boolean
  restartRequired: boolean
}

export interface SettingsView {
  settings: SettingEntry[]
  /** Keys saved since start whose change takes effect only after a restart. */
  pendingRestart: ConfigKey[]
}

export type { JobStatus, TableStatus } from './contract-states'
import type { JobStatus, TableStatus } from './contract-states'

// ---------- input schemas ----------

const empty = z.object({}).strict().optional().default({})

/** A partial config update from the Settings page: only editable keys, typed, durations in ms. */
const settingsUpdate = z
  .object({
    values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
  })
  .strict()
  .superRefine((input, ctx) => {
    for (const key of Object.keys(input.values)) {
      if (!(CONFIG_KEY_NAMES as string[]).includes(key)) {
        ctx.addIssue({ code: 'custom', path: ['values', key], message: `unknown setting "${key}"` })
      } else if (!('editable' in CONFIG_KEYS[key as ConfigKey])) {
        ctx.addIssue({ code: 'custom', path: ['values', key], message: `"${key}" cannot be changed from the UI` })
      }
    }
  })

export const methods = {
  'system.status': { input: empty, output: {} as SystemStatus },
  'settings.get': { input: empty, output: {} as SettingsView },
  /** `null` removes the saved value so the next layer down applies again. */
  'settings.update': { input: settingsUpdate, output: {} as SettingsView },
  // Saved MySQL connections (src/shared/connections.ts has the shapes). Secrets go in, never out.
  'connections.list': { input: empty, output: [] as ConnectionInfo[] },
  'connections.get': { input: connectionIdSchema, output: {} as ConnectionInfo },
  /** Unique name (CONFLICT). */
  'connections.create': { input: connectionCreateSchema, output: {} as ConnectionInfo },
  /** Omitted fields keep their value; an omitted secret keeps the stored one, a string replaces it. */
  'connections.update': { input: connectionUpdateSchema, output: {} as ConnectionInfo },
  /** IN_USE while a sync config uses it, unless `cascade: true` deletes those sync configs too. */
  'connections.delete': { input: connectionDeleteSchema, output: {} as ConnectionDeleteResult },
  /** A report: `ok:true` envelope whose data has its own `ok` and, on failure, `error:{code,message}`. */
  'connections.test': { input: connectionTestSchema, output: {} as ConnectionTestReport },
  /** System schemas (information_schema, performance_schema, mysql, sys) hidden unless includeSystem. */
  'connections.databases': { input: databasesSchema, output: [] as DatabaseInfo[] },
  'connections.tables': { input: tablesSchema, output: [] as TableInfo[] },
  'connections.columns': { input: columnsSchema, output: [] as ColumnInfo[] },
  /** Columns an incremental sync could read the table by, best first, each with why and what to know. */
  'connections.cursors': { input: columnsSchema, output: [] as CursorCandidate[] },
  // Sync configs (src/shared/syncs.ts has the shapes).
  'syncs.list': { input: empty, output: [] as SyncConfig[] },
  'syncs.get': { input: syncIdSchema, output: {} as SyncConfig },
  /** Unique name (CONFLICT); READ_ONLY_TARGET for a read-only target connection; filters checked. */
  'syncs.create': { input: syncCreateSchema, output: {} as SyncConfig },
  /** Omitted fields keep their value. */
  'syncs.update': { input: syncUpdateSchema, output: {} as SyncConfig },
  /** IN_USE while a job of it is active. */
  'syncs.delete': { input: syncIdSchema, output: {} as { id: string } },
  /** A report (its own ok): tables found, SAME_TABLE, READ_ONLY_TARGET, connection problems. */
  'syncs.validate': { input: syncValidateSchema, output: {} as SyncValidation },
  /** Tables, estimated rows, DDL and the existing tables a run would replace; changes nothing. */
  'syncs.plan': { input: syncIdSchema, output: {} as SyncPlan },
  /** Queues a run and answers at once; JOB_ALREADY_ACTIVE while one is queued or running. */
  /** What a run would insert, update and delete per table (exact for diff), with sample rows; changes nothing. */
  'syncs.preview': { input: syncIdSchema, output: {} as SyncPreview },
  'syncs.run': { input: syncRunSchema, output: {} as { jobId: string } },
  // The whole setup as one document (src/shared/config-document.ts; docs/config-document.md).
  /** Connections and syncs as a YAML or JSON document; secrets as references, left out, or sealed. Never in clear. */
  'mappings.export': { input: mappingsExportSchema, output: {} as MappingsExport },
  /**
   * Creates what the document names; names the store has follow the conflict policies (default skip).
   * A report; all or nothing: with problems (each with its line and field) nothing is written.
   * `dryRun` answers the same report and changes nothing.
   */
  'mappings.import': { input: mappingsImportSchema, output: {} as ImportReport },
  /** Makes the store match the document (create, update; with prune, delete what it does not name). */
  'mappings.apply': { input: mappingsApplySchema, output: {} as ImportReport },
  /** Every sync's mappings against the live schemas, in one pass (a report). */
  'mappings.validate': { input: mappingsValidateSchema, output: {} as MappingValidationReport },
  /** Readable description and the next run times of a schedule, or why it is invalid (a report). */
  'schedules.preview': { input: schedulePreviewSchema, output: {} as SchedulePreview },
  // Jobs
  'jobs.list': { input: jobListSchema, output: {} as JobList },
  'jobs.get': { input: jobIdSchema, output: {} as Job },
  'jobs.cancel': { input: jobIdSchema, output: {} as Job },
  /** A new job (new id) from a finished job's config as it was; answers at once. */
  'jobs.retry': { input: jobIdSchema, output: {} as { jobId: string } },
  'jobs.resume': { input: jobIdSchema, output: {} as Job },
  'jobs.logs': {
    input: z.object({ id: z.string().min(1), afterId: z.number().int().min(0).optional(), limit: z.number().int().min(1).max(5000).optional() }).strict(),
    output: [] as { id: number; ts: string; level: string; table: string | null; message: string }[]
  }
} as const

export type Method = keyof typeof methods
export type MethodInput<M extends Method> = z.input<(typeof methods)[M]['input']>
export type ParsedInput<M extends Method> = z.output<(typeof methods)[M]['input']>
export type MethodOutput<M extends Method> = (typeof methods)[M]['output']

export function isMethod(name: string): name is Method {
  return Object.prototype.hasOwnProperty.call(methods, name)
}

// ---------- events ----------

export interface JobStatusEvent {
  jobId: string
  syncId: string | null
  status: JobStatus
  error?: ErrorBody
}

export interface JobProgressEvent {
  jobId: string
  table: string
  status: TableStatus
  rowsEstimated: number
  rowsRead: number
  rowsWritten: number
  bytes: number
  rowsPerSecond: number
}

export interface JobLogEvent {
  jobId: string
  ts: string
  level: 'error' | 'warn' | 'info' | 'debug'
  table?: string
  message: string
}

/** Emitted only when a connection's health changes (see ConnectionHealth in connections.ts). */
export interface ConnectionStatusEvent {
  connectionId: string
  status: 'connected' | 'degraded' | 'down'
  latencyMs?: number
  error?: ErrorBody
  /** While degraded or down: when the next retry runs (backs off with jitter). */
  retryInMs?: number
}

export interface EventMap {
  'job.status': JobStatusEvent
  'job.progress': JobProgressEvent
  'job.log': JobLogEvent
  'connection.status': ConnectionStatusEvent
}

export type EventName = keyof EventMap
export const EVENT_NAMES: EventName[] = ['job.status', 'job.progress', 'job.log', 'connection.status']

/** Re-exported so edges can import the whole contract from one module. */
export type { Config, ConfigKey, ConfigSource, ErrorBody }
export * from './connections'
export * from './syncs'
export * from './config-document'
