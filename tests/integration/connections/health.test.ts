import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectionInfo, ConnectionStatusEvent } from '../../../src/shared/contract'
import { call, removeDir, startIsolatedServer, startSystem, tempDir, waitFor, type TestSystem } from './support'

/**
 * Background health of an open pool against a private server that is killed and started again:
 * the status goes down (event), retries back off, and it is connected again with no user action.
 */

describe('connection health', () => {
  let server: Awaited<ReturnType<typeof startIsolatedServer>>
  let t: TestSystem
  let dataDir: string

  beforeAll(async () => {
    server = await startIsolatedServer()
    dataDir = tempDir('health')
    // A short interval keeps the test quick; the rules are the same as with the 15s default.
    t = startSystem(dataDir, { DBT_CONNECTIONS_HEALTH_INTERVAL: '200ms' })
    await t.system.start()
  })

  afterAll(async () => {
    await t?.stop()
    await server?.stopAll()
    if (dataDir) removeDir(dataDir)
  })

  const statusEvents = (id: string): ConnectionStatusEvent[] =>
    t.events.filter((e) => e.name === 'connection.status' && (e.payload as ConnectionStatusEvent).connectionId === id).map((e) => e.payload as ConnectionStatusEvent)

  it('goes down when the server dies, backs off, and reconnects by itself when it returns', async () => {
    const c = await call<ConnectionInfo>(t.dispatch, 'connections.create', {
      name: 'private',
      host: '127.0.0.1',
      port: server.port,
      user: 'root',
      password: '',
      tls: { mode: 'disabled' },
      connectTimeoutMs: 2000
    })
    expect(t.system.connections.health(c.id).state).toBe('idle')
    await call(t.dispatch, 'connections.databases', { id: c.id })
    expect(statusEvents(c.id).map((e) => e.status)).toEqual(['connected'])
    expect(t.system.connections.connectedCount()).toBe(1)

    // Several healthy checks in a row emit nothing more: events are for changes only.
    await waitFor('three healthy checks', () => {
      const h = t.system.connections.health(c.id)
      return h.checkedAt !== null && Date.now() - Date.parse(h.checkedAt) < 1000 && statusEvents(c.id).length === 1 && h.failures === 0
    })
    await new Promise((r) => setTimeout(r, 700))
    expect(statusEvents(c.id).map((e) => e.status)).toEqual(['connected'])

    server.kill()
    const down = await waitFor('a down event', () => statusEvents(c.id).find((e) => e.status === 'down'))
    expect(['CONNECTION_REFUSED', 'UNAVAILABLE', 'TIMEOUT']).toContain(down.error?.code)
    expect(down.retryInMs).toBeGreaterThan(0)
    // The first failure after being up only degrades; the second makes it down.
    expect(statusEvents(c.id).map((e) => e.status)).toEqual(['connected', 'degraded', 'down'])
    expect(t.system.connections.connectedCount()).toBe(0)

    // Record the delay chosen after each failure: it grows (x2 nominal, jitter at most +-20%).
    const delays = new Map<number, number>()
    await waitFor(
      'four failed checks',
      () => {
        const h = t.system.connections.health(c.id)
        if (h.failures > 0 && h.retryInMs !== null) delays.set(h.failures, h.retryInMs)
        return h.failures >= 4
      },
      20_000,
      5
    )
    // Each failure count's delay stands for at least that delay (>= 100 ms) and the poll looks every
    // 5 ms, so no count from the first one seen to the fourth is missed: the counts are consecutive
    // and every delay is longer than the one before.
    const seen = [...delays.entries()].sort((a, b) => a[0] - b[0])
    expect(seen.length).toBeGreaterThanOrEqual(3)
    expect(seen.map(([f]) => f)).toEqual(Array.from({ length: seen.length }, (_, i) => seen[0]![0] + i))
    for (let i = 1; i < seen.length; i++) {
      const [fa, da] = seen[i - 1]!
      const [fb, db] = seen[i]!
      expect(db, `delay after failure ${fb} vs ${fa}`).toBeGreaterThan(da)
    }
    const list = await call<ConnectionInfo[]>(t.dispatch, 'connections.list', {})
    expect(list[0]!.health.state).toBe('down')

    await server.restart()
    await waitFor('a connected event after the restart', () => statusEvents(c.id).filter((e) => e.status === 'connected').length === 2, 20_000)
    expect(statusEvents(c.id).at(-1)!.status).toBe('connected')
    expect(t.system.connections.health(c.id).failures).toBe(0)
    expect(t.system.connections.connectedCount()).toBe(1)
    // And the pool serves queries again.
    const dbs = await call<unknown[]>(t.dispatch, 'connections.databases', { id: c.id })
    expect(dbs).toBeInstanceOf(Array)
  })

  it('applies a changed interval from the Settings page without a restart', async () => {
    const dir = tempDir('health-interval')
    const other = startSystem(dir) // default interval (15s), no environment override
    try {
      await other.system.start()
      const c = await call<ConnectionInfo>(other.dispatch, 'connections.create', {
        name: 'p2',
        host: '127.0.0.1',
        port: server.port,
        user: 'root',
        tls: { mode: 'disabled' }
      })
      await call(other.dispatch, 'connections.databases', { id: c.id })
      expect(other.system.connections.health(c.id).retryInMs).toBe(15_000)
      await call(other.dispatch, 'settings.update', { values: { 'connections.health_interval': '250ms' } })
      expect(other.system.connections.health(c.id).retryInMs).toBe(250)
      const before = other.system.connections.health(c.id).checkedAt
      await waitFor('a check at the new interval', () => other.system.connections.health(c.id).checkedAt !== before, 5000)
    } finally {
      await other.stop()
      removeDir(dir)
    }
  })
})
