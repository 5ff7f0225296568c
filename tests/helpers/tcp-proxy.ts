import { createServer, connect, type Server, type Socket } from 'node:net'

/**
 * A small TCP proxy on loopback for fault tests: forwards to a target port and can cut every
 * connection on demand (as a flaky network or a restarting load balancer would), or refuse new ones.
 */
export interface TcpProxy {
  port: number
  /** Open client connections right now. */
  readonly active: number
  /** Destroys every open connection (both sides); new connections still work. */
  cutAll(): number
  /** While down, new connections are accepted and closed at once. */
  setDown(down: boolean): void
  close(): Promise<void>
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>()
  let down = false
  const server: Server = createServer((client) => {
    if (down) {
      client.destroy()
      return
    }
    const upstream = connect(targetPort, targetHost)
    const pair: [Socket, Socket] = [client, upstream]
    pairs.add(pair)
    const end = (): void => {
      pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end)
    upstream.on('error', end)
    client.on('close', end)
    upstream.on('close', end)
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const addr = server.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  return {
    port,
    get active() {
      return pairs.size
    },
    cutAll() {
      const n = pairs.size
      for (const [a, b] of [...pairs]) {
        a.destroy()
        b.destroy()
      }
      pairs.clear()
      return n
    },
    setDown(d) {
      down = d
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const [a, b] of pairs) {
          a.destroy()
          b.destroy()
        }
        server.close(() => resolve())
      })
  }
}
