import { startTcpProxy, type TcpProxy } from './tcp-proxy'

/**
 * A proxy that passes the first `limit` bytes each session receives from the server and then
 * holds the rest (tcp-proxy.ts, stallAfterBytes): a run reading through it stalls mid-copy (its
 * shadow table created and part-loaded) without any timing in the test.
 */
export type StallingProxy = Pick<TcpProxy, 'port' | 'close'>

export function startStallingProxy(targetPort: number, limit: number): Promise<StallingProxy> {
  return startTcpProxy(targetPort, { stallAfterBytes: limit })
}

/** Polls `probe` until it returns a value (not undefined), or fails after `ms` naming `what`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

