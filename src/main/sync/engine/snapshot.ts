import type { Connection } from 'mysql2/promise'
import { openSession, type Endpoint } from './endpoint'

/**
 * Source readers that see one consistent point. With the RELOAD privilege, all readers start
 * their snapshot while commits are briefly blocked (MariaDB's BACKUP STAGE BLOCK_COMMIT, or a global
 * read lock elsewhere), as mydumper does, so parallel chunks and every table agree. Without it, each
 * table is read (and verified) through one reader's own snapshot, and the summary says so.
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
  close(): Promise<void>
}

async function startSnapshot(conn: Connection): Promise<void> {
  await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ')
  await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY')
}

/** Blocks commits on the source for the moment the readers need; returns the release, or null. */
async function blockCommits(conn: Connection): Promise<(() => Promise<void>) | null> {
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

export async function openReaders(ep: Endpoint, count: number, opts: { wantGlobal: boolean }): Promise<ReaderGroup> {
  if (opts.wantGlobal && count > 1) {
    const coordinator = await openSession(ep, 'meta')
    try {
      const release = await blockCommits(coordinator)
      if (release) {
        const readers: Connection[] = []
        try {
          for (let i = 0; i < count; i++) {
            const r = await openSession(ep, 'read')
            readers.push(r)
            await startSnapshot(r)
          }
        } catch (err) {
          await release().catch(() => undefined)
          for (const r of readers) r.destroy()
          throw err
        } finally {
          await release().catch(() => undefined)
        }
        return sharedGroup(readers)
      }
    } finally {
      await coordinator.end().catch(() => coordinator.destroy())
    }
  }
  return perTableGroup(ep, count)
}

function sharedGroup(readers: Connection[]): ReaderGroup {
  const idle = [...readers]
  const waiting: ((c: Connection) => void)[] = []
  return {
    consistency: 'global',
    perTableParallelism: readers.length,
    acquire: () =>
      new Promise((resolve) => {
        const c = idle.pop()
        if (c) resolve(c)
        else waiting.push(resolve)
      }),
    release: (_t, c) => {
      const w = waiting.shift()
      if (w) w(c)
      else idle.push(c)
    },
    finishTable: async () => undefined,
    close: async () => {
      await Promise.all(readers.map((r) => r.end().catch(() => r.destroy())))
    }
  }
}

/** One reader per table, its snapshot started when the table starts; at most `count` open at once. */
function perTableGroup(ep: Endpoint, count: number): ReaderGroup {
  const byTable = new Map<string, Promise<Connection>>()
  let open = 0
  const waiting: (() => void)[] = []
  return {
    consistency: 'per-table',
    perTableParallelism: 1,
    acquire: (table) => {
      let p = byTable.get(table)
      if (!p) {
        p = (async () => {
          if (open >= count) await new Promise<void>((r) => waiting.push(r))
          open++
          try {
            const c = await openSession(ep, 'read')
            await startSnapshot(c)
            return c
          } catch (err) {
            open--
            waiting.shift()?.()
            throw err
          }
        })()
        byTable.set(table, p)
      }
      return p
    },
    release: () => undefined,
    finishTable: async (table) => {
      const p = byTable.get(table)
      if (!p) return
      byTable.delete(table)
      const c = await p.catch(() => null)
      if (c) {
        await c.end().catch(() => c.destroy())
        open--
        waiting.shift()?.()
      }
    },
    close: async () => {
      for (const t of [...byTable.keys()]) await this_finish(t)
      async function this_finish(t: string): Promise<void> {
        const p = byTable.get(t)
        byTable.delete(t)
        const c = await p?.catch(() => null)
        c?.destroy()
      }
    }
  }
}
