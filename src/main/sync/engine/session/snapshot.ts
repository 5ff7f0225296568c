import type { Connection } from 'mysql2/promise'
import type { Endpoint } from './endpoint'
import { openRunSession } from './run-tag'
import { wireConnection } from './wire'
import { destroyConnection, isDead } from '../write/writers'

/**
 * Source readers that see one consistent point. With the RELOAD privilege, all readers start
 * their snapshot while commits are briefly blocked (MariaDB's BACKUP STAGE BLOCK_COMMIT, or a global
 * read lock elsewhere), as mydumper does, so parallel chunks and every table agree. A single reader
 * needs no lock at all: its one snapshot serves every table. Without RELOAD, each table is read (and
 * verified) through one reader's own snapshot, and the summary says so.
 *
 * Snapshots cover transactional tables (InnoDB); MyISAM and other non-transactional tables are read
 * as they are at the moment each chunk is read.
 */

export type Consistency = 'global' | 'per-table'

export interface ReaderGroup {
  consistency: Consistency
  /** How many readers may work on one table at once. */
  perTableParallelism: number
  /** A reader for work on `table`; release it when done. */
  acquire(table: string): Promise<Connection>
  release(table: string, conn: Connection): void
  /** A table is done (copied and verified): its dedicated reader, if any, can go. */
  finishTable(table: string): Promise<void>
  /** Every reader open right now (to stop their statements on cancel). */
  connections(): Connection[]
  close(): Promise<void>
}

/** How long the coordinator waits for the commit block before settling for per-table snapshots. */
const BLOCK_WAIT_SECONDS = 10

/**
 * `clock`: the run's one moment (UNIX_TIMESTAMP(NOW(6)) read at its start). Every reader's NOW(),
 * CURDATE() and kin answer it, so a row filter such as `created_at >= NOW() - INTERVAL 30 DAY`
 * picks the same rows in every chunk, on every reader, and in the verification that follows
 * minutes later (a row crossing the boundary in between would otherwise show as a difference).
 */
async function startSnapshot(conn: Connection, clock: string | undefined): Promise<void> {
  if (clock !== undefined) {
    // A number literal: the variable refuses a string.
    if (!/^\d{1,12}(\.\d{1,6})?$/.test(clock)) throw new Error(`unexpected clock value ${clock}`)
    await conn.query(`SET SESSION timestamp = ${clock}`)
  }
  await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ')
  await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY')
}

/** Blocks commits on the source for the moment the readers need; returns the release, or null. */
async function blockCommits(conn: Connection): Promise<(() => Promise<void>) | null> {
  // Never queue behind a long DDL or query for long: others would queue behind us.
  await conn.query(`SET SESSION lock_wait_timeout = ${BLOCK_WAIT_SECONDS}`).catch(() => undefined)
  try {
    await conn.query('BACKUP STAGE START')
    await conn.query('BACKUP STAGE BLOCK_COMMIT')
    return async () => {
      await conn.query('BACKUP STAGE END')
    }
  } catch {
    await conn.query('BACKUP STAGE END').catch(() => undefined)
  }
  try {
    await conn.query('FLUSH TABLES WITH READ LOCK')
    return async () => {
      await conn.query('UNLOCK TABLES')
    }
  } catch {
    return null
  }
}

export async function openReaders(ep: Endpoint, count: number, opts: { wantGlobal: boolean; clock?: string }): Promise<ReaderGroup> {
  if (count <= 1) {
    // One reader, one snapshot for every table: consistent without any lock.
    const r = await openRunSession(ep, 'read')
    try {
      await startSnapshot(r, opts.clock)
    } catch (err) {
      destroyConnection(r)
      throw err
    }
    return sharedGroup([r])
  }
  if (opts.wantGlobal) {
    const coordinator = await openRunSession(ep, 'meta')
    try {
      const release = await blockCommits(coordinator)
      if (release) {
        const readers: Connection[] = []
        try {
          for (let i = 0; i < count; i++) {
            const r = await openRunSession(ep, 'read')
            readers.push(r)
            await startSnapshot(r, opts.clock)
          }
        } catch (err) {
          for (const r of readers) destroyConnection(r)
          throw err
        } finally {
          await release().catch(() => undefined)
        }
        return sharedGroup(readers)
      }
    } finally {
      await coordinator.end().catch(() => destroyConnection(coordinator))
    }
  }
  return perTableGroup(ep, count, opts.clock)
}

function sharedGroup(readers: Connection[]): ReaderGroup {
  let live = [...readers]
  const idle = [...readers]
  const waiting: { resolve: (c: Connection) => void; reject: (e: Error) => void }[] = []
  const lost = (): Error => new Error('every source reader connection was lost; the run cannot continue at its consistent point')
  return {
    consistency: 'global',
    perTableParallelism: readers.length,
    acquire: () =>
      new Promise((resolve, reject) => {
        const c = idle.pop()
        if (c) resolve(c)
        else if (live.length === 0) reject(lost())
        else waiting.push({ resolve, reject })
      }),
    release: (_t, c) => {
      if (isDead(c)) {
        // A reader's snapshot cannot be re-created at the same point: the group shrinks.
        live = live.filter((x) => x !== c)
        if (live.length === 0) for (const w of waiting.splice(0)) w.reject(lost())
        return
      }
      const w = waiting.shift()
      if (w) w.resolve(c)
      else idle.push(c)
    },
    finishTable: async () => undefined,
    connections: () => [...live],
    close: async () => {
      await Promise.all(readers.map((r) => r.end().catch(() => destroyConnection(r))))
    }
  }
}

/** One reader per table, its snapshot started when the table starts; at most `count` open at once. */
function perTableGroup(ep: Endpoint, count: number, clock: string | undefined): ReaderGroup {
  const byTable = new Map<string, Promise<Connection>>()
  const open = new Set<Connection>()
  let slots = count
  const waiting: (() => void)[] = []
  const freeSlot = (): void => {
    const w = waiting.shift()
    if (w) w()
    else slots++
  }
  const closeTable = async (table: string, graceful: boolean): Promise<void> => {
    const p = byTable.get(table)
    if (!p) return
    byTable.delete(table)
    const c = await p.catch(() => null)
    if (!c) return
    open.delete(c)
    // A reader still in a statement (a table stopped mid-read) is dropped: a graceful end would
    // queue behind a result nobody reads any more, and wait for it forever.
    const busy = Boolean((wireConnection(c) as unknown as { _command?: unknown })._command)
    if (graceful && !isDead(c) && !busy) await c.end().catch(() => destroyConnection(c))
    else destroyConnection(c)
    freeSlot()
  }
  return {
    consistency: 'per-table',
    perTableParallelism: 1,
    acquire: (table) => {
      let p = byTable.get(table)
      if (!p) {
        p = (async () => {
          if (slots > 0) slots--
          else await new Promise<void>((r) => waiting.push(r))
          try {
            const c = await openRunSession(ep, 'read')
            open.add(c)
            try {
              await startSnapshot(c, clock)
            } catch (err) {
              open.delete(c)
              destroyConnection(c)
              throw err
            }
            return c
          } catch (err) {
            freeSlot()
            throw err
          }
        })()
        // A failed open is not cached: finishTable() forgets it, a later acquire tries again.
        p.catch(() => {
          if (byTable.get(table) === p) byTable.delete(table)
        })
        byTable.set(table, p)
      }
      return p
    },
    release: () => undefined,
    finishTable: (table) => closeTable(table, true),
    connections: () => [...open],
    close: async () => {
      await Promise.all([...byTable.keys()].map((t) => closeTable(t, false)))
    }
  }
}
