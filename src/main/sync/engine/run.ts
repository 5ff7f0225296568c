import type { Connection, RowDataPacket } from 'mysql2/promise'
import { AppError } from '../../../shared/errors'
import { quoteIdent, quoteQualified } from '../mysql/identifiers'
import { copyTable, errorBody, type DdlSessions, type TableContext, type WriterPool, type WriterSlot } from './modes/full'
import { syncDiff } from './modes/diff'
import { readOpenTransactions, syncIncremental, type IncrementalContext, type IncrementalOutcome } from './modes/incremental'
import { openSession, type Endpoint } from './session/endpoint'
import { clearLeftovers, describeCleared, describeLeftovers, findLeftovers, finishOwnSwap, type ClearedLeftovers, type LeftoverRun } from './leftovers'
import { preflight, preflightError } from './preflight'
import { holdRunLock, oneShotTag, openRunSession, taggedEndpoint, type RunLock } from './session/run-tag'
import { executeSwap, planSwap, type SwapPair } from './swap'
import { copyObjects, type ObjectResult } from './schema/objects'
import { databaseExists, tableExists } from './schema/table-info'
import { openReaders, type Consistency, type ReaderGroup } from './session/snapshot'
import { destroyConnection, InsertWriter, isDead, LoadDataWriter, type ChunkWriter } from './write/writers'
import type { SqlDialect } from './read/encoding'
import { isTransientError } from './session/transient'
import { BulkWriter } from './write/bulk-writer'
import type { SwapMode } from '../../../shared/syncs'
import { pendingResult, type RunHooks, type RunOptions, type StoredWatermark, type TableResult, type TableTask, type WatermarkRef, type WritePath, type WritePathOption } from './types'
import { bulkOperations } from './session/wire'

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
  /** Names this run's shadow tables; a job keeps one across attempts so a resume finds its shadows. */
  runTag?: string
  /** Tables an earlier attempt of the same job finished: kept as they are, not copied again. */
  done?: Map<string, TableResult>
}

export interface RunSummary {
  status: 'succeeded' | 'failed' | 'cancelled'
  startedAt: number
  finishedAt: number
  durationMs: number
  consistency: Consistency | null
  writePath: WritePath | null
  /** When replaced tables were switched in. */
  swap: SwapMode
  /** What runs that died had left on the target, cleared by this run. */
  cleared?: ClearedLeftovers[]
  /** Leftovers of other runs this run left alone (live runs, jobs that may resume). */
  leftovers?: LeftoverRun[]
  tables: TableResult[]
  /** Views, triggers and routines, when the run was asked to copy them. */
  objects?: ObjectResult[]
  error?: { code: string; message: string }
  /** Every failure of the run was transient (a connection lost, a deadlock, ...): worth another attempt. */
  transient?: boolean
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

/** Which SQL dialect a server speaks where MariaDB and MySQL differ (see encoding.ts). */
export async function serverDialect(conn: Connection): Promise<SqlDialect> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT VERSION() AS v')
  return /mariadb/i.test(String(rows[0]?.v ?? '')) ? 'mariadb' : 'mysql'
}

const WRITE_PATH_LOG: Record<WritePath, string> = {
  bulk: 'loading with array binding of a prepared INSERT (MariaDB COM_STMT_BULK_EXECUTE)',
  'load-data': 'loading with LOAD DATA LOCAL INFILE',
  insert: 'loading with multi-row INSERT'
}

/**
 * The write path for a target: array binding where the server offers it (MariaDB 10.2+; the
 * target parses no SQL or text per row), else LOAD DATA where local_infile allows it, else
 * multi-row INSERT. A path asked for explicitly must be available.
 */
export function chooseWritePath(requested: WritePathOption, available: { bulk: boolean; loadData: boolean }): WritePath {
  if (requested === 'auto') return available.bulk ? 'bulk' : available.loadData ? 'load-data' : 'insert'
  if (requested === 'bulk' && !available.bulk) {
    throw new AppError('VALIDATION', 'The target does not offer array binding (COM_STMT_BULK_EXECUTE, MariaDB 10.2 and later); use another write path.')
  }
  if (requested === 'load-data' && !available.loadData) {
    throw new AppError('VALIDATION', 'The target has local_infile off, so LOAD DATA LOCAL INFILE is refused; use another write path.')
  }
  return requested
}

interface Writers {
  pool: WriterPool
  path: ChunkWriter['path']
  connections(): Connection[]
  close(): Promise<void>
}

/**
 * The target sessions chunks are written through. A session that dies (killed, network lost, or
 * dropped on purpose to abort a LOAD DATA) is replaced by a fresh one, so one table's failure does
 * not take the others down.
 */
/** What a target offers, read on one of its write sessions (which ask for array binding). */
export async function writeCapabilities(conn: Connection): Promise<{ bulk: boolean; loadData: boolean; maxPacket: number }> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT @@GLOBAL.local_infile AS li, @@max_allowed_packet AS mp')
  return { bulk: bulkOperations(conn), loadData: Number(String(rows[0]?.li)) === 1, maxPacket: Number(String(rows[0]?.mp)) }
}

async function pooledWriters(target: Endpoint, count: number, requested: WritePathOption, signal?: AbortSignal): Promise<Writers> {
  const probe = await openRunSession(target, 'write', { charset: 'BINARY' })
  let path: WritePath
  let localInfile = false
  let maxPacket = 16 * 1024 * 1024
  try {
    const offered = await writeCapabilities(probe)
    maxPacket = offered.maxPacket
    localInfile = offered.loadData
    path = chooseWritePath(requested, offered)
  } finally {
    await probe.end().catch(() => probe.destroy())
  }
  type Slot = WriterSlot
  const live = new Set<Connection>()
  const open = async (): Promise<Slot> => {
    // The INSERT and bulk paths speak `binary` so value bytes arrive exactly as the source holds them.
    const conn = await openRunSession(target, 'write', path === 'load-data' ? {} : { charset: 'BINARY' })
    live.add(conn)
    if (path === 'load-data') return { conn, check: conn, writer: new LoadDataWriter(conn) }
    let check: Connection
    try {
      check = await openRunSession(target, 'meta')
    } catch (err) {
      live.delete(conn)
      destroyConnection(conn)
      throw err
    }
    live.add(check)
    return { conn, check, writer: path === 'bulk' ? new BulkWriter(conn, maxPacket, localInfile) : new InsertWriter(conn, maxPacket) }
  }
  const idle: Slot[] = []
  try {
    for (let i = 0; i < count; i++) idle.push(await open())
  } catch (err) {
    for (const c of live) destroyConnection(c)
    throw err
  }
  let size = count
  let lastError: unknown = null
  const waiting: { resolve: (w: Slot) => void; reject: (e: unknown) => void }[] = []
  const give = (w: Slot): void => {
    const next = waiting.shift()
    if (next) next.resolve(w)
    else idle.push(w)
  }
  return {
    path,
    pool: {
      acquire: () =>
        new Promise((resolve, reject) => {
          const w = idle.pop()
          if (w) resolve(w)
          else if (size === 0) reject(lastError ?? new Error('no target session left'))
          else waiting.push({ resolve, reject })
        }),
      release: (w) => {
        if (!isDead(w.conn) && !isDead(w.check)) return give(w)
        for (const c of [w.conn, w.check]) {
          live.delete(c)
          destroyConnection(c)
        }
        if (signal?.aborted) {
          size--
          return
        }
        open().then(give, (err: unknown) => {
          lastError = err
          size--
          if (size === 0) for (const x of waiting.splice(0)) x.reject(err)
        })
      }
    },
    connections: () => [...live],
    close: async () => {
      await Promise.all([...live].map((c) => c.end().catch(() => destroyConnection(c))))
    }
  }
}

/** The run's sessions for long DDL on the target (see TableContext.ddl): opened when needed, reused, closed at the end. */
function ddlSessions(target: Endpoint): DdlSessions & { connections(): Connection[]; close(): Promise<void> } {
  const idle: Connection[] = []
  const busy = new Set<Connection>()
  let closed = false
  return {
    async run(fn, signal) {
      const c = idle.pop() ?? (await openRunSession(target, 'write'))
      busy.add(c)
      try {
        // A cancel while the session was being opened found nothing to kill: refuse now, before
        // the statement starts (from here on, a cancel finds the session busy and kills it).
        signal?.throwIfAborted()
        return await fn(c)
      } finally {
        busy.delete(c)
        if (closed || isDead(c)) destroyConnection(c)
        else idle.push(c)
      }
    },
    connections: () => [...busy, ...idle],
    close: async () => {
      closed = true
      await Promise.all(idle.splice(0).map((c) => c.end().catch(() => destroyConnection(c))))
    }
  }
}

/**
 * Stops what the run's sessions are doing on a server, for a prompt cancel: `KILL QUERY` for every
 * session that is busy (never an idle one, whose next statement might otherwise be the one killed).
 */
export async function killBusy(ep: Endpoint, conns: Connection[], onlyLike?: string): Promise<void> {
  const ids = conns.map((c) => c.threadId).filter((id): id is number => typeof id === 'number' && id > 0)
  if (ids.length === 0) return
  let admin: Connection | undefined
  try {
    admin = await openSession(ep, 'meta', { connectTimeout: 3000 })
    const [rows] = await admin.query<RowDataPacket[]>(
      `SELECT ID AS id FROM information_schema.PROCESSLIST WHERE ID IN (${ids.map(() => '?').join(',')}) AND COMMAND NOT IN ('Sleep', 'Killed')` +
        (onlyLike ? ' AND INFO LIKE ?' : ''),
      onlyLike ? [...ids, onlyLike] : ids
    )
    for (const r of rows) await admin.query(`KILL QUERY ${Number(r.id)}`).catch(() => undefined)
  } catch {
    // Best effort: the sessions are dropped anyway.
  } finally {
    await admin?.end().catch(() => admin?.destroy())
  }
}

/**
 * Points foreign keys at the target names of tables renamed by this run
 * (a parent copied as `parent_copy` is referenced as `parent_copy` on the target).
 */
export function retargetForeignKey(clause: string, renames: Map<string, string>): string {
  return clause.replace(/( REFERENCES )`((?:[^`]|``)+)`( \()/, (all, pre: string, name: string, post: string) => {
    const to = renames.get(name.replace(/``/g, '`'))
    return to === undefined ? all : `${pre}${quoteIdent(to)}${post}`
  })
}

/**
 * Adds a table's foreign keys. A constraint an earlier attempt already added (it stopped before
 * recording that) is left as it is.
 */
async function addForeignKeys(conn: Connection, db: string, table: string, clauses: string[]): Promise<void> {
  const [rows] = await conn.query<RowDataPacket[]>(
    'SELECT CONSTRAINT_NAME AS n FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?',
    [db, table]
  )
  const have = new Set(rows.map((r) => String(r.n)))
  const missing = clauses.filter((c) => {
    const m = /^ADD CONSTRAINT `((?:[^`]|``)+)`/.exec(c)
    return !m || !have.has(m[1]!.replace(/``/g, '`'))
  })
  if (missing.length) await conn.query(`ALTER TABLE ${quoteQualified(db, table)} ${missing.join(', ')}`)
}

export async function runFullCopy(spec: RunSpec, hooks: RunHooks = {}): Promise<RunSummary> {
  const startedAt = Date.now()
  const swapMode = spec.options.swap ?? 'together'
  const summary: RunSummary = {
    status: 'failed',
    startedAt,
    finishedAt: startedAt,
    durationMs: 0,
    consistency: null,
    writePath: null,
    swap: swapMode,
    tables: spec.tables.map((t) => spec.done?.get(t.source) ?? pendingResult(t))
  }
  if (spec.target.readOnly) {
    throw new AppError('READ_ONLY_TARGET', `${spec.target.label} is marked read-only and cannot be a sync target.`)
  }
  const log = hooks.log ?? (() => undefined)
  const signal = hooks.signal
  const runTag = spec.runTag ?? oneShotTag()
  // Every session of the run tags its statements, so a later run can tell them from others.
  const source = taggedEndpoint(spec.source, runTag)
  const target = taggedEndpoint(spec.target, runTag)
  let sourceMeta: Connection | undefined
  let targetMeta: Connection | undefined
  let readers: ReaderGroup | undefined
  let writers: Writers | undefined
  const locks: RunLock[] = []
  const ddl = ddlSessions(target)
  let stopping: Promise<void> | null = null
  // Cancel: drop the writer sessions (a LOAD DATA LOCAL ignores KILL QUERY while it reads its input,
  // and a dropped session makes the server abort and roll back the statement), kill what the source
  // sessions run, and on the target's metadata session only a long ALTER (an index build): it is the
  // session that drops the shadow tables next. Every wait in the engine also listens to the signal.
  const onAbort = (): void => {
    const w = writers?.connections() ?? []
    for (const c of w) destroyConnection(c)
    const src = [...(readers?.connections() ?? []), ...(sourceMeta ? [sourceMeta] : [])]
    stopping = Promise.all([killBusy(spec.source, src), killBusy(spec.target, [...(targetMeta ? [targetMeta] : []), ...ddl.connections()], '%ALTER TABLE%')]).then(() => {
      for (const c of readers?.connections() ?? []) destroyConnection(c)
    })
  }
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    signal?.throwIfAborted()
    sourceMeta = await openRunSession(source, 'meta')
    // Nothing the engine runs on the source writes; a user's filter cannot either.
    await sourceMeta.query('SET SESSION TRANSACTION READ ONLY')
    targetMeta = await openRunSession(target, 'write')
    if (!(await databaseExists(sourceMeta, spec.sourceDatabase))) {
      throw new AppError('TABLE_NOT_FOUND', `Source database ${spec.sourceDatabase} does not exist on ${spec.source.label}.`)
    }
    const sourceServer = await serverIdentity(sourceMeta)
    const targetServer = await serverIdentity(targetMeta)
    const sameServer = sourceServer === targetServer
    if (sameServer && spec.sourceDatabase === spec.targetDatabase) {
      const same = spec.tables.find((t) => t.source === t.target)
      if (same) throw new AppError('SAME_TABLE', `Source and target are the same table (${spec.sourceDatabase}.${same.source}) on the same server.`)
    }
    // The run proves it is alive on each server it uses (see run-tag.ts).
    const lockLog = (level: 'warn' | 'error', message: string): void => log(level, message)
    locks.push(await holdRunLock(spec.target, runTag, { log: lockLog }))
    if (!sameServer) locks.push(await holdRunLock(spec.source, runTag, { log: lockLog }))
    const dialect = await serverDialect(sourceMeta)
    const targetDbExists = await databaseExists(targetMeta, spec.targetDatabase)

    // Everything that can be known before the first write is checked before it.
    const checked = await preflight({
      sourceMeta,
      targetMeta,
      sourceDb: spec.sourceDatabase,
      targetDb: spec.targetDatabase,
      targetDbExists,
      tasks: spec.tables.filter((t) => !spec.done?.has(t.source)),
      allTargets: spec.tables.map((t) => t.target),
      options: spec.options,
      runTag,
      readsPastWatermark: (t) => {
        const w = hooks.watermarks?.load({ sourceServer, targetServer, sourceDatabase: spec.sourceDatabase, targetDatabase: spec.targetDatabase, source: t.source, target: t.target })
        return Boolean(w && w.cursorColumns.join('\0') === (t.cursor ?? []).join('\0'))
      }
    })
    for (const n of checked.notes) log('info', n)
    if (checked.problems.length) throw preflightError(checked.problems)

    if (targetDbExists) {
      // On one server, the target's processlist already shows the source's statements.
      const found = await findLeftovers(targetMeta, spec.targetDatabase, { selfTag: runTag, source: sameServer ? undefined : sourceMeta, resumable: hooks.resumable })
      summary.cleared = await clearLeftovers(targetMeta, spec.targetDatabase, found, sameServer ? undefined : sourceMeta)
      for (const c of summary.cleared) log('warn', describeCleared(c))
      // This run's own tag (a job's earlier attempt, dead since this attempt holds the lock) may
      // have stopped in the middle of its swap: finish that before anything looks at the tables.
      const own = await finishOwnSwap(targetMeta, spec.targetDatabase, runTag)
      if (own) log('warn', `finished the swap an earlier attempt of this job stopped in: ${describeCleared(own).replace(/^cleared what the dead run \S+ left: /, '')}`)
      const kept = found.filter((r) => r.state !== 'dead')
      if (kept.length) summary.leftovers = kept
      for (const line of describeLeftovers(kept)) log('info', line)
    } else {
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

    const parallel = await boundedParallelism(Math.max(1, spec.options.parallelism), sourceMeta, targetMeta, log)
    const options: RunOptions = { ...spec.options, parallelism: parallel }
    // The run's one moment for NOW() and its kin in row filters (see startSnapshot).
    const [clockRows] = await sourceMeta.query<RowDataPacket[]>('SELECT UNIX_TIMESTAMP(NOW(6)) AS t')
    const clock = String(clockRows[0]?.t)
    // At the same moment: a transaction open when the readers take their snapshot either was open
    // now or started after now (and its rows carry cursor values from after now).
    const openTransactions = spec.tables.some((t) => t.mode === 'incremental') ? await readOpenTransactions(sourceMeta) : { oldestAgeSeconds: 0 }
    readers = await openReaders(source, parallel, { wantGlobal: parallel > 1 || spec.tables.length > 1, clock })
    summary.consistency = readers.consistency
    log(
      'info',
      readers.consistency === 'global'
        ? 'source read at one consistent point for all tables'
        : 'no global consistent point (needs the RELOAD privilege, or commits could not be blocked briefly): each table is read at its own snapshot'
    )
    writers = await pooledWriters(target, parallel, options.writePath ?? 'auto', signal)
    summary.writePath = writers.path
    hooks.prepared?.({ consistency: readers.consistency, writePath: writers.path })
    log('info', WRITE_PATH_LOG[writers.path])
    if (swapMode === 'together' && spec.tables.length > 1) log('info', 'tables are switched in together once every table is loaded and verified (swap: together)')
    signal?.throwIfAborted()

    const watermarkRef = (t: TableTask): WatermarkRef => ({
      sourceServer,
      targetServer,
      sourceDatabase: spec.sourceDatabase,
      targetDatabase: spec.targetDatabase,
      source: t.source,
      target: t.target
    })
    /** A table is in place: its watermark moves on (incremental), or is forgotten (copied whole under another mode). */
    const settleWatermark = (task: TableTask, w: StoredWatermark | undefined): void => {
      if (!hooks.watermarks) return
      try {
        if (task.mode !== 'incremental') hooks.watermarks.reset(watermarkRef(task))
        else if (w) hooks.watermarks.save(watermarkRef(task), w)
      } catch (err) {
        log('error', `could not record the watermark of ${task.source}: ${errorBody(err).message}`)
      }
    }
    const ctx: IncrementalContext = {
      watermarkRef,
      openTransactions,
      sourceDb: spec.sourceDatabase,
      targetDb: spec.targetDatabase,
      sourceMeta,
      targetMeta,
      readers,
      writers: writers.pool,
      ddl,
      options,
      hooks,
      runTag,
      dialect,
      assertAlive: async () => {
        await Promise.all(locks.map((l) => l.assertHeld()))
      }
    }
    const renames = new Map(spec.tables.filter((t) => t.source !== t.target).map((t) => [t.source, t.target]))
    const fks: { source: string; table: string; clauses: string[] }[] = []
    // Tables finished by an earlier attempt may still owe their foreign keys (stopped before the end).
    for (const task of spec.tables) {
      const cp = spec.done?.has(task.source) ? hooks.checkpoints?.load(task.source) : null
      if (cp?.foreignKeys?.length) fks.push({ source: task.source, table: task.target, clauses: cp.foreignKeys.map((c) => retargetForeignKey(c, renames)) })
    }
    const ready: { i: number; task: TableTask; pair: SwapPair; foreignKeys: string[]; watermark?: StoredWatermark }[] = []
    const todo = spec.tables.map((t, i) => ({ t, i })).filter(({ t }) => !spec.done?.has(t.source))
    let next = 0
    const tableWorker = async (): Promise<void> => {
      while (next < todo.length) {
        if (signal?.aborted) return
        const { t: task, i } = todo[next++]!
        const outcome: IncrementalOutcome =
          task.mode === 'incremental' ? await syncIncremental(task, ctx) : task.mode === 'diff' ? await syncDiff(task, ctx) : await copyTable(task, ctx)
        summary.tables[i] = outcome.result
        if (outcome.result.status === 'done') settleWatermark(task, outcome.watermark)
        if (outcome.pendingSwap) ready.push({ i, task, pair: outcome.pendingSwap, foreignKeys: outcome.foreignKeys, watermark: outcome.watermark })
        else if (outcome.foreignKeys.length) fks.push({ source: task.source, table: task.target, clauses: outcome.foreignKeys.map((c) => retargetForeignKey(c, renames)) })
      }
    }
    await Promise.all(Array.from({ length: Math.min(parallel, todo.length) }, tableWorker))

    const firstFailure = rootCause(summary.tables)
    let swapError: AppError | null = null
    if (ready.length > 0) {
      if (signal?.aborted || firstFailure) {
        // All or none: one table failed (or the run was cancelled), so none is switched in.
        const why = signal?.aborted ? 'the run was stopped' : `${firstFailure!.source} failed`
        // Whether the ready tables' work is kept for the job's next attempt follows whether the run
        // is worth another attempt (every failure transient), not the root error's lossy body.
        const retryable = summary.tables.filter((t) => t.status === 'failed').every((t) => t.transient)
        const cause = signal?.aborted
          ? signal.reason
          : new AppError(retryable ? 'CONNECTION_LOST' : 'COPY_FAILED', firstFailure!.error?.message ?? 'a table failed')
        await callOff(ctx, ready, summary, `Not switched in: ${why}, and the run switches its tables in together (swap: together); the target table was left as it was.`, cause)
      } else {
        swapError = await switchInTogether(ctx, ready, summary, log)
        for (const r of ready) if (summary.tables[r.i]!.status === 'done') settleWatermark(r.task, r.watermark)
        // After a swap that did not finish, the old tables still hold the constraint names.
        for (const r of swapError ? [] : ready) {
          if (summary.tables[r.i]!.status === 'done' && r.foreignKeys.length) fks.push({ source: r.task.source, table: r.task.target, clauses: r.foreignKeys.map((c) => retargetForeignKey(c, renames)) })
        }
      }
    }

    if (!signal?.aborted) {
      // Constraints once every table is in: parents may load after children.
      for (const fk of fks) {
        const t = summary.tables.find((r) => r.target === fk.table)
        if (t?.status !== 'done') continue
        try {
          await addForeignKeys(targetMeta, spec.targetDatabase, fk.table, fk.clauses)
          hooks.checkpoints?.save(fk.source, null)
        } catch (err) {
          t.status = 'failed'
          t.error = errorBody(err)
          t.transient = isTransientError(err)
          t.verified = null
          t.finishedAt = Date.now()
          t.error.message = `adding foreign keys failed: ${t.error.message}`
        }
      }
      const { views, triggers, routines } = spec.options.objects
      if (views || triggers || routines) {
        summary.objects = await copyObjects(sourceMeta, targetMeta, spec, summary.tables, log)
      }
    }

    if (signal?.aborted) {
      summary.status = 'cancelled'
      summary.error = { code: 'CANCELLED', message: 'Cancelled.' }
      for (const t of summary.tables) if (t.status === 'pending') t.status = 'cancelled'
    } else {
      const failed = summary.tables.filter((t) => t.status === 'failed')
      const failedObjects = summary.objects?.filter((o) => o.error) ?? []
      summary.status = failed.length || failedObjects.length || swapError ? 'failed' : 'succeeded'
      summary.transient = failed.length > 0 && failedObjects.length === 0 && failed.every((t) => t.transient)
      const root = rootCause(summary.tables)
      if (root) {
        summary.error = rootCauseError(root, summary.tables)
      } else if (swapError) {
        summary.error = swapError.toBody()
      } else if (failedObjects.length) {
        summary.error = {
          code: 'COPY_FAILED',
          message: `${failedObjects.length} object(s) could not be created: ${failedObjects.map((o) => `${o.kind} ${o.name}`).join(', ')}`
        }
      }
    }
    return summary
  } catch (err) {
    if (err instanceof AppError && !signal?.aborted) throw err
    summary.status = signal?.aborted ? 'cancelled' : 'failed'
    summary.error = signal?.aborted ? { code: 'CANCELLED', message: 'Cancelled.' } : errorBody(err)
    summary.transient = !signal?.aborted && isTransientError(err)
    if (signal?.aborted) for (const t of summary.tables) if (t.status === 'pending') t.status = 'cancelled'
    return summary
  } finally {
    signal?.removeEventListener('abort', onAbort)
    if (stopping) await stopping
    const closeAll = async (c: Connection | undefined): Promise<void> => {
      if (c) await c.end().catch(() => destroyConnection(c))
    }
    await Promise.all([readers?.close().catch(() => undefined), writers?.close().catch(() => undefined), closeAll(sourceMeta), closeAll(targetMeta), ddl.close()])
    // Last: until here the run is alive, and its tables are its own.
    await Promise.all(locks.map((l) => l.release()))
    summary.finishedAt = Date.now()
    summary.durationMs = summary.finishedAt - startedAt
  }
}

/** The table whose failure came first: the root cause a job's error names. */
export function rootCause(tables: TableResult[]): TableResult | undefined {
  return tables
    .filter((t) => t.status === 'failed' && t.error)
    .sort((a, b) => (a.finishedAt ?? Number.MAX_SAFE_INTEGER) - (b.finishedAt ?? Number.MAX_SAFE_INTEGER))[0]
}

/** `orders: COPY_FAILED: <message> (and 1 more table(s) failed: items)`, with the root cause's code. */
export function rootCauseError(root: TableResult, tables: TableResult[]): { code: string; message: string } {
  const others = tables.filter((t) => t.status === 'failed' && t !== root)
  const calledOff = tables.filter((t) => t.status === 'cancelled' && t.error?.message.startsWith('Not switched in')).length
  const e = root.error!
  return {
    code: e.code,
    message:
      `${root.source}: ${e.code}: ${e.message}` +
      (others.length ? ` (and ${others.length} more table(s) failed: ${others.map((t) => t.source).join(', ')})` : '') +
      (calledOff ? `; ${calledOff} other table(s) were not switched in, so every target table is as it was` : '')
  }
}

/**
 * Switches every ready table in with one atomic RENAME (swap.ts), then marks them done. A failure
 * before the RENAME leaves every target table as it was (the shadows are dropped, or kept for the
 * job's next attempt); a failure after it (pointing other tables' constraints at the new tables,
 * dropping the old ones) leaves the tables in place and what is left over for the next run's
 * cleanup (leftovers.ts), and fails the run saying so.
 */
async function switchInTogether(
  ctx: TableContext,
  ready: { i: number; task: TableTask; pair: SwapPair }[],
  summary: RunSummary,
  log: (level: 'error' | 'warn' | 'info', message: string) => void
): Promise<AppError | null> {
  const db = ctx.targetDb
  const pairs: SwapPair[] = []
  for (const r of ready) pairs.push({ ...r.pair, replaces: await tableExists(ctx.targetMeta, db, r.pair.target) })
  let renamed = false
  try {
    await ctx.assertAlive()
    const plan = await planSwap(ctx.targetMeta, db, ctx.runTag, pairs)
    await executeSwap(ctx.targetMeta, plan, {
      beforeStep: async (step, detail) => {
        if (step !== 'rename') renamed = true
        await ctx.hooks.swapStep?.(step, detail)
      }
    })
    renamed = true
  } catch (err) {
    // Whether the RENAME happened decides which side of it we are on.
    if (!renamed) renamed = !(await tableExists(ctx.targetMeta, db, pairs[0]!.shadow).catch(() => true))
    if (!renamed) {
      await callOff(ctx, ready, summary, `Switching the tables in failed: ${errorBody(err).message}; every target table was left as it was.`, err, 'failed')
      return null
    }
    const message = `The tables were switched in, but finishing the swap failed (${errorBody(err).message}); their foreign keys were not added, and what the swap left (old tables named _dbt_old_${ctx.runTag}_*) is cleared by the next run on this target.`
    log('error', message)
    markSwitched(ctx, ready, summary)
    for (const r of ready) summary.tables[r.i]!.notes.push('switched in, but the swap did not finish: foreign keys not added (the next run adds them)')
    return new AppError('COPY_FAILED', message)
  }
  markSwitched(ctx, ready, summary)
  log('info', `switched in ${ready.length} table(s) at one moment: ${ready.map((r) => r.pair.target).join(', ')}`)
  return null
}

function markSwitched(ctx: TableContext, ready: { i: number; task: TableTask; foreignKeys?: string[] }[], summary: RunSummary): void {
  const now = Date.now()
  for (const r of ready) {
    const t = summary.tables[r.i]!
    t.status = 'done'
    t.finishedAt = now
    t.durationMs = now - (t.startedAt ?? now)
    const cp = ctx.hooks.checkpoints?.load(r.task.source)
    if (cp) ctx.hooks.checkpoints?.save(r.task.source, { ...cp, stage: 'done', foreignKeys: r.foreignKeys ?? [] })
    ctx.hooks.progress?.({ ...t, notes: [...t.notes] })
  }
}

/**
 * Ready tables that will not be switched in: their shadow tables are dropped (or kept with their
 * checkpoints when the job will try again, see keepWork) and they end `cancelled` (or `failed`
 * when switching them in was what failed), never verified: the target was not changed.
 */
async function callOff(
  ctx: TableContext,
  ready: { i: number; task: TableTask; pair: SwapPair }[],
  summary: RunSummary,
  message: string,
  cause: unknown,
  status: 'cancelled' | 'failed' = 'cancelled'
): Promise<void> {
  const keep = ctx.hooks.keepWork?.(cause) ?? false
  const now = Date.now()
  for (const r of ready) {
    const t = summary.tables[r.i]!
    t.status = status
    t.error = { code: status === 'failed' ? errorBody(cause).code : 'CANCELLED', message }
    t.transient = status === 'failed' && isTransientError(cause)
    t.verified = null
    t.finishedAt = now
    if (!keep) {
      await ctx.targetMeta.query(`DROP TABLE IF EXISTS ${quoteQualified(ctx.targetDb, r.pair.shadow)}`).catch((e: unknown) => {
        ctx.hooks.log?.('error', `could not drop ${r.pair.shadow}: ${errorBody(e).message}`, r.task.source)
      })
      ctx.hooks.checkpoints?.save(r.task.source, null)
    }
    ctx.hooks.progress?.({ ...t, notes: [...t.notes] })
  }
}

/**
 * Parallelism the servers can take: a run opens about 3 sessions per unit of parallelism on the
 * target (a writer, its checking session, an index build) and 1 on the source, plus a few; it takes
 * at most half of the connections each server has free, so a large --parallel cannot starve other
 * clients of max_connections.
 */
async function boundedParallelism(requested: number, sourceMeta: Connection, targetMeta: Connection, log: (level: 'warn', m: string) => void): Promise<number> {
  const free = async (c: Connection): Promise<number> => {
    const [a] = await c.query<RowDataPacket[]>('SELECT @@max_connections AS m')
    const [b] = await c.query<RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Threads_connected'")
    return Number(a[0]?.m ?? 151) - Number(b[0]?.Value ?? 0)
  }
  const [src, dst] = await Promise.all([free(sourceMeta), free(targetMeta)])
  const allowed = Math.max(1, Math.min(Math.floor((dst / 2 - 3) / 3), Math.floor(src / 2 - 4)))
  if (requested <= allowed) return requested
  log('warn', `parallelism lowered from ${requested} to ${allowed}: the servers have ${src} (source) and ${dst} (target) connections free, and a run takes at most half of them`)
  return allowed
}
