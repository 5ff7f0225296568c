import type { JobTable } from '../../../shared/syncs'
import type { FirstDifference } from './verify'

export type OnExists = 'replace' | 'truncate' | 'append' | 'fail'

/** One table of a run, resolved (names final, filter checked). */
export interface TableTask {
  source: string
  target: string
  where?: string
  excludeColumns: string[]
  mode: 'full'
}

export interface RunOptions {
  chunkRows: number
  parallelism: number
  onExists: OnExists
  createMissing: boolean
  recreateOnMismatch: boolean
  verify: boolean
  objects: { views: boolean; triggers: boolean; routines: boolean }
  /** Force the INSERT path even where LOAD DATA would work (tests, benchmarks). */
  forceInsert?: boolean
}

export const DEFAULT_RUN_OPTIONS: RunOptions = {
  chunkRows: 50_000,
  parallelism: 2,
  onExists: 'replace',
  createMissing: true,
  recreateOnMismatch: false,
  verify: true,
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
}

export type LogLevel = 'error' | 'warn' | 'info' | 'debug'

export interface RunHooks {
  signal?: AbortSignal
  log?(level: LogLevel, message: string, table?: string): void
  /** Called often; the caller throttles what it forwards. */
  progress?(table: TableResult): void
  /** Once, when the source's consistency and the target's write path are settled (before any table). */
  prepared?(info: { consistency: 'global' | 'per-table'; writePath: 'load-data' | 'insert' }): void
}

/** A table's result before any work: every counter at zero, status pending. */
export function pendingResult(task: Pick<TableTask, 'source' | 'target'>): TableResult {
  return {
    source: task.source,
    target: task.target,
    mode: 'full',
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
