import mysql from 'mysql2/promise'
import type { ConnectionOptions, Pool as CorePool, PoolConnection as CorePoolConnection } from 'mysql2'
import type { Logger } from '../logging/logger'
import { connectAppError, endpointOf } from './error-map'
import type { ResolvedConnection } from './model'
import { driverOptions, openSession, PIN_SESSION_SQL, type LocalForward } from './session'
import { SshTunnel } from './ssh-tunnel'

/**
 * One connection's mysql2 pool (and its SSH tunnel when set). Opened lazily on first use; a
 * failed open leaves no pool behind, so the next use or health check simply tries again.
 *
 * Before the pool exists, one probe session decides whether TLS is in use: a pool cannot fall
 * back per connection, so `preferred` is settled once against the real server.
 */
export class PoolHandle {
  private pool: mysql.Pool | null = null
  private opening: Promise<mysql.Pool> | null = null
  private tunnel: SshTunnel | null = null
  private closed = false
  /** Settled by the probe when the pool opens (`preferred` may fall back to plain). */
  private tlsInUse = false

  constructor(
    readonly conn: ResolvedConnection,
    private readonly logger: Logger
  ) {}

  get isOpen(): boolean {
    return this.pool !== null
  }

  /** The pool, opening it (tunnel, probe, pool) when needed. Errors are AppErrors with contract codes. */
  get(): Promise<mysql.Pool> {
    if (this.closed) return Promise.reject(new Error('connection pool closed'))
    if (this.pool) return Promise.resolve(this.pool)
    if (!this.opening) {
      this.opening = this.open().finally(() => {
        this.opening = null
      })
    }
    return this.opening
  }

  /**
   * A dedicated session outside the pool (long reads, LOAD DATA, a consistent snapshot), with the
   * pool's TLS decision and through the same tunnel. The caller ends it.
   */
  async session(): Promise<mysql.Connection> {
    await this.get()
    const forward = this.tunnel ? await this.tunnel.open() : null
    try {
      return (await openSession(this.conn, forward)).conn
    } catch (err) {
      throw connectAppError(this.tunnel?.lastError ?? err, endpointOf(this.conn))
    }
  }

  /**
   * mysql2 options for sessions the engine opens itself (it sets its own flags, charset and type
   * handling): the pool's TLS decision, through the same tunnel.
   */
  async engineOptions(): Promise<ConnectionOptions> {
    await this.get()
    const forward = this.tunnel ? await this.tunnel.open() : null
    return driverOptions(this.conn, forward, this.tlsInUse)
  }

  private async open(): Promise<mysql.Pool> {
    const c = this.conn
    let forward: LocalForward | null = null
    try {
      if (c.ssh) {
        this.tunnel ??= new SshTunnel({ ssh: c.ssh, dstHost: c.host, dstPort: c.port, readyTimeoutMs: c.connectTimeoutMs, logger: this.logger })
        forward = await this.tunnel.open()
      }
      const probe = await openSession(c, forward).catch((err: unknown) => {
        throw this.tunnel?.lastError ?? err
      })
      probe.conn.destroy()
      this.tlsInUse = probe.tls
      const pool = mysql.createPool({
        ...driverOptions(c, forward, probe.tls),
        connectionLimit: c.poolSize,
        maxIdle: c.poolSize,
        idleTimeout: 60_000,
        waitForConnections: true,
        queueLimit: 0,
        enableKeepAlive: true
      })
      // Every pooled session is pinned before any caller's query (commands queue in order).
      const core = (pool as unknown as { pool: CorePool }).pool
      core.on('connection', (pc: CorePoolConnection) => {
        pc.query(PIN_SESSION_SQL, (err: Error | null) => {
          if (err) this.logger.warn('could not pin a pooled session to UTC', { connection: c.name, message: err.message })
        })
      })
      if (this.closed) {
        await pool.end().catch(() => undefined)
        throw new Error('connection pool closed')
      }
      this.pool = pool
      this.logger.debug('connection pool opened', { connection: c.name, tls: probe.tls, ssh: c.ssh !== null })
      return pool
    } catch (err) {
      throw connectAppError(err, endpointOf(c))
    }
  }

  /**
   * One health check: a round trip on a pooled session, bounded by the connection's timeout.
   * When every pooled session is busy (a long copy), a one-off session answers instead, so a busy
   * pool is not mistaken for a dead server. Returns the round trip in ms.
   */
  async ping(): Promise<number> {
    const c = this.conn
    const pool = await this.get()
    const timeoutMs = c.connectTimeoutMs
    if (this.saturated(pool)) {
      const s = await openSession(c, this.tunnel ? await this.tunnel.open() : null)
      try {
        return await timed(() => s.conn.query('SELECT 1'), timeoutMs, () => s.conn.destroy())
      } finally {
        s.conn.destroy()
      }
    }
    let conn: mysql.PoolConnection
    try {
      conn = await withTimeout(pool.getConnection(), timeoutMs, (late) => late.release())
    } catch (err) {
      throw connectAppError(this.tunnel?.lastError ?? err, endpointOf(c))
    }
    try {
      const ms = await timed(() => conn.query('SELECT 1'), timeoutMs, () => conn.destroy())
      conn.release()
      return ms
    } catch (err) {
      conn.destroy()
      throw connectAppError(err, endpointOf(c))
    }
  }

  private saturated(pool: mysql.Pool): boolean {
    // mysql2 keeps these arrays on the core pool; read defensively, they are not public API.
    const core = (pool as unknown as { pool: { _allConnections?: { length: number }; _freeConnections?: { length: number } } }).pool
    const all = core._allConnections?.length
    const free = core._freeConnections?.length
    return all !== undefined && free !== undefined && all >= this.conn.poolSize && free === 0
  }

  async close(): Promise<void> {
    this.closed = true
    const pool = this.pool ?? (await this.opening?.catch(() => null)) ?? null
    this.pool = null
    if (pool) await pool.end().catch((err: unknown) => this.logger.debug('closing a pool failed', { err }))
    await this.tunnel?.close()
    this.tunnel = null
  }
}

class CheckTimeout extends Error {
  readonly code = 'ETIMEDOUT'
  constructor() {
    super('health check timed out')
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, onLate: (v: T) => void): Promise<T> {
  let timedOut = false
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      timedOut = true
      reject(new CheckTimeout())
    }, ms)
    p.then(
      (v) => {
        clearTimeout(timer)
        if (timedOut) onLate(v)
        else resolve(v)
      },
      (e: unknown) => {
        clearTimeout(timer)
        reject(e instanceof Error ? e : new Error(String(e)))
      }
    )
  })
}

async function timed(fn: () => Promise<unknown>, ms: number, onTimeout: () => void): Promise<number> {
  const t0 = performance.now()
  try {
    await withTimeout(fn(), ms, () => undefined)
  } catch (err) {
    if (err instanceof CheckTimeout) onTimeout()
    throw err
  }
  return Math.round((performance.now() - t0) * 10) / 10
}
