import { WRITE_PATHS, type JobTable, type SwapMode, type TableMode, type VerifyScope, type WritePathOption } from '../../../shared/syncs'
import type { FirstDifference } from './compare/verify'

export type OnExists = 'replace' | 'truncate' | 'append' | 'fail'

/** One table of a run, resolved (names final, filter checked). */
export interface TableTask {
  source: string
  target: string
  where?: string
  excludeColumns: string[]
  mode: TableMode
  /** Incremental: the cursor column(s), compared as a tuple. */
  cursor?: string[]
}

export interface RunOptions {
  chunkRows: number
  parallelism: number
  onExists: OnExists
  createMissing: boolean
  recreateOnMismatch: boolean
  verify: boolean
  objects: { views: boolean; triggers: boolean; routines: boolean }
  /** How rows are written; `auto` (the default) picks the fastest the target allows (see chooseWritePath). */
  writePath?: WritePathOption
  /** When loaded tables are switched in (see SWAP_MODES); default `together`. */
  swap?: SwapMode
  /**
   * Incremental: how far (seconds) a temporal watermark is held back below the largest cursor value
   * read, beyond the age of the oldest open writing transaction, for clocks that disagree (the
   * application's and the server's). Rows in that window are read again next time (upserts, unchanged).
   */
  lagSeconds?: number
  /** Incremental: verify the whole table (default) or only the rows the run read (see VERIFY_SCOPES). */
  verifyScope?: VerifyScope
  /** Diff: the most rows a table may lose, a count or `"P%"` of the target table (default 10%). */
  maxDeletes?: number | string
  /** Diff: no delete guard. */
  allowDeletes?: boolean
  /** Diff: the counts a preview showed per source table, to say whether they moved before applying. */
  previewed?: Record<string, { inserts: number; updates: number; deletes: number }>
}

/** What identifies a table's watermark within the run's store (the run adds the servers' identities). */
export interface WatermarkRef {
  sourceServer: string
  targetServer: string
  sourceDatabase: string
  targetDatabase: string
  source: string
  target: string
}

export interface StoredWatermark {
  cursorColumns: string[]
  /** One value per leading cursor column (a held-back tuple keeps only its first column). */
  value: string[]
}

/** Where incremental runs keep their watermarks (saved syncs: per sync; one-shot CLI runs: the data dir). */
export interface WatermarkStore {
  load(ref: WatermarkRef): StoredWatermark | null
  save(ref: WatermarkRef, w: StoredWatermark): void
  /** A table copied whole under another mode forgets its watermark. */
  reset(ref: WatermarkRef): void
}

/**
 * How chunks are written to the target: `bulk`, MariaDB's array binding of a prepared INSERT
 * (bulk-writer.ts); `load-data`, LOAD DATA LOCAL INFILE from a stream; `insert`, multi-row INSERT
 * statements (MySQL 8 ships with local_infile off). Options add `auto` (see chooseWritePath).
 */
export type WritePath = Exclude<WritePathOption, 'auto'>
export type { WritePathOption }
export const WRITE_PATH_OPTIONS: readonly WritePathOption[] = WRITE_PATHS

export const DEFAULT_RUN_OPTIONS: RunOptions = {
  chunkRows: 50_000,
  parallelism: 2,
  onExists: 'replace',
  createMissing: true,
  recreateOnMismatch: false,
  verify: true,
  swap: 'together',
  lagSeconds: 60,
  objects: { views: false, triggers: false, routines: false }
}

/** Per-table outcome: the fields of `jobs.get` tables (JobTable), with the engine's own detail. */
export interface TableResult extends Omit<JobTable, 'firstDifference' | 'notes' | 'durationMs'> {
  firstDifference?: FirstDifference
  /** What the run did to an existing target table (replace lists schema changes here). */
  notes: string[]
  chunks: number
  startedAt?: number
  finishedAt?: number
  durationMs?: number
  /** Whether the table's failure is worth another attempt (engine-only; see transient.ts). */
  transient?: boolean
  /** Warnings the target raised while loading this attempt's chunks (engine-only; a note tells the user). */
  targetWarnings?: number
  /** The first of those warnings' text. */
  targetWarningSample?: string[]
}

/** A key tuple as stored in a checkpoint (see keyToJson in chunks.ts). */
export type KeyJson = (string | { hex: string })[] | null

/**
 * What a table's copy has committed so far, stored after every chunk so a later attempt (a retry
 * after a transient error, or a resume after a crash or shutdown) continues from there instead of
 * from the start. Chunk writes are idempotent over key ranges: rows the target holds past the last
 * checkpointed range are removed before the copy goes on.
 */
export interface TableCheckpoint {
  /** Hash of the source table's definition and the task's shape; a checkpoint of another one is not used. */
  definition: string
  /** The table rows are loaded into: a shadow (`replace` of an existing table) or the target itself. */
  loadTable: string
  /** The load table was created by this job: drop it if the job's work is discarded. */
  createdByJob: boolean
  /** The load table is a shadow to swap in for the existing target table at the end. */
  swap: boolean
  /** How the target is written (a schema mismatch under `recreateOnMismatch` turns truncate into replace). */
  mode: OnExists
  /** `copying`: chunks still to go, deferred indexes not built; `loaded`: all rows in, indexes built; `done`: swapped in. */
  stage: 'copying' | 'loaded' | 'done'
  /**
   * Chunks committed in a row from the start of the table (chunks finish out of order; only the
   * contiguous prefix counts). Kept as a count and a watermark, not a list, so saving it after each
   * chunk costs the same for the ten-thousandth chunk as for the first.
   */
  chunks: number
  /** Upper key bound of the last chunk of that prefix; null while none is committed. */
  upTo: KeyJson
  /** The prefix ends with the table's last (open-ended) chunk: every row is in. */
  complete: boolean
  rowsRead: number
  rowsWritten: number
  bytes: number
  notes: string[]
  /** Foreign keys still to add once every table is loaded (stage `done`). */
  foreignKeys?: string[]
}

/** Where a run keeps its tables' checkpoints (the job engine's store; none for one-shot CLI runs). */
export interface CheckpointStore {
  load(source: string): TableCheckpoint | null
  save(source: string, checkpoint: TableCheckpoint | null): void
}

export type LogLevel = 'error' | 'warn' | 'info' | 'debug'

export interface RunHooks {
  signal?: AbortSignal
  log?(level: LogLevel, message: string, table?: string): void
  /** Called often; the caller throttles what it forwards. */
  progress?(table: TableResult): void
  /** Once, when the source's consistency and the target's write path are settled (before any table). */
  prepared?(info: { consistency: 'global' | 'per-table'; writePath: WritePath }): void
  /** Checkpoints per chunk; with it, a failed or stopped table keeps its work when keepWork() says so. */
  checkpoints?: CheckpointStore
  /**
   * Asked when a table fails or the run is stopped: true keeps the shadow table and checkpoint for a
   * later attempt (a transient error with retries left, or a shutdown); false discards them.
   */
  keepWork?(err: unknown): boolean
  /**
   * Whether a job tag found on the target (shadow tables of a run that is not running) belongs to
   * a job of this store that may still resume into them: true keeps them, false lets the run drop
   * them, undefined (not this store's) keeps them and reports them (leftovers.ts).
   */
  resumable?(tag: string): boolean | undefined
  /** Incremental tables' watermarks; without it every incremental table is copied whole each run. */
  watermarks?: WatermarkStore
  /** Called before each statement of the final swap (swap.ts SwapStep); fault tests throw here. */
  swapStep?(step: import('./swap').SwapStep, detail: string): void | Promise<void>
}

/** A table's result before any work: every counter at zero, status pending. */
export function pendingResult(task: Pick<TableTask, 'source' | 'target'> & { mode?: TableTask['mode'] }): TableResult {
  return {
    source: task.source,
    target: task.target,
    mode: task.mode ?? 'full',
    status: 'pending',
    rowsEstimated: 0,
    rowsRead: 0,
    rowsWritten: 0,
    inserted: 0,
    updated: 0,
    deleted: 0,
    bytes: 0,
    keyless: false,
    verified: null,
    notes: [],
    chunks: 0
  }
}
