import type { Connection } from 'mysql2/promise'
import { sessionTagPrefix } from '../session/query-tag'
import { rawRowsQuery, wireConnection } from '../session/wire'
import { isDead } from '../write/writers'

/**
 * Streams a query's rows as arrays of raw Buffers, with backpressure: `onRow` may return a promise
 * and the source connection stops reading its socket until it settles (packets already received
 * wait in the driver's queue, so no row is ever buffered beyond that).
 *
 * Listens to the driver's query command itself rather than its Readable wrapper: once a Readable
 * is destroyed the wrapper stops listening for errors, and an error the server sends later (the
 * statement killed on cancel) would then be an unhandled 'error' event that takes the process down.
 * On cancel or failure this resolves at once; the rest of the result is read and dropped in the
 * background (the caller kills the statement on the server so that is quick).
 */

export function streamRows(
  conn: Connection,
  sql: string,
  params: unknown[],
  onRow: (row: (Buffer | null)[]) => void | Promise<void>,
  signal?: AbortSignal
): Promise<number> {
  return pump<(Buffer | null)[], undefined, undefined>(
    conn,
    onRow,
    (deliver, finish) => {
      const query = wireConnection(conn).query({ sql: sessionTagPrefix(conn) + sql, rowsAsArray: true, typeCast: false }, params)
      query.on('result', (row) => deliver(row, undefined, undefined))
      // Always listened to, also after a failure: see above.
      query.on('error', (err) => finish(err))
      query.on('end', () => finish())
    },
    signal
  )
}

/**
 * Like streamRows, with each row as the bytes of its text-protocol packet (see wire.ts): no JS
 * object per value. `sql` must be complete (no placeholders); the row is valid only during the call.
 */
export function streamRawRows(
  conn: Connection,
  sql: string,
  onRow: (buf: Buffer, start: number, end: number) => void | Promise<void>,
  signal?: AbortSignal
): Promise<number> {
  return pump(conn, onRow, (deliver, finish) => rawRowsQuery(conn, sql, deliver, (err) => finish(err ?? undefined)), signal)
}

/**
 * The flow both share: rows delivered one by one, the socket paused while a row's promise is
 * pending, and one settlement on end, error, abort or a lost session.
 */
function pump<A, B, C>(
  conn: Connection,
  onRow: (a: A, b: B, c: C) => void | Promise<void>,
  start: (deliver: (a: A, b: B, c: C) => void, finish: (err?: unknown) => void) => void,
  signal: AbortSignal | undefined
): Promise<number> {
  const core = wireConnection(conn)
  let count = 0
  return new Promise<number>((resolve, reject) => {
    let settled = false
    let failed = false
    let paused = false
    const finish = (err?: unknown): void => {
      if (settled) return
      settled = true
      signal?.removeEventListener('abort', onAbort)
      core.off('error', onConnectionError)
      if (err) {
        failed = true
        // Drain whatever is left so the connection can be closed or reused.
        if (paused) {
          paused = false
          core.resume()
        }
        reject(err instanceof Error ? err : new Error(String(err)))
      } else resolve(count)
    }
    const onAbort = (): void => finish(abortReason(signal))
    // The driver tells a command without a callback (this one) that its session was lost only
    // through the connection's 'error' event (the server killed, the network cut): without this
    // listener the query would wait forever.
    const onConnectionError = (err: Error): void => finish(err)
    if (signal?.aborted) {
      reject(abortReason(signal))
      return
    }
    // Likewise for a session that died before the query: it would never hear of the query.
    if (isDead(conn)) {
      reject(Object.assign(new Error('Connection lost: the session was closed before the query.'), { code: 'PROTOCOL_CONNECTION_LOST' }))
      return
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    core.on('error', onConnectionError)
    // Called per row with the row's parts as they are (no closure per row: a copy makes millions).
    const deliver = (a: A, b: B, c: C): void => {
      if (failed) return
      count++
      let r: void | Promise<void>
      try {
        r = onRow(a, b, c)
      } catch (err) {
        finish(err)
        return
      }
      if (r && typeof (r as Promise<void>).then === 'function') {
        paused = true
        core.pause()
        ;(r as Promise<void>).then(
          () => {
            if (failed || !paused) return
            paused = false
            core.resume()
          },
          (err: unknown) => finish(err)
        )
      }
    }
    start(deliver, finish)
  })
}

export function abortReason(signal: AbortSignal | undefined): Error {
  const r: unknown = signal?.reason
  if (r instanceof Error) return r
  const e = new Error('Cancelled.')
  e.name = 'AbortError'
  return e
}
