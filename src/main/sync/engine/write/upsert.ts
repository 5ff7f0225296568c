import { createHash } from 'node:crypto'
import type { Connection, ResultSetHeader, RowDataPacket } from 'mysql2/promise'
import { AppError } from '../../../../shared/errors'
import { quoteIdent, quoteQualified } from '../../mysql/identifiers'
import type { KeyInfo } from '../schema/table-info'
import { wireConnection } from '../session/wire'
import { transferRows, type TransferCounts, type TransferSpec } from './transfer'
import { binarySessionSql } from './writers'

/**
 * Upserts into a live target table. The rows of a chunk are loaded through the run's fast write
 * path (array binding, LOAD DATA or multi-row INSERT) into a TEMPORARY staging table of the writer
 * session, then put in place by one `INSERT ... SELECT ... ON DUPLICATE KEY UPDATE`: one atomic
 * statement per chunk, every write path alike, and exact counts of what it inserted, changed and
 * found unchanged. Never REPLACE: it deletes the old row first, which fires ON DELETE cascades and
 * triggers on the target and changes nothing a reader would want changed.
 */

export interface UpsertCounts extends TransferCounts {
  inserted: number
  updated: number
  /** Rows the target already held exactly so (read again at the watermark, or after a crash). */
  unchanged: number
}

function isDuplicateKey(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code
  return code === 'ER_DUP_ENTRY' || code === 'ER_DUP_KEY' || code === 'ER_DUP_UNIQUE'
}

/** CLIENT_FOUND_ROWS: affected rows count rows found unchanged as 1 (mysql2 sets it by default). */
const FOUND_ROWS = 2

/** A name for the staging table of `target` (temporary tables live per session; one per target table). */
export function stagingName(target: string): string {
  return `_dbt_stage_${createHash('sha1').update(target).digest('hex').slice(0, 16)}`
}

/** What else a chunk's transaction does (diff runs): more row selections to stage, target rows to delete. */
export interface UpsertExtras {
  /**
   * Further source selections staged with spec.where's (key batches of one chunk), each with the
   * keys it selects (so a re-read of its oversized rows clears only its own rows from the stage).
   */
  more?: { where: { sql: string; params: unknown[] }; keys: { sql: string; params: unknown[] } }[]
  /** Target rows (by key) to delete in the same transaction, before the upsert. */
  deletes?: { sql: string; params: unknown[] }[]
}

/**
 * Loads the selected source rows (spec.where, and extras.more) into the staging table, then in one
 * transaction deletes extras.deletes from `spec.loadTable` and upserts the staged rows into it,
 * matched on `key`. Deleting first lets a unique value move from a deleted row to a new one. On a
 * failure nothing of the chunk is in the target.
 */
export async function upsertRows(spec: Omit<TransferSpec, 'clear'>, key: KeyInfo, extras: UpsertExtras = {}): Promise<UpsertCounts & { deleted: number; replaced?: boolean }> {
  const conn = spec.slot.conn
  // The INSERT and bulk paths write over a `binary` session (text in statements is raw bytes).
  const sql = spec.slot.writer.path === 'load-data' ? (s: string): string => s : binarySessionSql
  const target = quoteQualified(spec.targetDb, spec.loadTable)
  const stageName = stagingName(spec.loadTable)
  const stage = quoteQualified(spec.targetDb, stageName)
  const cols = spec.columns.map((c) => quoteIdent(c.name)).join(', ')
  await conn.query(sql(`DROP TEMPORARY TABLE IF EXISTS ${stage}`))
  // Built from the target's own columns, so a value converts exactly as it would into the target;
  // no keys (nothing to check while loading) and none of the target's partitions or versioning.
  await conn.query(sql(`CREATE TEMPORARY TABLE ${stage} AS SELECT ${cols} FROM ${target} LIMIT 0`))
  try {
    const loaded: TransferCounts = { read: 0, written: 0, bytes: 0, warnings: 0 }
    const batches = [{ where: spec.where, keys: null as { sql: string; params: unknown[] } | null }, ...(extras.more ?? [])]
    for (const b of batches) {
      const clear = async (): Promise<void> => {
        // The stage holds this batch's rows and the earlier batches': remove only this batch's.
        if (b.keys) await conn.query(sql(conn.format(`DELETE FROM ${stage} WHERE ${b.keys.sql}`, b.keys.params)))
        else await conn.query(sql(`DELETE FROM ${stage}`))
      }
      const c = await transferRows({ ...spec, where: b.where, loadTable: stageName, clear })
      loaded.read += c.read
      loaded.written += c.written
      loaded.bytes += c.bytes
      loaded.warnings += c.warnings
      loaded.warningSample ??= c.warningSample
    }
    const deletes = extras.deletes ?? []
    if (loaded.written === 0 && deletes.length === 0) return { ...loaded, inserted: 0, updated: 0, unchanged: 0, deleted: 0 }
    const on = key.columns.map((c) => `t.${quoteIdent(c.name)} = s.${quoteIdent(c.name)}`).join(' AND ')
    // Key columns too: under a case-insensitive collation 'A' finds 'a', and the target must end up
    // holding the source's bytes.
    const assign = spec.columns.map((c) => `${quoteIdent(c.name)} = s.${quoteIdent(c.name)}`).join(', ')
    // Write sessions load with unique_checks off (nothing to clash in a fresh table); an upsert must
    // see every unique key, or a secondary one could end up holding a duplicate.
    await conn.query('SET SESSION unique_checks = 1')
    let deleted = 0
    let existing = 0
    let res: ResultSetHeader | null = null
    let replaced = false
    const transaction = async (replace: boolean): Promise<ResultSetHeader | null> => {
      let out: ResultSetHeader | null = null
      deleted = 0
      await conn.query('START TRANSACTION')
      try {
        for (const d of deletes) {
          // Values formatted into the text first: on a `binary` session the whole statement then goes as
          // UTF-8 bytes (a value formatted in later would go as latin1), which the `_utf8mb4` introducers
          // of text keys (keyInPredicate) have the server read as text in the column's character set.
          const [r] = await conn.query<ResultSetHeader>(sql(conn.format(`DELETE FROM ${target} WHERE ${d.sql}`, d.params)))
          deleted += r.affectedRows
        }
        if (loaded.written > 0) {
          const [found] = await conn.query<RowDataPacket[]>(sql(`SELECT COUNT(*) AS n FROM ${stage} AS s JOIN ${target} AS t ON ${on}`))
          existing = Number(String(found[0]?.n))
          if (replace) {
            // Unique values swapped or moved between rows of this chunk: updating one row at a time
            // would clash with the other's old value, so the chunk's rows leave and come back whole.
            const k = key.columns.map((c) => quoteIdent(c.name)).join(', ')
            await conn.query(sql(`DELETE FROM ${target} WHERE (${k}) IN (SELECT ${k} FROM ${stage})`))
            ;[out] = await conn.query<ResultSetHeader>(sql(`INSERT INTO ${target} (${cols}) SELECT ${cols} FROM ${stage}`))
          } else {
            ;[out] = await conn.query<ResultSetHeader>(sql(`INSERT INTO ${target} (${cols}) SELECT ${cols} FROM ${stage} AS s ON DUPLICATE KEY UPDATE ${assign}`))
          }
        }
        await conn.query('COMMIT')
        return out
      } catch (err) {
        await conn.query('ROLLBACK').catch(() => undefined)
        throw err
      }
    }
    try {
      try {
        res = await transaction(false)
      } catch (err) {
        if (!isDuplicateKey(err)) throw err
        replaced = true
        res = await transaction(true).catch((again: unknown) => {
          if (!isDuplicateKey(again)) throw again
          const e = again as { sqlMessage?: string; message?: string }
          throw new AppError(
            'COPY_FAILED',
            `${e.sqlMessage ?? e.message}: a unique value of ${spec.loadTable} moved to a row that is written separately from the row that held it on the target. Run the table once in mode full to bring it in line.`
          )
        })
      }
    } finally {
      await conn.query('SET SESSION unique_checks = 0').catch(() => undefined)
    }
    if (replaced && res) {
      // Every row that existed was deleted and inserted again: counted as updated (whether its values
      // changed is not known here).
      return { ...loaded, inserted: loaded.written - existing, updated: existing, unchanged: 0, deleted, replaced: true }
    }
    const split = res ? classify(conn, loaded.written, existing, res.affectedRows) : { inserted: 0, updated: 0, unchanged: 0 }
    return { ...loaded, ...split, deleted }
  } finally {
    await conn.query(sql(`DROP TEMPORARY TABLE IF EXISTS ${stage}`)).catch(() => undefined)
  }
}

/**
 * Splits an upsert's affected rows into inserted, changed and unchanged. ON DUPLICATE KEY UPDATE
 * counts 1 per inserted row and 2 per changed row, and per unchanged row 1 with CLIENT_FOUND_ROWS
 * (0 without); the rows that existed before were counted by a join just before.
 */
export function classify(conn: Connection | { foundRows: boolean }, rows: number, existing: number, affected: number): Pick<UpsertCounts, 'inserted' | 'updated' | 'unchanged'> {
  const foundRows = 'foundRows' in conn ? conn.foundRows : (Number((wireConnection(conn) as unknown as { config: { clientFlags: number } }).config.clientFlags) & FOUND_ROWS) !== 0
  const inserted = Math.max(0, rows - existing)
  const updated = Math.max(0, Math.min(existing, foundRows ? affected - rows : (affected - inserted) / 2))
  return { inserted, updated, unchanged: existing - updated }
}
