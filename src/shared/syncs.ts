import { z } from 'zod'
import type { ErrorBody } from './errors'
import { NAME_CHARACTERS_MESSAGE, unshowableCharacter } from './names'
import type { JobStatus, TableStatus } from './contract-states'

/**
 * Saved sync configurations (`syncs.*`) and the jobs they run (`jobs.*`): input schemas and the
 * shapes they answer.
 */

const ident = z.string().min(1).max(64).refine((s) => !s.includes('\0'), 'must not contain NUL')
const glob = z.string().min(1).max(128)

export const ON_EXISTS = ['replace', 'truncate', 'append', 'fail'] as const
/**
 * How rows are written: `auto` picks the fastest the target offers (array binding on MariaDB, else
 * LOAD DATA where local_infile allows, else multi-row INSERT); the others insist on one.
 */
export const WRITE_PATHS = ['auto', 'bulk', 'load-data', 'insert'] as const
export type WritePathOption = (typeof WRITE_PATHS)[number]
/**
 * How a table is kept current: `full` copies it whole each run; `incremental` reads only rows whose
 * cursor (one column, or several compared as a tuple) is at or past the last run's watermark and
 * upserts them (deletes are not seen); `diff` compares both sides by chunk checksums and carries
 * inserts, updates and deletes.
 */
export const TABLE_MODES = ['full', 'incremental', 'diff'] as const
export const VERIFY_SCOPES = ['table', 'changed'] as const
export type VerifyScope = (typeof VERIFY_SCOPES)[number]
export type TableMode = (typeof TABLE_MODES)[number]
/**
 * When replaced tables are switched in: `together` (the default) in one RENAME of every table once
 * all are loaded and verified, so a failure leaves every target table as it was and readers see all
 * of them change at one moment; `each` as each table is ready (tables publish as they finish).
 */
export const SWAP_MODES = ['together', 'each'] as const
export type SwapMode = (typeof SWAP_MODES)[number]

export const tableMappingSchema = z
  .object({
    source: ident,
    target: ident.optional(),
    where: z.string().max(10_000).optional(),
    excludeColumns: z.array(ident).max(4096).optional(),
    mode: z.enum(TABLE_MODES).optional(),
    /** Incremental only: the cursor column(s), compared as a tuple in this order. */
    cursor: z.array(ident).min(1).max(8).optional()
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.cursor && t.mode !== 'incremental') ctx.addIssue({ code: 'custom', path: ['cursor'], message: 'a cursor is only used by mode incremental' })
    if (t.mode === 'incremental' && !t.cursor) ctx.addIssue({ code: 'custom', path: ['cursor'], message: 'mode incremental needs a cursor column' })
    if (t.cursor && new Set(t.cursor).size !== t.cursor.length) ctx.addIssue({ code: 'custom', path: ['cursor'], message: 'a cursor column is named twice' })
  })

export const syncOptionsSchema = z
  .object({
    chunkRows: z.number().int().min(1).max(10_000_000).optional(),
    parallelism: z.number().int().min(1).max(32).optional(),
    onExists: z.enum(ON_EXISTS).optional(),
    createMissing: z.boolean().optional(),
    recreateOnMismatch: z.boolean().optional(),
    verify: z.boolean().optional(),
    /**
     * What an incremental run verifies: `table` (the default) every row, repairing what the cursor
     * missed; `changed` only the rows at or past the watermark it read (cheap on large tables; an
     * update that left the cursor alone is then not found).
     */
    verifyScope: z.enum(VERIFY_SCOPES).optional(),
    /**
     * Diff: the most target rows a run may delete, as a count (`5000`) or a share of the target table
     * (`"10%"`, the default); a run that would delete more stops before changing anything (DELETE_GUARD).
     */
    maxDeletes: z.union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.string().regex(/^\d{1,3}(\.\d{1,2})?%$/, 'a count, or a percentage such as "10%"')]).optional(),
    /** Diff: no delete guard (a saved sync that may empty tables; one run can allow it through syncs.run). */
    allowDeletes: z.boolean().optional(),
    writePath: z.enum(WRITE_PATHS).optional(),
    swap: z.enum(SWAP_MODES).optional(),
    objects: z.object({ views: z.boolean().optional(), triggers: z.boolean().optional(), routines: z.boolean().optional() }).strict().optional()
  })
  .strict()

/** A sync's name: trimmed, 1 to 100 characters, no control or text-direction characters. */
export const syncNameSchema = z
  .string()
  .trim()
  .min(1, 'name must not be empty')
  .max(100)
  .refine((n) => unshowableCharacter(n) === null, { message: `name ${NAME_CHARACTERS_MESSAGE}` })

const syncFields = {
  name: syncNameSchema,
  sourceConnectionId: z.string().min(1),
  targetConnectionId: z.string().min(1),
  sourceDatabase: ident,
  targetDatabase: ident,
  /** Explicit tables; with allTables, per-table overrides (target name, filter, columns). */
  tables: z.array(tableMappingSchema).max(10_000).optional(),
  /** Every table of the source database, filtered by globs, so tables created later are picked up. */
  allTables: z.object({ include: z.array(glob).max(100).optional(), exclude: z.array(glob).max(100).optional() }).strict().optional(),
  options: syncOptionsSchema.optional(),
  /** Cron or interval; null removes it. */
  schedule: z.lazy(() => scheduleSchema).optional()
}

function oneSelection(v: { tables?: unknown[]; allTables?: unknown }, ctx: z.RefinementCtx): void {
  if (!v.allTables && (!v.tables || v.tables.length === 0)) {
    ctx.addIssue({ code: 'custom', path: ['tables'], message: 'choose tables, or allTables' })
  }
}

export const syncCreateSchema = z.object(syncFields).strict().superRefine(oneSelection)
/** Omitted fields keep their value; `allTables: null` switches back to the explicit table list. */
export const syncUpdateSchema = z
  .object({
    id: z.string().min(1),
    name: syncFields.name.optional(),
    sourceConnectionId: syncFields.sourceConnectionId.optional(),
    targetConnectionId: syncFields.targetConnectionId.optional(),
    sourceDatabase: syncFields.sourceDatabase.optional(),
    targetDatabase: syncFields.targetDatabase.optional(),
    tables: syncFields.tables,
    allTables: syncFields.allTables.unwrap().nullable().optional(),
    options: syncFields.options,
    schedule: syncFields.schedule
  })
  .strict()
export type SyncUpdate = z.output<typeof syncUpdateSchema>
/** A saved config by id, or unsaved form values (the wizard validates before saving). */
export const syncValidateSchema = z.union([z.object({ id: z.string().min(1) }).strict(), z.object({ draft: syncCreateSchema }).strict()])
export const syncIdSchema = z.object({ id: z.string().min(1) }).strict()
export const previewedCountsSchema = z.object({ inserts: z.number().int().min(0), updates: z.number().int().min(0), deletes: z.number().int().min(0) }).strict()
/**
 * `syncs.run`: `allowDeletes` lifts the delete guard of diff tables for this run only (the UI's
 * confirmation); `previewed` is what the preview showed per source table, so the run can say whether
 * the counts moved before it applied them.
 */
export const syncRunSchema = z
  .object({ id: z.string().min(1), allowDeletes: z.boolean().optional(), previewed: z.record(ident, previewedCountsSchema).optional() })
  .strict()

export type SyncInput = z.output<typeof syncCreateSchema>
export type TableMapping = z.output<typeof tableMappingSchema>
export type SyncOptions = z.output<typeof syncOptionsSchema>

export interface SyncConfig extends Omit<SyncInput, 'schedule'> {
  schedule: ScheduleInfo | null
  /** The latest job of this sync, if any. */
  lastJob: { id: string; status: JobStatus; finishedAt: string | null } | null
  id: string
  createdAt: string
  updatedAt: string
}

export interface SyncProblem {
  code: ErrorBody['code']
  message: string
  table?: string
}

/** `syncs.validate`: a report (its own ok), per the contract rules. */
export interface SyncValidation {
  ok: boolean
  problems: SyncProblem[]
  /** Tables the config resolves to now (all-tables configs pick up new tables). */
  tables: { source: string; target: string }[]
}

export interface SyncPlanTable {
  source: string
  target: string
  mode: TableMode
  /** Incremental: the cursor column(s). */
  cursor?: string[]
  /**
   * Incremental: where the next run reads from (`cursor >= watermark`, one value per cursor column,
   * as the source renders it); null when the next run is a full copy (no watermark yet, or the
   * target table is missing or was replaced).
   */
  watermark?: string[] | null
  /** `upsert`: an incremental table reading past its watermark into the table as it is; `diff`: compared and brought in line. */
  action: 'create' | 'replace' | 'truncate' | 'append' | 'fail' | 'skip' | 'upsert' | 'diff'
  targetExists: boolean
  rowsEstimated: number
  keyless: boolean
  ddl: string
  notes: string[]
}

/** What an earlier run left on the target (leftovers.ts): cleared by the next run when it is dead. */
export interface SyncPlanLeftover {
  tag: string
  /** `dead`: cleared by the next run; `live`: a running run's; `resumable`: an interrupted job's. */
  state: 'live' | 'dead' | 'resumable'
  reason: string
  tables: string[]
  /** Statements of the dead run still running on the servers. */
  queries: number
}

export interface SyncPlan {
  syncId: string
  sourceDatabase: string
  targetDatabase: string
  tables: SyncPlanTable[]
  /** Existing target tables a run will replace (the UI asks for confirmation listing them). */
  replaces: string[]
  /** When replaced tables are switched in. */
  swap: SwapMode
  /** What the run's checks before its first write would stop at; a run starts only when empty. */
  problems: SyncProblem[]
  /** Checks that could not be made, target warnings: worth knowing, not stopping. */
  notes: string[]
  leftovers: SyncPlanLeftover[]
}

/** A sample row of a preview: its key, and the row (inserts, deletes) or the columns that change (updates). */
export interface PreviewRow {
  key: Record<string, string>
  /** Every synced column as text (binary as hex), for inserts (the source's) and deletes (the target's). */
  values?: Record<string, string | null>
  /** Updates: the columns whose values differ, target value first. */
  changes?: { column: string; old: string | null; new: string | null }[]
}

export interface SyncPreviewTable {
  source: string
  target: string
  mode: TableMode
  /** The counts are what a run would do now (diff; incremental past its watermark); false: an estimate (a whole copy). */
  exact: boolean
  inserts: number
  updates: number
  deletes: number
  /** Up to 20 rows of each kind. */
  samples: { inserts: PreviewRow[]; updates: PreviewRow[]; deletes: PreviewRow[] }
  notes: string[]
}

/** `syncs.preview`: what a run would change, table by table, changing nothing. */
export interface SyncPreview {
  syncId: string
  takenAt: string
  tables: SyncPreviewTable[]
}

// ---------- jobs ----------

export interface JobTable {
  source: string
  target: string
  mode: TableMode
  status: TableStatus
  rowsEstimated: number
  rowsRead: number
  rowsWritten: number
  inserted: number
  updated: number
  deleted: number
  /** Rows verification found different from the source and put right (incremental: updates that missed the cursor, late rows). */
  repaired?: number
  /** Incremental: the watermark the run read from (null: it was a full copy) and the one it recorded. */
  watermark?: { before: string[] | null; after: string[] | null }
  bytes: number
  keyless: boolean
  verified: boolean | null
  firstDifference?: unknown
  error?: ErrorBody
  notes?: string[]
  durationMs?: number
  /** Chunks of this table committed so far (the checkpoint a resume or retry continues from). */
  chunksDone?: number
}

export interface Job {
  id: string
  syncId: string | null
  syncName?: string
  /** The job this one retries (jobs.retry). */
  retryOf?: string
  status: JobStatus
  trigger: string
  /**
   * How many times the engine has started this job's run: 1, plus one for every retry after a
   * transient error and every resume after an interruption (each continues from the checkpoints).
   */
  attempts: number
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
  error?: ErrorBody
  consistency?: string | null
  writePath?: string | null
  /** The sync config as it was when the job was queued (in `jobs.get`, not in lists). */
  config?: SyncConfig
  tables: JobTable[]
}

export const jobIdSchema = z.object({ id: z.string().min(1) }).strict()
export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const
/** An instant with its zone (`Z` or `+02:00`): a date alone or a local time would depend on the server's zone. */
const jobListInstant = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 date-time with a time zone, such as 2026-01-31T00:00:00Z or 2026-01-31T00:00:00+01:00'
})
/**
 * `jobs.list`: filters and a page, newest first. `from` (inclusive) and `to` (exclusive) bound the
 * job's createdAt.
 */
export const jobListSchema = z
  .object({
    status: z.enum(JOB_STATUSES).optional(),
    syncId: z.string().optional(),
    from: jobListInstant.optional(),
    to: jobListInstant.optional(),
    limit: z.number().int().min(1).max(500).optional(),
    offset: z.number().int().min(0).optional()
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.from !== undefined && v.to !== undefined && Date.parse(v.from) > Date.parse(v.to)) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: `must not be after to (${v.from} is after ${v.to})` })
    }
  })
  .optional()
  .default({})

export interface JobList {
  jobs: Job[]
  total: number
}

// ---------- schedules ----------

/** A sync's schedule: a cron expression (machine's local time unless a zone is named) or an interval. */
export const scheduleSchema = z
  .discriminatedUnion('kind', [
    z
      .object({
        kind: z.literal('cron'),
        cron: z.string().trim().min(1).max(200),
        /** IANA zone such as Europe/Berlin; default: the machine's local time. */
        timezone: z.string().max(64).optional(),
        catchUp: z.boolean().optional(),
        enabled: z.boolean().optional()
      })
      .strict(),
    z
      .object({
        kind: z.literal('interval'),
        /** A duration such as 15m or 6h. */
        every: z.string().trim().min(1).max(32),
        catchUp: z.boolean().optional(),
        enabled: z.boolean().optional()
      })
      .strict()
  ])
  .nullable()

export type ScheduleInput = NonNullable<z.output<typeof scheduleSchema>>

export interface ScheduleInfo extends Record<string, unknown> {
  kind: 'cron' | 'interval'
  cron?: string
  every?: string
  timezone?: string
  catchUp: boolean
  enabled: boolean
  /** Readable form, e.g. "At 02:00 AM" or "Every 6 hours". */
  description: string
  nextRunAt: string | null
  lastRunAt: string | null
}

export const schedulePreviewSchema = z.object({ schedule: scheduleSchema.unwrap(), count: z.number().int().min(1).max(20).optional() }).strict()

/** A preview is a report: ok with the next run times, or the reason the schedule is invalid. */
export interface SchedulePreview {
  ok: boolean
  description?: string
  nextRuns: string[]
  error?: ErrorBody
}
