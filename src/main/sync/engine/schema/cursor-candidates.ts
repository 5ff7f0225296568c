import type { Connection, Pool, RowDataPacket } from 'mysql2/promise'
import type { CursorCandidate } from '../../../../shared/connections'

/**
 * Which column an incremental sync should read a table by (its cursor), and why: the wizard offers
 * the best, `syncs.plan` names it (issue 13). An incremental run reads `cursor >= watermark`, so a
 * good cursor changes whenever a row changes, is indexed (each run is a range read, not a table
 * scan) and is never NULL (a NULL is never >= anything, so such rows are never read).
 *
 * Ranked, best first:
 *  1. TIMESTAMP/DATETIME with ON UPDATE CURRENT_TIMESTAMP: the server itself moves it on every update;
 *  2. TIMESTAMP/DATETIME named like updated_at / modified / last_update / mtime: the application is
 *     meant to move it (an update that forgets to is found and repaired by the run's verification);
 *  3. the AUTO_INCREMENT primary key, for append-only tables: new rows only, updates are not seen;
 *  4. TIMESTAMP/DATETIME named like created_at: new rows only, as for an id.
 * Within a rank, indexed before not indexed, NOT NULL before nullable.
 */

export interface ColumnFacts {
  name: string
  /** information_schema DATA_TYPE, lower case. */
  dataType: string
  /** information_schema EXTRA, e.g. `on update current_timestamp()` or `auto_increment`. */
  extra: string
  nullable: boolean
  /** The column leads some index, so `cursor >= ?` is a range read. */
  indexed: boolean
}

export type { CursorCandidate }

const TIME = new Set(['timestamp', 'datetime'])
const UPDATED = /(^|_)(updated|modified|changed|last_?(update|change|modified)|mtime|touched)(_?(at|on|time|ts|date))?$/i
const CREATED = /(^|_)(created|inserted|added)(_?(at|on|time|ts|date))?$/i

export function rankCursorCandidates(columns: ColumnFacts[], primaryKey: string[]): CursorCandidate[] {
  const out: CursorCandidate[] = []
  for (const c of columns) {
    const type = c.dataType.toLowerCase()
    const extra = c.extra.toLowerCase()
    let rank = 0
    let sees: CursorCandidate['sees'] = 'changes'
    let reason = ''
    if (TIME.has(type) && /on update current_timestamp/.test(extra)) {
      rank = 1
      reason = `${c.name} is set by the server on every update (ON UPDATE CURRENT_TIMESTAMP)`
    } else if (TIME.has(type) && UPDATED.test(c.name)) {
      rank = 2
      reason = `${c.name} is named as the time a row last changed; the application must set it on every update (the run's verification repairs rows it missed)`
    } else if (primaryKey.length === 1 && primaryKey[0] === c.name && /auto_increment/.test(extra)) {
      rank = 3
      sees = 'grows'
      reason = `${c.name} is the AUTO_INCREMENT key: for tables that only grow`
    } else if (TIME.has(type) && CREATED.test(c.name)) {
      rank = 4
      sees = 'grows'
      reason = `${c.name} is named as the time a row was created: for tables that only grow`
    } else {
      continue
    }
    const caveats: string[] = []
    if (sees === 'grows') caveats.push("updates to existing rows are not read (the run's verification repairs them); deletes are never carried by incremental runs")
    if (!c.indexed) caveats.push(`${c.name} leads no index: every run reads the whole table to find the changed rows (add an index on ${c.name})`)
    if (c.nullable) caveats.push(`${c.name} may be NULL: rows where it is NULL are never read by the cursor (make it NOT NULL; verification repairs them)`)
    out.push({ columns: [c.name], sees, rank, reason, caveats })
  }
  const score = (x: CursorCandidate, c: ColumnFacts): number => x.rank * 4 + (c.indexed ? 0 : 2) + (c.nullable ? 1 : 0)
  const facts = new Map(columns.map((c) => [c.name, c]))
  return out.sort((a, b) => score(a, facts.get(a.columns[0]!)!) - score(b, facts.get(b.columns[0]!)!) || a.columns[0]!.localeCompare(b.columns[0]!))
}

/** The table's cursor candidates, best first, read from information_schema on the source. */
export async function cursorCandidates(conn: Connection | Pool, db: string, table: string): Promise<CursorCandidate[]> {
  const [cols] = await conn.query<RowDataPacket[]>(
    `SELECT c.COLUMN_NAME AS name, c.DATA_TYPE AS dataType, c.EXTRA AS extra, c.IS_NULLABLE = 'YES' AS nullable, c.COLUMN_KEY = 'PRI' AS pk,
            EXISTS (SELECT 1 FROM information_schema.STATISTICS s
                     WHERE s.TABLE_SCHEMA = c.TABLE_SCHEMA AND s.TABLE_NAME = c.TABLE_NAME AND s.COLUMN_NAME = c.COLUMN_NAME AND s.SEQ_IN_INDEX = 1) AS indexed
       FROM information_schema.COLUMNS c
      WHERE c.TABLE_SCHEMA = ? AND c.TABLE_NAME = ?
      ORDER BY c.ORDINAL_POSITION`,
    [db, table]
  )
  const facts: ColumnFacts[] = cols.map((r) => ({
    name: String(r.name),
    dataType: String(r.dataType),
    extra: String(r.extra ?? ''),
    nullable: Number(r.nullable) === 1,
    indexed: Number(r.indexed) === 1
  }))
  return rankCursorCandidates(
    facts,
    cols.filter((r) => Number(r.pk) === 1).map((r) => String(r.name))
  )
}
