import { connect as netConnect, createServer, type Server, type Socket } from 'node:net'

/**
 * A TCP proxy on loopback that passes the first `limit` bytes each session receives from the server
 * and then holds the rest: the server's sends block, so a run reading through it stalls mid-copy
 * (its shadow table created and part-loaded) without any timing in the test. Closing either side
 * closes both, as a real network path does.
 */
export interface StallingProxy {
  port: number
  close(): Promise<void>
}

/** Forwards to `targetPort`; server-to-client bytes past `limit` per connection are held (the server's sends block). */
export async function startStallingProxy(targetPort: number, limit: number): Promise<StallingProxy> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    const upstream = netConnect(targetPort, '127.0.0.1')
    sockets.add(client).add(upstream)
    let passed = 0
    upstream.on('data', (chunk: Buffer) => {
      const room = limit - passed
      if (room > 0) client.write(room >= chunk.length ? chunk : chunk.subarray(0, room))
      passed += chunk.length
      // Past the limit: stop reading, so the server's socket fills and its sends block.
      if (passed >= limit) upstream.pause()
    })
    client.pipe(upstream)
    const end = (): void => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    for (const s of [client, upstream]) {
      s.on('error', end)
      s.on('close', end)
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const addr = server.address()
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      })
  }
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

