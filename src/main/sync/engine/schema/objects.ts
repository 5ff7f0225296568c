import type { Connection, RowDataPacket } from 'mysql2/promise'
import type { ErrorBody } from '../../../../shared/errors'
import { quoteIdent, quoteQualified } from '../../mysql/identifiers'
import type { RunSpec } from '../run'
import type { LogLevel, TableResult } from '../types'

/**
 * Views, triggers and routines, created after the data so no trigger fires during the copy.
 * Definitions come from the source's SHOW CREATE; references to the source database are pointed at
 * the target database, DEFINER clauses are dropped so the objects run as the target's user, and each
 * is created under the sql_mode it was defined with (a routine or trigger keeps the mode of its
 * creation, and its body may only parse under it).
 */

export interface ObjectResult {
  kind: 'view' | 'trigger' | 'procedure' | 'function'
  name: string
  /** The table a trigger is on (target name). */
  table?: string
  status: 'created' | 'failed' | 'skipped'
  error?: ErrorBody
}

const IDENT = '`(?:[^`]|``)+`'

export function retarget(sql: string, from: string, to: string): string {
  if (from === to) return sql
  return sql.split(`${quoteIdent(from)}.`).join(`${quoteIdent(to)}.`)
}

export function dropDefiner(sql: string): string {
  return sql.replace(new RegExp(` DEFINER=(?:${IDENT}|'(?:[^']|'')*'|[^\\s@]+)@(?:${IDENT}|'(?:[^']|'')*'|[^\\s]+)`), '')
}

/**
 * Points a trigger's `ON table` at the target table. The statement is the one the user typed
 * (SHOW CREATE TRIGGER keeps the original text), so the name may be quoted or not, and qualified.
 */
export function retargetTrigger(sql: string, table: string): string {
  const name = `(?:${IDENT}|[^\\s.\`]+)`
  const re = new RegExp(`(\\b(?:BEFORE|AFTER)\\s+(?:INSERT|UPDATE|DELETE)\\s+ON\\s+)(?:${name}\\s*\\.\\s*)?${name}`, 'i')
  return sql.replace(re, (_all, pre: string) => `${pre}${quoteIdent(table)}`)
}

function body(err: unknown): ErrorBody {
  const e = err as { sqlMessage?: string; message?: string; code?: string }
  return { code: 'COPY_FAILED', message: e?.sqlMessage ?? e?.message ?? String(err) }
}

/** Runs `sql` in the target database under the object's own sql_mode, then restores the engine's. */
async function createIn(target: Connection, db: string, sqlMode: string | null, sql: string): Promise<void> {
  await target.query(`USE ${quoteIdent(db)}`)
  const [cur] = await target.query<RowDataPacket[]>('SELECT @@SESSION.sql_mode AS m')
  const previous = String(cur[0]?.m ?? '')
  if (sqlMode !== null) await target.query('SET SESSION sql_mode = ?', [sqlMode])
  try {
    await target.query(sql)
  } finally {
    if (sqlMode !== null) await target.query('SET SESSION sql_mode = ?', [previous])
  }
}

export async function copyObjects(
  source: Connection,
  target: Connection,
  spec: RunSpec,
  tables: TableResult[],
  log: (level: LogLevel, message: string, table?: string) => void
): Promise<ObjectResult[]> {
  const { views, triggers, routines } = spec.options.objects
  const src = spec.sourceDatabase
  const dst = spec.targetDatabase
  const fix = (sql: string): string => dropDefiner(retarget(sql, src, dst))
  const tableMap = new Map(tables.filter((t) => t.status === 'done').map((t) => [t.source, t.target]))
  const out: ObjectResult[] = []
  const record = (r: ObjectResult): void => {
    out.push(r)
    if (r.error) log('warn', `${r.kind} ${r.name} not created: ${r.error.message}`)
  }

  if (routines) {
    const [rows] = await source.query<RowDataPacket[]>(
      "SELECT ROUTINE_NAME AS n, ROUTINE_TYPE AS t FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? AND ROUTINE_TYPE IN ('PROCEDURE','FUNCTION') ORDER BY ROUTINE_TYPE, ROUTINE_NAME",
      [src]
    )
    for (const r of rows) {
      const kind = String(r.t) === 'FUNCTION' ? 'FUNCTION' : 'PROCEDURE'
      const name = String(r.n)
      const result: ObjectResult = { kind: kind === 'FUNCTION' ? 'function' : 'procedure', name, status: 'created' }
      try {
        const [def] = await source.query<RowDataPacket[]>(`SHOW CREATE ${kind} ${quoteQualified(src, name)}`)
        const text = def[0]?.[kind === 'FUNCTION' ? 'Create Function' : 'Create Procedure']
        if (text === null || text === undefined || text === '') {
          throw new Error(`cannot read the ${kind.toLowerCase()}'s definition (needs SHOW ROUTINE, SELECT on mysql.proc, or ownership)`)
        }
        await target.query(`DROP ${kind} IF EXISTS ${quoteQualified(dst, name)}`)
        await createIn(target, dst, String(def[0]?.sql_mode ?? ''), fix(String(text)))
      } catch (err) {
        result.status = 'failed'
        result.error = body(err)
      }
      record(result)
    }
  }
  if (views) {
    const [rows] = await source.query<RowDataPacket[]>('SELECT TABLE_NAME AS n FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME', [src])
    // Views may depend on views: retry the ones that fail until no progress is made.
    let pending = rows.map((r) => String(r.n))
    const lastError = new Map<string, unknown>()
    for (let round = 0; pending.length && round < 10; round++) {
      const failed: string[] = []
      for (const name of pending) {
        try {
          const [def] = await source.query<RowDataPacket[]>(`SHOW CREATE VIEW ${quoteQualified(src, name)}`)
          const sql = String(def[0]?.['Create View'] ?? '').replace(/^CREATE /, 'CREATE OR REPLACE ')
          await createIn(target, dst, null, fix(sql))
          record({ kind: 'view', name, status: 'created' })
        } catch (err) {
          lastError.set(name, err)
          failed.push(name)
        }
      }
      if (failed.length === pending.length) break
      pending = failed
    }
    for (const name of pending) record({ kind: 'view', name, status: 'failed', error: body(lastError.get(name)) })
  }
  if (triggers) {
    const [rows] = await source.query<RowDataPacket[]>(
      'SELECT TRIGGER_NAME AS n, EVENT_OBJECT_TABLE AS t FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY EVENT_OBJECT_TABLE, ACTION_ORDER',
      [src]
    )
    for (const r of rows) {
      const name = String(r.n)
      const table = String(r.t)
      const targetTable = tableMap.get(table)
      if (!targetTable) {
        record({ kind: 'trigger', name, status: 'skipped' })
        continue
      }
      const result: ObjectResult = { kind: 'trigger', name, table: targetTable, status: 'created' }
      try {
        const [def] = await source.query<RowDataPacket[]>(`SHOW CREATE TRIGGER ${quoteQualified(src, name)}`)
        const sql = retargetTrigger(fix(String(def[0]?.['SQL Original Statement'] ?? '')), targetTable)
        await target.query(`DROP TRIGGER IF EXISTS ${quoteQualified(dst, name)}`)
        await createIn(target, dst, String(def[0]?.sql_mode ?? ''), sql)
      } catch (err) {
        result.status = 'failed'
        result.error = body(err)
      }
      record(result)
    }
  }
  return out
}
