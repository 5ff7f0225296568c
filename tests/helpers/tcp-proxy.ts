import { createServer, connect, type Server, type Socket } from 'node:net'

/**
 * One TCP proxy on loopback for the fault and speed tests: it forwards to a target port and can
 *  - cut every connection on demand (a flaky network, a restarting load balancer), or refuse new ones;
 *  - swallow every byte on the connections open now without closing them (a NAT or firewall that
 *    forgot them: the path dies silently);
 *  - pass only the first `stallAfterBytes` each connection receives from the server and hold the
 *    rest: the server's sends block, so a copy stalls mid-way and can only end by being stopped;
 *  - pass the server's bytes at `bytesPerSecond` per connection: a copy then takes at least
 *    size / rate, however fast the machine, so a test can watch it run.
 * Closing either side closes both, as a real network path does.
 */
export interface ProxyOptions {
  host?: string
  stallAfterBytes?: number
  bytesPerSecond?: number
}

export interface TcpProxy {
  port: number
  /** Open client connections right now. */
  readonly active: number
  /** Destroys every open connection (both sides); new connections still work. */
  cutAll(): number
  /** While down, new connections are accepted and closed at once. */
  setDown(down: boolean): void
  /** The connections open now drop every byte from here on, and stay open; new ones pass. */
  swallow(): void
  close(): Promise<void>
}

interface Pair {
  client: Socket
  upstream: Socket
  dead: boolean
  passed: number
  queue: Buffer[]
  queued: number
}

const TICK_MS = 20
// Held bytes past which the server's side is paused (it then blocks sending, as on a slow link).
const HIGH_WATER = 256 * 1024

export async function startTcpProxy(targetPort: number, options: string | ProxyOptions = {}): Promise<TcpProxy> {
  const opts: ProxyOptions = typeof options === 'string' ? { host: options } : options
  const pairs = new Set<Pair>()
  let down = false
  const toClient = (p: Pair, chunk: Buffer): void => {
    if (p.dead) return
    if (opts.stallAfterBytes !== undefined) {
      const room = opts.stallAfterBytes - p.passed
      if (room > 0) p.client.write(room >= chunk.length ? chunk : chunk.subarray(0, room))
      p.passed += chunk.length
      // Past the limit: stop reading, so the server's socket fills and its sends block.
      if (p.passed >= opts.stallAfterBytes) p.upstream.pause()
      return
    }
    if (opts.bytesPerSecond !== undefined) {
      p.queue.push(chunk)
      p.queued += chunk.length
      if (p.queued > HIGH_WATER) p.upstream.pause()
      return
    }
    p.client.write(chunk)
  }
  const release = (p: Pair, budget: number): void => {
    while (budget > 0 && p.queue.length) {
      const head = p.queue[0]!
      const n = Math.min(budget, head.length)
      if (!p.dead) p.client.write(head.subarray(0, n))
      budget -= n
      p.queued -= n
      if (n === head.length) p.queue.shift()
      else p.queue[0] = head.subarray(n)
    }
    if (p.queued <= HIGH_WATER / 2 && p.upstream.isPaused()) p.upstream.resume()
  }
  const ticker = opts.bytesPerSecond
    ? setInterval(() => {
        for (const p of pairs) release(p, Math.ceil((opts.bytesPerSecond! * TICK_MS) / 1000))
      }, TICK_MS)
    : null
  ticker?.unref()

  const server: Server = createServer((client) => {
    if (down) {
      client.destroy()
      return
    }
    const p: Pair = { client, upstream: connect(targetPort, opts.host ?? '127.0.0.1'), dead: false, passed: 0, queue: [], queued: 0 }
    pairs.add(p)
    const end = (): void => {
      pairs.delete(p)
      client.destroy()
      p.upstream.destroy()
    }
    for (const s of [client, p.upstream]) {
      s.on('error', end)
      s.on('close', end)
    }
    client.on('data', (b: Buffer) => void (p.dead || p.upstream.write(b)))
    p.upstream.on('data', (b: Buffer) => toClient(p, b))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const addr = server.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  const destroyAll = (): number => {
    const n = pairs.size
    for (const p of [...pairs]) {
      p.client.destroy()
      p.upstream.destroy()
    }
    pairs.clear()
    return n
  }
  return {
    port,
    get active() {
      return pairs.size
    },
    cutAll: destroyAll,
    setDown(d) {
      down = d
    },
    swallow() {
      for (const p of pairs) p.dead = true
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (ticker) clearInterval(ticker)
        destroyAll()
        server.close(() => resolve())
      })
  }
}
