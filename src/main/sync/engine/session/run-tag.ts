import { randomBytes } from 'node:crypto'
import type { Connection, RowDataPacket } from 'mysql2/promise'
import { AppError } from '../../../../shared/errors'
import { openSession, type Endpoint, type SessionRole } from './endpoint'
import { destroyConnection } from '../write/writers'
import { assertTag, runLockName, tagConnection, TAG_RE } from './query-tag'

/**
 * A run's tag and the two ways it makes itself known on the servers it uses, so that whatever a
 * run leaves behind can be told apart from what a live run is using:
 *  - every statement it sends starts with `/* db-taxi:<tag> *\/`, which PROCESSLIST shows, so a
 *    later run can kill the queries of a run that died (a killed client's ALTER or checksum query
 *    goes on running on the server until it ends);
 *  - it holds the named lock `db-taxi:run:<tag>` on a session of its own on each server while it
 *    runs. The server releases the lock the moment that session ends, which an idle session does as
 *    soon as its client process dies (SIGKILL included), so a free lock proves the run is dead.
 * Shadow tables carry the tag in their names (shadowName in modes/full.ts).
 *
 * Tags are short lower-case words: a one-shot run's (CLI) starts with `x` and is never resumed;
 * a job's is hex taken from its id (runTagOf), and the job may resume its tables later.
 */

/** A fresh tag for a run that will never be resumed (db-taxi sync). */
export function oneShotTag(): string {
  return `x${randomBytes(3).toString('hex').slice(0, 5)}`
}

/** Whether the tag belongs to a one-shot run, whose leftovers nothing will ever continue. */
export function isOneShotTag(tag: string): boolean {
  return tag.startsWith('x')
}

const ENDPOINT_TAG = Symbol('db-taxi.endpointTag')

/** The same endpoint, whose sessions opened with openRunSession carry the run's tag. */
export function taggedEndpoint(ep: Endpoint, tag: string): Endpoint {
  return Object.assign({ ...ep }, { [ENDPOINT_TAG]: assertTag(tag) })
}

/** openSession, tagged when the endpoint is (see taggedEndpoint). */
export async function openRunSession(ep: Endpoint, role: SessionRole, extra?: Parameters<typeof openSession>[2]): Promise<Connection> {
  const conn = await openSession(ep, role, extra)
  const tag = (ep as Endpoint & { [ENDPOINT_TAG]?: string })[ENDPOINT_TAG]
  return tag ? tagConnection(conn, tag) : conn
}

export interface RunLock {
  tag: string
  /** The session holding the lock now (never used for anything else; replaced when it is lost). */
  readonly conn: Connection
  /**
   * Resolves when the lock is held by this run at this moment; otherwise rejects with
   * CONNECTION_LOST saying why. Asked before each swap: a run that cannot prove it is alive must
   * not replace tables, since another run may have taken its shadow tables for a dead run's.
   */
  assertHeld(): Promise<void>
  release(): Promise<void>
}

export interface RunLockOptions {
  /** Told when the lock session was lost and taken again, or could not be. */
  log?(level: 'warn' | 'error', message: string): void
  /** How often the lock session is checked while idle (ms). */
  checkEveryMs?: number
}

/**
 * Takes the lock on a new session. `replaces`: the server's id of this run's earlier lock session,
 * which the server may still hold open (a network cut the client saw first): when that session
 * holds the run's lock it is killed (its own user may; an id alone could be another session's
 * after a server restart) and the lock waited for briefly, since the server frees it as that
 * session ends.
 */
async function takeLock(ep: Endpoint, tag: string, replaces?: number): Promise<Connection> {
  const conn = await openSession(ep, 'meta')
  try {
    if (replaces) {
      const [held] = await conn.query<RowDataPacket[]>('SELECT IS_USED_LOCK(?) AS holder', [runLockName(tag)])
      if (Number(held[0]?.holder) === replaces) await conn.query('KILL CONNECTION ?', [replaces]).catch(() => undefined) // gone meanwhile: fine
    }
    const [rows] = await conn.query<RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS got', [runLockName(tag), replaces ? 5 : 0])
    if (Number(rows[0]?.got) !== 1) {
      throw new AppError('CONFLICT', `Another run with the tag ${tag} is running against ${ep.label} (it holds the lock ${runLockName(tag)}).`)
    }
    return conn
  } catch (err) {
    destroyConnection(conn)
    throw err
  }
}

/** How often an idle lock session is checked: often enough that the server's wait_timeout never ends it. */
async function checkInterval(conn: Connection, wanted: number): Promise<number> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT @@SESSION.wait_timeout AS t')
  const timeoutMs = Number(rows[0]?.t) * 1000
  return Number.isFinite(timeoutMs) && timeoutMs > 0 ? Math.max(500, Math.min(wanted, Math.floor(timeoutMs / 3))) : wanted
}

/**
 * Takes the run's named lock on its own session. Refused with CONFLICT when a live run holds the
 * same tag (the same job started twice, by two DB-Taxi processes sharing one store).
 *
 * The lock is only as alive as its session, and a live run's session can end without the run
 * ending: an operator's KILL of idle sessions (pt-kill), a proxy or tunnel cutting idle
 * connections, the server's wait_timeout, a server restart. A free lock would then make this run
 * look dead, and another run on the target would drop its shadow tables. So the lock watches its
 * session (its close, and a check that it still owns the lock, often enough to keep wait_timeout
 * from ending it) and takes the lock again on a new session at once; the run is unprovable only
 * for that moment. When it cannot be taken again, the lock counts as lost and assertHeld() fails
 * the run before it swaps anything.
 */
export async function holdRunLock(ep: Endpoint, tag: string, opts: RunLockOptions = {}): Promise<RunLock> {
  const name = runLockName(tag)
  let conn = await takeLock(ep, tag)
  let every: number
  try {
    every = await checkInterval(conn, opts.checkEveryMs ?? 15_000)
  } catch (err) {
    destroyConnection(conn)
    throw err
  }
  let released = false
  let lost: string | null = null
  let retaking: Promise<void> | null = null

  const retake = (why: string): Promise<void> => {
    if (released || lost) return Promise.resolve()
    retaking ??= (async () => {
      const old = conn.threadId
      destroyConnection(conn)
      try {
        conn = await takeLock(ep, tag, old)
        watch(conn)
        opts.log?.('warn', `the run's lock session on ${ep.label} ended (${why}); the lock ${name} was taken again on a new session`)
      } catch (err) {
        lost = `its lock session on ${ep.label} ended (${why}) and the lock could not be taken again: ${err instanceof Error ? err.message : String(err)}`
        opts.log?.('error', `the run lost ${name}: ${lost}`)
      } finally {
        retaking = null
      }
    })()
    return retaking
  }
  const watch = (c: Connection): void => {
    const onGone = (): void => {
      if (c === conn) void retake('the server or the network closed it')
    }
    c.on('end', onGone)
    c.on('error', onGone)
  }
  const owns = async (c: Connection): Promise<boolean> => {
    const [rows] = await c.query<RowDataPacket[]>('SELECT IS_USED_LOCK(?) = CONNECTION_ID() AS mine', [name])
    return Number(rows[0]?.mine) === 1
  }
  watch(conn)

  // A check that gets no answer counts as a lost session: a network path that died silently (no
  // close) would otherwise leave the run believing in a lock the server may have freed.
  const checked = (c: Connection): Promise<boolean> => {
    let timeout: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => {
      timeout = setTimeout(() => reject(new Error(`no answer within ${Math.max(1000, every)} ms`)), Math.max(1000, every))
    })
    return Promise.race([owns(c), late]).finally(() => clearTimeout(timeout))
  }
  let checking = false
  const timer = setInterval(() => {
    if (retaking || released || lost || checking) return
    const c = conn
    checking = true
    checked(c).finally(() => (checking = false)).then(
      (mine) => {
        if (!mine && c === conn) void retake('it no longer held the lock')
      },
      (err: unknown) => {
        if (c === conn) void retake(err instanceof Error ? err.message : String(err))
      }
    )
  }, every)
  timer.unref()

  return {
    tag,
    get conn() {
      return conn
    },
    assertHeld: async () => {
      if (retaking) await retaking
      if (!lost) {
        const mine = await owns(conn).catch(() => false)
        if (!mine) await retake('it no longer held the lock')
      }
      if (lost) throw new AppError('CONNECTION_LOST', `The run cannot prove it is alive on ${ep.label}: ${lost}. Nothing was switched in.`)
    },
    release: async () => {
      released = true
      clearInterval(timer)
      if (retaking) await retaking
      await conn.end().catch(() => destroyConnection(conn))
    }
  }
}

/** Which of the tags' runs are alive on this server (their lock is held by some session). */
export async function liveTags(conn: Connection, tags: Iterable<string>): Promise<Set<string>> {
  const list = [...new Set(tags)].filter((t) => TAG_RE.test(t))
  const live = new Set<string>()
  // A few at a time keeps the statement short even with many leftovers.
  for (let i = 0; i < list.length; i += 50) {
    const part = list.slice(i, i + 50)
    const [rows] = await conn.query<RowDataPacket[]>(`SELECT ${part.map((_, j) => `IS_USED_LOCK(?) AS l${j}`).join(', ')}`, part.map(runLockName))
    part.forEach((t, j) => {
      if (rows[0]?.[`l${j}`] !== null && rows[0]?.[`l${j}`] !== undefined) live.add(t)
    })
  }
  return live
}

/** Sessions on this server running a statement tagged by a run: id and tag. */
export async function taggedQueries(conn: Connection): Promise<{ id: number; tag: string; info: string }[]> {
  const [rows] = await conn.query<RowDataPacket[]>(
    "SELECT ID AS id, INFO AS info FROM information_schema.PROCESSLIST WHERE INFO LIKE '/* db-taxi:%' AND ID <> CONNECTION_ID()"
  )
  const out: { id: number; tag: string; info: string }[] = []
  for (const r of rows) {
    const info = String(r.info ?? '')
    const m = /^\/\* db-taxi:([0-9a-z]{1,12}) \*\//.exec(info)
    if (m) out.push({ id: Number(r.id), tag: m[1]!, info: info.slice(0, 200) })
  }
  return out
}
