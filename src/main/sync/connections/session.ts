import { connect as netConnect, isIP, type Socket } from 'node:net'
import mysql from 'mysql2/promise'
import type { ConnectionOptions, SslOptions } from 'mysql2'
import { AppError } from '../../../shared/errors'
import type { ResolvedConnection } from './model'

/**
 * Building mysql2 options from a connection, and opening one session with them. Used by the test
 * button, by pool probes, and (through the manager) by the engine for dedicated sessions.
 *
 * Every session is pinned to UTC (`time_zone='+00:00'`): the engine reads and writes TIMESTAMPs as
 * text, and two servers in different zones must agree on what that text means.
 */

export const PIN_SESSION_SQL = "SET time_zone = '+00:00'"

/** Where TCP actually goes when an SSH tunnel is in the way. */
export interface LocalForward {
  port: number
}

/**
 * The TLS options for one attempt. `preferred` first tries TLS without verification and falls
 * back to plain only when the server has no TLS at all (as the mysql client's PREFERRED does).
 */
export function sslOptions(c: ResolvedConnection, attemptTls: boolean): SslOptions | undefined {
  const { mode, ca, cert, key } = c.tls
  if (mode === 'disabled' || !attemptTls) return undefined
  const base: SslOptions = {}
  if (cert) base.cert = cert
  if (key) base.key = key
  switch (mode) {
    case 'preferred':
    case 'required':
      return { ...base, rejectUnauthorized: false }
    case 'verify-ca':
      // Chain checked against the CA (the system's roots when none is given); the name is not.
      return { ...base, ...(ca ? { ca } : {}), rejectUnauthorized: true, verifyIdentity: false }
    case 'verify-identity':
      return { ...base, ...(ca ? { ca } : {}), rejectUnauthorized: true, verifyIdentity: true }
  }
}

/**
 * mysql2 options for a connection. Values come back as the server's text (big numbers, dates) so
 * nothing is bent through JS Number or Date; the engine may ask for Buffers per query.
 */
export function driverOptions(c: ResolvedConnection, forward: LocalForward | null, attemptTls: boolean): ConnectionOptions {
  const opts: ConnectionOptions = {
    // With a tunnel, host stays the real MySQL host so TLS checks the name the certificate carries;
    // the bytes go through the local forward via `stream`.
    host: c.host,
    port: c.port,
    user: c.user,
    password: c.password,
    connectTimeout: c.connectTimeoutMs,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    multipleStatements: false
  }
  if (c.database) opts.database = c.database
  const ssl = sslOptions(c, attemptTls)
  if (ssl) opts.ssl = ssl
  // verify-identity to an IP address: mysql2 sends no SNI for an IP (TLS forbids it) and so gives
  // Node no name to check; Node then checks the certificate against the socket's `_host`, which
  // net.connect leaves unset for an IP, and in the end against "localhost". Unfixed, a connection
  // to 10.0.0.5 would refuse a certificate naming 10.0.0.5 and accept any trusted one naming
  // localhost. So the socket is opened here and names the address the user gave (Node's own
  // fallback reads exactly that property, and nothing else does).
  const nameIp = ssl?.verifyIdentity === true && isIP(c.host) !== 0
  if (forward || nameIp) {
    const port = forward ? forward.port : c.port
    const host = forward ? '127.0.0.1' : c.host
    opts.stream = (o?: { config?: { enableKeepAlive?: boolean; keepAliveInitialDelay?: number } }) => {
      const s = netConnect(port, host)
      s.setNoDelay(true)
      // mysql2 does this itself only for sockets it opens.
      if (!forward && o?.config?.enableKeepAlive !== false) s.setKeepAlive(true, o?.config?.keepAliveInitialDelay ?? 0)
      if (nameIp) (s as Socket & { _host?: string })._host = c.host
      return s
    }
  }
  return opts
}

export function wantsTls(c: ResolvedConnection): boolean {
  return c.tls.mode !== 'disabled'
}

export interface OpenedSession {
  conn: mysql.Connection
  /** Whether TLS ended up in use (`preferred` may fall back to plain). */
  tls: boolean
}

/**
 * Opens one session and pins it. mysql2's connectTimeout covers TCP connect, the server greeting,
 * TLS and authentication (its timer runs until the handshake command ends); the extra guard here
 * only catches anything that could still hang past it, so a caller always gets an answer.
 */
export async function openSession(c: ResolvedConnection, forward: LocalForward | null): Promise<OpenedSession> {
  try {
    return await attempt(c, forward, wantsTls(c))
  } catch (err) {
    if (c.tls.mode === 'preferred' && (err as { code?: string }).code === 'HANDSHAKE_NO_SSL_SUPPORT') {
      return attempt(c, forward, false)
    }
    throw err
  }
}

async function attempt(c: ResolvedConnection, forward: LocalForward | null, tls: boolean): Promise<OpenedSession> {
  const pending = mysql.createConnection(driverOptions(c, forward, tls))
  let timer: NodeJS.Timeout | undefined
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new AppError('TIMEOUT', `${c.host}:${c.port} did not complete the MySQL handshake in time.`))
      // Whatever arrives late is closed, never leaked.
      pending.then((late) => late.destroy(), () => undefined)
    }, c.connectTimeoutMs + 1000)
  })
  try {
    const conn = await Promise.race([pending, guard])
    conn.on('error', () => undefined) // errors after this point surface on the next query
    try {
      await conn.query(PIN_SESSION_SQL)
    } catch (err) {
      conn.destroy()
      throw err
    }
    return { conn, tls }
  } finally {
    clearTimeout(timer)
  }
}
