import { randomBytes } from 'node:crypto'
import type { Connection, RowDataPacket } from 'mysql2/promise'
import { AppError } from '../../../shared/errors'
import { openSession, type Endpoint, type SessionRole } from './endpoint'
import { destroyConnection } from './writers'
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
 * Shadow tables carry the tag in their names (shadowName in copy-table.ts).
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
  /** The session holding the lock (never used for anything else). */
  conn: Connection
  release(): Promise<void>
}

/**
 * Takes the run's named lock on its own session. Refused with CONFLICT when a live run holds the
 * same tag (the same job started twice, by two DB-Taxi processes sharing one store).
 */
export async function holdRunLock(ep: Endpoint, tag: string): Promise<RunLock> {
  const conn = await openSession(ep, 'meta')
  try {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT GET_LOCK(?, 0) AS got', [runLockName(tag)])
    if (Number(rows[0]?.got) !== 1) {
      throw new AppError('CONFLICT', `Another run with the tag ${tag} is running against ${ep.label} (it holds the lock ${runLockName(tag)}).`)
    }
  } catch (err) {
    destroyConnection(conn)
    throw err
  }
  return {
    tag,
    conn,
    release: async () => {
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
