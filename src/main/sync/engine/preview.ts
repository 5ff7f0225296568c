import type { Connection, RowDataPacket } from 'mysql2/promise'
import type { PreviewRow, SyncPreviewTable } from '../../../shared/syncs'
import { quoteIdent, quoteQualified } from '../mysql/identifiers'
import { keyTypeCast, keySelectExpr, toKey, type KeyTuple } from './read/chunks'
import { diffKeys, keyInPredicate, type RangeDiff } from './compare/row-diff'
import { compareTable, deleteLimit, diffProblem } from './modes/diff'
import { cursorColumns, cursorPredicate, incrementalProblem } from './modes/incremental'
import { selectColumns, type TableContext } from './modes/full'
import { openSession, type Endpoint } from './session/endpoint'
import { openReaders } from './session/snapshot'
import { readTableInfo, tableExists, type ColumnInfo, type KeyInfo, type TableInfo } from './schema/table-info'
import { serverIdentity, serverDialect } from './run'
import { destroyConnection } from './write/writers'
import { onReader } from './table-sessions'
import type { RunOptions, TableTask, WatermarkStore } from './types'

/**
 * What a run would change, changing nothing (`syncs.preview`, `db-taxi sync --dry-run` of diff and
 * incremental tables): per table the counts of inserts, updates and deletes (exact for diff, by the
 * same comparison a run makes; for incremental the rows at or past the watermark, split by whether
 * the target holds their key) and up to 20 sample rows of each kind, updates with the columns that
 * change (old and new values). Reads under one snapshot of the source; writes nothing anywhere.
 */

const SAMPLES = 20

export interface PreviewSpec {
  source: Endpoint
  target: Endpoint
  sourceDatabase: string
  targetDatabase: string
  tables: TableTask[]
  options: RunOptions
  watermarks?: WatermarkStore
  signal?: AbortSignal
}

export async function previewRun(spec: PreviewSpec): Promise<SyncPreviewTable[]> {
  const sourceMeta = await openSession(spec.source, 'meta')
  let targetMeta: Connection | undefined
  let readers: Awaited<ReturnType<typeof openReaders>> | undefined
  try {
    await sourceMeta.query('SET SESSION TRANSACTION READ ONLY')
    targetMeta = await openSession(spec.target, 'meta')
    await targetMeta.query('SET SESSION TRANSACTION READ ONLY')
    readers = await openReaders(spec.source, 1, { wantGlobal: false })
    const check = targetMeta
    const ctx: TableContext = {
      sourceDb: spec.sourceDatabase,
      targetDb: spec.targetDatabase,
      sourceMeta,
      targetMeta,
      ddl: { run: () => Promise.reject(new Error('a preview changes nothing')) },
      readers,
      // Comparisons only use a slot's checking session; nothing is written.
      writers: { acquire: async () => ({ writer: null as never, conn: check, check }), release: () => undefined },
      options: { ...spec.options, parallelism: 1 },
      hooks: { signal: spec.signal },
      runTag: 'preview',
      dialect: await serverDialect(sourceMeta),
      assertAlive: async () => undefined
    }
    const ids = { sourceServer: await serverIdentity(sourceMeta), targetServer: await serverIdentity(targetMeta) }
    const out: SyncPreviewTable[] = []
    for (const task of spec.tables) {
      spec.signal?.throwIfAborted()
      const info = await readTableInfo(sourceMeta, spec.sourceDatabase, task.source)
      const exists = await tableExists(targetMeta, spec.targetDatabase, task.target)
      const base: SyncPreviewTable = { source: task.source, target: task.target, mode: task.mode, exact: false, inserts: 0, updates: 0, deletes: 0, samples: { inserts: [], updates: [], deletes: [] }, notes: [] }
      if (task.mode === 'full' || !exists || info.type !== 'BASE TABLE') {
        base.inserts = info.rowsEstimate
        base.notes.push(exists ? `copied whole (about ${info.rowsEstimate} rows replace the table)` : `copied whole: the target table does not exist yet (about ${info.rowsEstimate} rows)`)
        out.push(base)
        continue
      }
      const problem = task.mode === 'diff' ? diffProblem(info) : incrementalProblem(info, task)
      if (problem) {
        base.notes.push(problem)
        out.push(base)
        continue
      }
      const columns = selectColumns(info, task)
      if (task.mode === 'diff') {
        const { plans, counts } = await compareTable(ctx, task, info, columns)
        Object.assign(base, { exact: true, inserts: counts.inserts, updates: counts.updates, deletes: counts.deletes })
        const pick = (f: (d: RangeDiff) => KeyTuple[]): KeyTuple[] => plans.flatMap((p) => (p.diff ? f(p.diff) : [])).slice(0, SAMPLES)
        base.samples = await samples(ctx, task, info, columns, { inserts: pick((d) => d.missing), updates: pick((d) => d.different), deletes: pick((d) => d.extra) })
        const limit = deleteLimit(spec.options.maxDeletes, counts.targetRows)
        if (counts.deletes > limit && !spec.options.allowDeletes) {
          base.notes.push(`the delete guard would stop this table: ${counts.deletes} deletes of ${counts.targetRows} rows is more than maxDeletes (${spec.options.maxDeletes ?? '10%'} = ${limit}); allow deletes for the run to apply it`)
        }
      } else {
        const stored = spec.watermarks?.load({ ...ids, sourceDatabase: spec.sourceDatabase, targetDatabase: spec.targetDatabase, source: task.source, target: task.target })
        const cursor = cursorColumns(info, task)
        if (!stored || stored.cursorColumns.join('\0') !== cursor.map((c) => c.name).join('\0')) {
          base.inserts = info.rowsEstimate
          base.notes.push('no watermark yet: copied whole, then read from its watermark')
          out.push(base)
          continue
        }
        const past = cursorPredicate(cursor, stored.value)
        const filter = task.where ? ` AND (${task.where})` : ''
        // The rows at or past the watermark, compared with the target's by digest (row-diff.ts): exact
        // counts of what the run would insert and update, and of what it would find already equal.
        const d = await onReader(ctx, task, async (r) => {
          const [rows] = await r.query<RowDataPacket[]>({
            sql: `SELECT ${info.key!.columns.map(keySelectExpr).join(', ')} FROM ${quoteQualified(spec.sourceDatabase, task.source)} WHERE ${past.sql}${filter}`,
            values: past.params,
            rowsAsArray: true,
            typeCast: keyTypeCast as never
          })
          const tuples = (rows as unknown as Buffer[][]).map((k) => toKey(info.key!, k))
          const diff = await diffKeys(
            { conn: r, database: spec.sourceDatabase, table: task.source, where: task.where },
            { conn: targetMeta!, database: spec.targetDatabase, table: task.target },
            columns,
            info.key!,
            tuples
          )
          return { ...diff, read: tuples.length }
        })
        const isNew = d.missing
        const old = d.different
        base.inserts = isNew.length
        base.updates = old.length
        base.exact = true
        const same = d.read - isNew.length - old.length
        base.notes.push(`${d.read} row(s) at or past the watermark ${stored.value.join(', ')}${same ? `, ${same} of them already on the target as they are` : ''}; deletes are not carried`)
        base.samples = await samples(ctx, task, info, columns, { inserts: isNew.slice(0, SAMPLES), updates: old.slice(0, SAMPLES), deletes: [] })
      }
      out.push(base)
    }
    return out
  } finally {
    await readers?.close().catch(() => undefined)
    await sourceMeta.end().catch(() => destroyConnection(sourceMeta))
    if (targetMeta) await targetMeta.end().catch(() => destroyConnection(targetMeta!))
  }
}

/** Rows by key as text (binary values as hex), keyed by the key's text. */
async function rowsByKey(conn: Connection, db: string, table: string, key: KeyInfo, columns: ColumnInfo[], keys: KeyTuple[], where?: string): Promise<Map<string, Record<string, string | null>>> {
  const out = new Map<string, Record<string, string | null>>()
  if (keys.length === 0) return out
  const k = keyInPredicate(key, keys)
  const exprs = columns.map((c) => (c.kind === 'binary' || c.kind === 'spatial' ? `HEX(${quoteIdent(c.name)})` : c.kind === 'bit' ? `${quoteIdent(c.name)} + 0` : quoteIdent(c.name)))
  const keyExprs = key.columns.map(keySelectExpr)
  const [rows] = await conn.query<RowDataPacket[]>({
    sql: `SELECT ${[...keyExprs, ...exprs].join(', ')} FROM ${quoteQualified(db, table)} WHERE ${k.sql}${where ? ` AND (${where})` : ''}`,
    values: k.params,
    rowsAsArray: true,
    typeCast: keyTypeCast as never
  })
  const n = key.columns.length
  for (const r of rows as unknown as (Buffer | null)[][]) {
    const id = keyText(toKey(key, r.slice(0, n) as Buffer[]))
    const values: Record<string, string | null> = {}
    columns.forEach((c, i) => {
      const v = r[n + i]
      values[c.name] = v === null || v === undefined ? null : v.toString('utf8')
    })
    out.set(id, values)
  }
  return out
}

function keyText(k: KeyTuple): string {
  return JSON.stringify(k.map((v) => (Buffer.isBuffer(v) ? `0x${v.toString('hex')}` : String(v))))
}

function keyRecord(key: KeyInfo, k: KeyTuple): Record<string, string> {
  return Object.fromEntries(key.columns.map((c, i) => [c.name, Buffer.isBuffer(k[i]) ? `0x${(k[i] as Buffer).toString('hex')}` : String(k[i])]))
}

async function samples(
  ctx: TableContext,
  task: TableTask,
  info: TableInfo,
  columns: ColumnInfo[],
  keys: { inserts: KeyTuple[]; updates: KeyTuple[]; deletes: KeyTuple[] }
): Promise<SyncPreviewTable['samples']> {
  const key = info.key!
  const src = await onReader(ctx, task, (r) => rowsByKey(r, ctx.sourceDb, task.source, key, columns, [...keys.inserts, ...keys.updates], task.where))
  const tgt = await rowsByKey(ctx.targetMeta, ctx.targetDb, task.target, key, columns, [...keys.updates, ...keys.deletes])
  const row = (k: KeyTuple, values?: Record<string, string | null>): PreviewRow => ({ key: keyRecord(key, k), ...(values ? { values } : {}) })
  return {
    inserts: keys.inserts.map((k) => row(k, src.get(keyText(k)))),
    deletes: keys.deletes.map((k) => row(k, tgt.get(keyText(k)))),
    updates: keys.updates.map((k) => {
      const a = src.get(keyText(k)) ?? {}
      const b = tgt.get(keyText(k)) ?? {}
      const changes = columns.filter((c) => a[c.name] !== b[c.name]).map((c) => ({ column: c.name, old: b[c.name] ?? null, new: a[c.name] ?? null }))
      return { key: keyRecord(key, k), changes }
    })
  }
}
