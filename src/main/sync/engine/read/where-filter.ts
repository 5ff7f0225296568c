import type { Connection, RowDataPacket } from 'mysql2/promise'
import { AppError } from '../../../../shared/errors'
import { checkWhereFilter, filterCalls } from '../../../../shared/row-filter'
import { quoteQualified } from '../../mysql/identifiers'

/**
 * The engine's entry to row filters. The check itself (a real parse whose every node must be on an
 * allowlist, plus a lexical check that reads the text as the server does) lives in
 * src/shared/row-filter.ts so the wizard runs the very same function while the user types. What
 * runs is the text the check returns, only on the source, inside parentheses, read-only.
 */
export { checkWhereFilter }

/**
 * sql_mode flags under which the server would tokenize a filter differently from the check
 * ("x" becoming a name, Oracle's pseudo-columns). Engine sessions pin a mode without them
 * (endpoint.ts); a session that has them is a bug, not a user error.
 */
const LEXING_MODES = ['ANSI_QUOTES', 'ANSI', 'ORACLE', 'MSSQL', 'DB2', 'POSTGRESQL', 'MAXDB']

const text = (v: unknown): string => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v ?? ''))

/**
 * The preflight of one table's filter against the source: its columns are read, the filter is
 * checked with them (an unknown column is refused naming it), then the server itself is asked to
 * plan `SELECT 1 … WHERE (filter)` without running it, so what only the server knows (a function
 * this version lacks, a collation mix, a wrong argument count) is found before anything is written.
 * `conn` is a read-only engine session on the source; `columns` spares reading them when the caller
 * has them already (readTableInfo). Returns the text to run.
 */
export async function checkFilterOnSource(
  conn: Connection,
  database: string,
  table: string,
  filter: string,
  columns?: readonly string[]
): Promise<string> {
  const [modes] = await conn.query<RowDataPacket[]>('SELECT @@SESSION.sql_mode AS mode')
  const mode = text(modes[0]?.mode).split(',')
  const odd = mode.filter((m) => LEXING_MODES.includes(m.toUpperCase()))
  if (odd.length) throw new AppError('INTERNAL', `The source session's sql_mode (${odd.join(', ')}) reads SQL differently from the row filter check.`)

  const names = columns ?? (await columnsOf(conn, database, table))
  if (names.length === 0) throw new AppError('TABLE_NOT_FOUND', `Table ${database}.${table} does not exist.`, { database, table })
  const checked = checkWhereFilter(filter, table, names)
  const calls = filterCalls(checked)
  if (calls.length > 0) {
    // An allowed name the server has no built-in for would call a stored function of that name.
    const [routines] = await conn.query<RowDataPacket[]>(
      "SELECT ROUTINE_SCHEMA AS db, ROUTINE_NAME AS name FROM information_schema.ROUTINES WHERE ROUTINE_TYPE = 'FUNCTION' AND ROUTINE_SCHEMA = DATABASE() AND ROUTINE_NAME IN (?)",
      [calls]
    )
    const clash = routines[0]
    if (clash) {
      const part = `the database ${text(clash.db)} has a stored function ${text(clash.name)}, which the filter would call wherever the server lacks that built-in function`
      throw new AppError('VALIDATION', `The filter of ${table} is refused: ${part}.`, { table, filter, part })
    }
  }

  try {
    await conn.query(`EXPLAIN SELECT 1 FROM ${quoteQualified(database, table)} WHERE (${checked})`)
  } catch (err) {
    const e = err as { code?: unknown; sqlMessage?: unknown; message?: unknown }
    // Only the server's refusal of the statement is the filter's fault; a lost session is not.
    if (typeof e.code !== 'string' || !e.code.startsWith('ER_')) throw err
    const reason = text(e.sqlMessage ?? e.message)
    throw new AppError('VALIDATION', `The filter of ${table} is refused by the source server: ${reason}`, { table, filter, part: reason, serverCode: e.code })
  }
  return checked
}

async function columnsOf(conn: Connection, database: string, table: string): Promise<string[]> {
  const [cols] = await conn.query<RowDataPacket[]>(
    'SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [database, table]
  )
  return cols.map((c) => text(c.name))
}
