import { connect as netConnect, createServer, type Socket } from 'node:net'

/**
 * A TCP proxy on loopback whose open connections can be made to die silently: after swallow(),
 * every byte either side sends is dropped and nothing is closed, as when a NAT or firewall forgets
 * a connection. Connections made after swallow() pass normally.
 */
export interface SilentProxy {
  port: number
  swallow(): void
  close(): Promise<void>
}

export async function startSilentProxy(targetPort: number): Promise<SilentProxy> {
  const open = new Set<{ client: Socket; upstream: Socket; dead: boolean }>()
  const server = createServer((client) => {
    const pair = { client, upstream: netConnect(targetPort, '127.0.0.1'), dead: false }
    open.add(pair)
    client.on('data', (b) => void (pair.dead || pair.upstream.write(b)))
    pair.upstream.on('data', (b) => void (pair.dead || client.write(b)))
    const end = (): void => {
      client.destroy()
      pair.upstream.destroy()
      open.delete(pair)
    }
    for (const s of [client, pair.upstream]) {
      s.on('error', end)
      s.on('close', end)
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('proxy has no port')
  return {
    port: address.port,
    swallow: () => {
      for (const p of open) p.dead = true
    },
    close: async () => {
      for (const p of open) {
        p.client.destroy()
        p.upstream.destroy()
      }
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
