import type { Connection } from 'mysql2/promise'
import type { Readable } from 'node:stream'

/**
 * Streams a query's rows as arrays of raw Buffers, with backpressure: `onRow` may return a promise
 * and the source connection stops reading its socket until it settles. Cancellation destroys the
 * stream (the caller also kills the statement on the server).
 */
export async function streamRows(
  conn: Connection,
  sql: string,
  params: unknown[],
  onRow: (row: (Buffer | null)[]) => void | Promise<void>,
  signal?: AbortSignal
): Promise<number> {
  // The promise wrapper has no streaming; its underlying callback connection does.
  const core = (conn as unknown as { connection: { query(o: object, v: unknown[]): { stream(o?: object): Readable } } }).connection
  const stream = core.query({ sql, rowsAsArray: true, typeCast: false }, params).stream({ highWaterMark: 512 })
  let count = 0
  return new Promise<number>((resolve, reject) => {
    let settled = false
    const finish = (err?: unknown): void => {
      if (settled) return
      settled = true
      signal?.removeEventListener('abort', onAbort)
      if (err) reject(err instanceof Error ? err : new Error(String(err)))
      else resolve(count)
    }
    const onAbort = (): void => {
      stream.destroy()
      finish(signal?.reason ?? new Error('cancelled'))
    }
    if (signal?.aborted) return onAbort()
    signal?.addEventListener('abort', onAbort, { once: true })
    stream.on('data', (row: (Buffer | null)[]) => {
      count++
      let r: void | Promise<void>
      try {
        r = onRow(row)
      } catch (err) {
        stream.destroy()
        return finish(err)
      }
      if (r && typeof (r as Promise<void>).then === 'function') {
        stream.pause()
        ;(r as Promise<void>).then(
          () => stream.resume(),
          (err: unknown) => {
            stream.destroy()
            finish(err)
          }
        )
      }
    })
    stream.on('end', () => finish())
    stream.on('error', (err) => finish(err))
  })
}
