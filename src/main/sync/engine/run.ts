import { randomBytes } from 'node:crypto'
import type { Connection, RowDataPacket } from 'mysql2/promise'
import { AppError } from '../../../shared/errors'
import { quoteIdent, quoteQualified } from '../mysql/identifiers'
import { copyTable, errorBody, type TableContext, type WriterPool } from './copy-table'
import { openSession, type Endpoint } from './endpoint'
import { copyObjects } from './objects'
import { databaseExists } from './schema'
import { openReaders, type Consistency, type ReaderGroup } from './snapshot'
import { InsertWriter, LoadDataWriter, type ChunkWriter } from './writers'
import type { RunHooks, RunOptions, TableResult, TableTask } from './types'

/**
 * One full-copy run: every table of the task list from source to target, tables and chunks in
 * parallel within `parallelism`, foreign keys and objects after the data, and a summary.
 */

export interface RunSpec {
  source: Endpoint
  target: Endpoint
  sourceDatabase: string
  targetDatabase: string
  tables: TableTask[]
  options: RunOptions
}

export interface RunSummary {
  status: 'succeeded' | 'failed' | 'cancelled'
  startedAt: number
  finishedAt: number
  durationMs: number
  consistency: Consistency | null
  writePath: 'load-data' | 'insert' | null
  tables: TableResult[]
  error?: { code: string; message: string }
}

/** Identity of a server, independent of the name used to reach it. */
export async function serverIdentity(conn: Connection): Promise<string> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT @@hostname AS h, @@port AS p, @@datadir AS d')
  let uuid = ''
  try {
    const [u] = await conn.query<RowDataPacket[]>('SELECT @@server_uuid AS u')
    uuid = String(u[0]?.u ?? '')
  } catch {
    // MariaDB has no server_uuid; host name, port and data directory identify it well enough.
  }
  const r = rows[0]!
  return uuid || `${String(r.h)}|${String(r.p)}|${String(r.d)}`
}

async function pooledWriters(target: Endpoint, count: number, forceInsert: boolean): Promise<{ pool: WriterPool; path: ChunkWriter['path']; close: () => Promise<void> }> {
  const probe = await openSession(target, 'write')
  let loadData = false
  let maxPacket = 16 * 1024 * 1024
  try {
    const [rows] = await probe.query<RowDataPacket[]>('SELECT @@GLOBAL.local_infile AS li, @@max_allowed_packet AS mp')
    loadData = !forceInsert && Number(String(rows[0]?.li)) === 1
    maxPacket = Number(String(rows[0]?.mp))
  } finally {
    await probe.end().catch(() => probe.destroy())
  }
  const conns: Connection[] = []
  const idle: { writer: ChunkWriter; conn: Connection }[] = []
  try {
    for (let i = 0; i < count; i++) {
      // The INSERT path speaks `binary` so value bytes arrive exactly as the source holds them.
      const conn = await openSession(target, 'write', loadData ? {} : { charset: 'BINARY' })
      conns.push(conn)
      const writer: ChunkWriter = loadData
        ? new LoadDataWriter(conn)
        : new InsertWriter(conn, Math.max(64 * 1024, Math.min(maxPacket - 64 * 1024, 8 * 1024 * 1024)))
      idle.push({ writer, conn })
    }
  } catch (err) {
    for (const c of conns) c.destroy()
    throw err
  }
  const waiting: ((w: { writer: ChunkWriter; conn: Connection }) => void)[] = []
  return {
    path: loadData ? 'load-data' : 'insert',
    pool: {
      acquire: () =>
        new Promise((resolve) => {
          const w = idle.pop()
          if (w) resolve(w)
          else waiting.push(resolve)
        }),
      release: (w) => {
        const next = waiting.shift()
        if (next) next(w)
        else idle.push(w)
      }
    },
    close: async () => {
      await Promise.all(conns.map((c) => c.end().catch(() => c.destroy())))
    }
  }
}

export async function runFullCopy(spec: RunSpec, hooks: RunHooks = {}): Promise<RunSummary> {
  const startedAt = Date.now()
  const summary: RunSummary = {
    status: 'failed',
    startedAt,
    finishedAt: startedAt,
    durationMs: 0,
    consistency: null,
    writePath: null,
    tables: spec.tables.map((t) => ({
      source: t.source,
      target: t.target,
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
    }))
  }
  if (spec.target.readOnly) {
    throw new AppError('READ_ONLY_TARGET', `${spec.target.label} is marked read-only and cannot be a sync target.`)
  }
  const log = hooks.log ?? (() => undefined)
  let sourceMeta: Connection | undefined
  let targetMeta: Connection | undefined
  let readers: ReaderGroup | undefined
  let writers: Awaited<ReturnType<typeof pooledWriters>> | undefined
  try {
    sourceMeta = await openSession(spec.source, 'meta')
    targetMeta = await openSession(spec.target, 'write')
    if (!(await databaseExists(sourceMeta, spec.sourceDatabase))) {
      throw new AppError('TABLE_NOT_FOUND', `Source database ${spec.sourceDatabase} does not exist on ${spec.source.label}.`)
    }
    const sameServer = (await serverIdentity(sourceMeta)) === (await serverIdentity(targetMeta))
    if (sameServer && spec.sourceDatabase === spec.targetDatabase) {
      const same = spec.tables.find((t) => t.source === t.target)
      if (same) throw new AppError('SAME_TABLE', `Source and target are the same table (${spec.sourceDatabase}.${same.source}) on the same server.`)
    }
    if (!(await databaseExists(targetMeta, spec.targetDatabase))) {
      if (!spec.options.createMissing) {
        throw new AppError('TABLE_NOT_FOUND', `Target database ${spec.targetDatabase} does not exist and createMissing is off.`)
      }
      const [cs] = await sourceMeta.query<RowDataPacket[]>(
        'SELECT DEFAULT_CHARACTER_SET_NAME AS c, DEFAULT_COLLATION_NAME AS k FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
        [spec.sourceDatabase]
      )
      const charset = String(cs[0]?.c ?? 'utf8mb4')
      const collation = String(cs[0]?.k ?? 'utf8mb4_general_ci')
      if (!/^\w+$/.test(charset) || !/^\w+$/.test(collation)) throw new Error('unexpected character set name')
      await targetMeta.query(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(spec.targetDatabase)} CHARACTER SET ${charset} COLLATE ${collation}`)
      log('info', `created database ${spec.targetDatabase} (${charset}, ${collation})`)
    }

    const parallel = Math.max(1, spec.options.parallelism)
    readers = await openReaders(spec.source, parallel, { wantGlobal: parallel > 1 || spec.tables.length > 1 })
    summary.consistency = readers.consistency
    log(
      'info',
      readers.consistency === 'global'
        ? 'source read at one consistent point for all tables'
        : 'no RELOAD privilege for a global consistent point: each table is read at its own snapshot'
    )
    writers = await pooledWriters(spec.target, parallel, spec.options.forceInsert === true)
    summary.writePath = writers.path
    if (writers.path === 'insert') log('info', 'target has local_infile off: loading with multi-row INSERT')

    const runTag = randomBytes(3).toString('hex')
    const ctx: TableContext = {
      sourceDb: spec.sourceDatabase,
      targetDb: spec.targetDatabase,
      sourceMeta,
      targetMeta,
      readers,
      writers: writers.pool,
      options: spec.options,
      hooks,
      runTag
    }
    const fks: { table: string; clauses: string[] }[] = []
    let next = 0
    const tableWorker = async (): Promise<void> => {
      while (next < spec.tables.length) {
        if (hooks.signal?.aborted) return
        const i = next++
        const task = spec.tables[i]!
        const outcome = await copyTable(task, ctx)
        summary.tables[i] = outcome.result
        if (outcome.foreignKeys.length) fks.push({ table: task.target, clauses: outcome.foreignKeys })
      }
    }
    await Promise.all(Array.from({ length: Math.min(parallel, spec.tables.length) }, tableWorker))

    // Constraints once every table is in: parents may load after children.
    for (const fk of fks) {
      const t = summary.tables.find((r) => r.target === fk.table)
      if (t?.status !== 'done') continue
      try {
        await targetMeta.query(`ALTER TABLE ${quoteQualified(spec.targetDatabase, fk.table)} ${fk.clauses.join(', ')}`)
      } catch (err) {
        t.status = 'failed'
        t.error = errorBody(err)
        t.error.message = `adding foreign keys failed: ${t.error.message}`
      }
    }
    const { views, triggers, routines } = spec.options.objects
    if (views || triggers || routines) {
      await copyObjects(sourceMeta, targetMeta, spec, summary.tables, log)
    }

    if (hooks.signal?.aborted) {
      summary.status = 'cancelled'
      summary.error = { code: 'CANCELLED', message: 'Cancelled.' }
    } else {
      const failed = summary.tables.filter((t) => t.status === 'failed')
      summary.status = failed.length ? 'failed' : 'succeeded'
      if (failed.length) {
        const mismatch = failed.some((t) => t.error?.code === 'VERIFY_MISMATCH')
        summary.error = {
          code: mismatch ? 'VERIFY_MISMATCH' : failed[0]!.error?.code ?? 'COPY_FAILED',
          message: `${failed.length} table(s) failed: ${failed.map((t) => t.source).join(', ')}`
        }
      }
    }
    return summary
  } catch (err) {
    if (err instanceof AppError) throw err
    summary.status = hooks.signal?.aborted ? 'cancelled' : 'failed'
    summary.error = errorBody(err)
    return summary
  } finally {
    await readers?.close().catch(() => undefined)
    await writers?.close().catch(() => undefined)
    await sourceMeta?.end().catch(() => sourceMeta?.destroy())
    await targetMeta?.end().catch(() => targetMeta?.destroy())
    summary.finishedAt = Date.now()
    summary.durationMs = summary.finishedAt - startedAt
  }
}
