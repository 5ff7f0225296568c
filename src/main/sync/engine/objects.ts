import type { Connection, RowDataPacket } from 'mysql2/promise'
import { quoteIdent, quoteQualified } from '../mysql/identifiers'
import type { RunSpec } from './run'
import type { LogLevel, TableResult } from './types'

/**
 * Views, triggers and routines, created after the data so no trigger fires during the copy.
 * Definitions come from the source's SHOW CREATE; references to the source database are pointed at
 * the target database, and DEFINER clauses are dropped so the objects run as the target's user.
 */

function retarget(sql: string, from: string, to: string): string {
  if (from === to) return sql
  return sql.split(`${quoteIdent(from)}.`).join(`${quoteIdent(to)}.`)
}

function dropDefiner(sql: string): string {
  return sql.replace(/ DEFINER=`(?:[^`]|``)*`@`(?:[^`]|``)*`/, '')
}

export async function copyObjects(
  source: Connection,
  target: Connection,
  spec: RunSpec,
  tables: TableResult[],
  log: (level: LogLevel, message: string, table?: string) => void
): Promise<void> {
  const { views, triggers, routines } = spec.options.objects
  const src = spec.sourceDatabase
  const dst = spec.targetDatabase
  const fix = (sql: string): string => dropDefiner(retarget(sql, src, dst))
  const tableMap = new Map(tables.filter((t) => t.status === 'done').map((t) => [t.source, t.target]))

  if (routines) {
    const [rows] = await source.query<RowDataPacket[]>(
      "SELECT ROUTINE_NAME AS n, ROUTINE_TYPE AS t FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? AND ROUTINE_TYPE IN ('PROCEDURE','FUNCTION')",
      [src]
    )
    for (const r of rows) {
      const kind = String(r.t) === 'FUNCTION' ? 'FUNCTION' : 'PROCEDURE'
      const name = String(r.n)
      const [def] = await source.query<RowDataPacket[]>(`SHOW CREATE ${kind} ${quoteQualified(src, name)}`)
      const body = String(def[0]?.[kind === 'FUNCTION' ? 'Create Function' : 'Create Procedure'] ?? '')
      if (!body) {
        log('warn', `cannot read ${kind.toLowerCase()} ${name} (needs SHOW ROUTINE or ownership); skipped`)
        continue
      }
      await target.query(`DROP ${kind} IF EXISTS ${quoteQualified(dst, name)}`)
      await target.query(`USE ${quoteIdent(dst)}`)
      await target.query(fix(body))
    }
  }
  if (views) {
    const [rows] = await source.query<RowDataPacket[]>('SELECT TABLE_NAME AS n FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?', [src])
    // Views may depend on views: retry the ones that fail until no progress is made.
    let pending = rows.map((r) => String(r.n))
    for (let round = 0; pending.length && round < 10; round++) {
      const failed: string[] = []
      for (const name of pending) {
        const [def] = await source.query<RowDataPacket[]>(`SHOW CREATE VIEW ${quoteQualified(src, name)}`)
        const sql = String(def[0]?.['Create View'] ?? '').replace(/^CREATE /, 'CREATE OR REPLACE ')
        try {
          await target.query(`USE ${quoteIdent(dst)}`)
          await target.query(fix(sql))
        } catch {
          failed.push(name)
        }
      }
      if (failed.length === pending.length) {
        log('warn', `views not created: ${failed.join(', ')}`)
        break
      }
      pending = failed
    }
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
      if (!targetTable) continue
      const [def] = await source.query<RowDataPacket[]>(`SHOW CREATE TRIGGER ${quoteQualified(src, name)}`)
      let sql = fix(String(def[0]?.['SQL Original Statement'] ?? ''))
      if (targetTable !== table) sql = sql.replace(new RegExp(` ON ${escapeRe(quoteIdent(table))} `), ` ON ${quoteIdent(targetTable)} `)
      await target.query(`USE ${quoteIdent(dst)}`)
      await target.query(`DROP TRIGGER IF EXISTS ${quoteQualified(dst, name)}`)
      await target.query(sql)
    }
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
