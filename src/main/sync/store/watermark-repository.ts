import type { Db } from './database'
import type { WatermarkRef, WatermarkStore } from '../engine/types'

/**
 * Where an incremental run of a table reads from next time (issue 13): the largest cursor value it
 * read under its snapshot, kept per reader and table pair. A run saves it only after its target
 * commit, so a crash before keeps the old one (re-reading is harmless: writes are upserts).
 */

export interface WatermarkKey {
  /** `sync:<id>` for a saved sync, `cli` for one-shot runs. */
  scope: string
  /** The saved sync, whose deletion removes its watermarks; null for one-shot runs. */
  syncId: string | null
  /** Server identities (engine serverIdentity), so two servers' tables of one name stay apart. */
  sourceServer: string
  sourceDatabase: string
  sourceTable: string
  targetServer: string
  targetDatabase: string
  targetTable: string
}

export interface Watermark {
  cursorColumns: string[]
  /** The cursor value as the source server renders it, one text per cursor column. */
  value: string[]
  jobId: string | null
  updatedAt: number
}

const KEY_WHERE =
  'scope = @scope AND source_server = @sourceServer AND source_database = @sourceDatabase AND source_table = @sourceTable AND target_server = @targetServer AND target_database = @targetDatabase AND target_table = @targetTable'

export function syncScope(syncId: string): string {
  return `sync:${syncId}`
}

export class WatermarkRepository {
  constructor(private readonly db: Db) {}

  get(key: WatermarkKey): Watermark | null {
    const row = this.db.prepare(`SELECT cursor_columns AS c, value AS v, job_id AS j, updated_at AS u FROM watermarks WHERE ${KEY_WHERE}`).get(params(key)) as
      | { c: string; v: string; j: string | null; u: number }
      | undefined
    if (!row) return null
    return { cursorColumns: JSON.parse(row.c) as string[], value: JSON.parse(row.v) as string[], jobId: row.j, updatedAt: row.u }
  }

  /**
   * Stores the watermark a run reached. A watermark for other cursor columns is replaced: it says
   * nothing about the new cursor (the caller starts such a table over with a full copy first).
   */
  save(key: WatermarkKey, w: { cursorColumns: string[]; value: string[]; jobId: string | null }, now = Date.now()): void {
    // A held-back tuple keeps its leading column only (modes/incremental.ts holdBack).
    if (w.cursorColumns.length === 0 || w.value.length === 0 || w.value.length > w.cursorColumns.length) {
      throw new Error(`a watermark needs a value for its leading cursor column(s) (${w.cursorColumns.length} columns, ${w.value.length} values)`)
    }
    this.db
      .prepare(
        `INSERT INTO watermarks (scope, sync_id, source_server, source_database, source_table, target_server, target_database, target_table, cursor_columns, value, job_id, updated_at)
         VALUES (@scope, @syncId, @sourceServer, @sourceDatabase, @sourceTable, @targetServer, @targetDatabase, @targetTable, @cursorColumns, @value, @jobId, @now)
         ON CONFLICT (scope, source_server, source_database, source_table, target_server, target_database, target_table)
         DO UPDATE SET sync_id = excluded.sync_id, cursor_columns = excluded.cursor_columns, value = excluded.value, job_id = excluded.job_id, updated_at = excluded.updated_at`
      )
      .run({ ...params(key), cursorColumns: JSON.stringify(w.cursorColumns), value: JSON.stringify(w.value), jobId: w.jobId, now })
  }

  /** Forgets one table's watermark (`--reset-watermark`, a mapping whose cursor changed). */
  reset(key: WatermarkKey): boolean {
    return this.db.prepare(`DELETE FROM watermarks WHERE ${KEY_WHERE}`).run(params(key)).changes > 0
  }

  /** The engine's view of the watermarks of one scope (a saved sync, or the CLI's one-shot runs). */
  store(scope: string, syncId: string | null, jobId: string | null = null): WatermarkStore {
    const key = (r: WatermarkRef): WatermarkKey => ({
      scope,
      syncId,
      sourceServer: r.sourceServer,
      sourceDatabase: r.sourceDatabase,
      sourceTable: r.source,
      targetServer: r.targetServer,
      targetDatabase: r.targetDatabase,
      targetTable: r.target
    })
    return {
      load: (r) => {
        const w = this.get(key(r))
        return w ? { cursorColumns: w.cursorColumns, value: w.value } : null
      },
      save: (r, w) => this.save(key(r), { ...w, jobId }),
      reset: (r) => void this.reset(key(r))
    }
  }

  /** Every watermark of a saved sync (its plan shows where each table reads from). */
  forSync(syncId: string): (WatermarkKey & Watermark)[] {
    const rows = this.db.prepare('SELECT * FROM watermarks WHERE sync_id = ? ORDER BY source_table, target_table').all(syncId) as Record<string, unknown>[]
    return rows.map((r) => ({
      scope: String(r.scope),
      syncId: r.sync_id === null ? null : String(r.sync_id),
      sourceServer: String(r.source_server),
      sourceDatabase: String(r.source_database),
      sourceTable: String(r.source_table),
      targetServer: String(r.target_server),
      targetDatabase: String(r.target_database),
      targetTable: String(r.target_table),
      cursorColumns: JSON.parse(String(r.cursor_columns)) as string[],
      value: JSON.parse(String(r.value)) as string[],
      jobId: r.job_id === null ? null : String(r.job_id),
      updatedAt: Number(r.updated_at)
    }))
  }
}

function params(k: WatermarkKey): Record<string, unknown> {
  return {
    scope: k.scope,
    syncId: k.syncId,
    sourceServer: k.sourceServer,
    sourceDatabase: k.sourceDatabase,
    sourceTable: k.sourceTable,
    targetServer: k.targetServer,
    targetDatabase: k.targetDatabase,
    targetTable: k.targetTable
  }
}
