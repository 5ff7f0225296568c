import { AppError } from '../../../../shared/errors'

/**
 * Which failures are worth another attempt. Transient: the network or the server let us down for
 * a moment (connection lost, reset or refused, server gone away or shutting down, a deadlock, a
 * lock wait timeout); the same work is likely to succeed a little later. Everything else
 * (credentials, schema, validation, a missing table, a bad filter, a verification mismatch) would
 * fail the same way again and is final at once.
 */

/** Node and mysql2 error codes of a lost or unreachable connection. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_CONNECTION_KILLED'
])

/** Server error numbers: 1040 too many connections, 1053 shutting down, 1158-1161 network read or
 * write errors, 1205 lock wait timeout, 1213 deadlock, 1317 query interrupted (by a shutdown), 1927
 * connection killed (MariaDB), 2002/2003 cannot connect, 2006 gone away, 2013 and 2055 lost
 * connection, 4031 disconnected by the server for inactivity (MySQL 8). */
const TRANSIENT_ERRNOS = new Set([1040, 1053, 1158, 1159, 1160, 1161, 1205, 1213, 1317, 1927, 2002, 2003, 2006, 2013, 2055, 4031])

/** Codes of our own errors that mean "could not reach the server right now". UNAVAILABLE (too many
 * connections, a server shutting down, anything else unexpected while connecting) is judged by the
 * driver error it wraps. */
const TRANSIENT_APP_CODES = new Set(['CONNECTION_REFUSED', 'HOST_UNREACHABLE', 'TIMEOUT', 'CONNECTION_LOST'])

/** mysql2 reports use of a session that already died with only a message. */
const TRANSIENT_MESSAGES = [
  /can't add new command when connection is in closed state/i,
  /connection lost/i,
  /every source reader connection was lost/i,
  /LOAD DATA ended before its input did/i
]

export function isTransientError(err: unknown): boolean {
  if (err instanceof AppError) {
    if (TRANSIENT_APP_CODES.has(err.code)) return true
    // A wrapped cause (e.g. the first failure of a table) decides for its wrapper.
    return err.cause !== undefined && err.cause !== err && isTransientError(err.cause)
  }
  if (!err || typeof err !== 'object') return false
  const e = err as { code?: unknown; errno?: unknown; message?: unknown; name?: unknown }
  if (e.name === 'AbortError') return false
  if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true
  if (typeof e.errno === 'number' && TRANSIENT_ERRNOS.has(e.errno)) return true
  const msg = typeof e.message === 'string' ? e.message : ''
  return TRANSIENT_MESSAGES.some((re) => re.test(msg))
}

/** A session dropped by the server or the network (as opposed to a deadlock or a lock wait). */
export function isConnectionLoss(err: unknown): boolean {
  if (!isTransientError(err) || err instanceof AppError) return false
  const e = err as { code?: unknown; errno?: unknown }
  return !(e.code === 'ER_LOCK_DEADLOCK' || e.code === 'ER_LOCK_WAIT_TIMEOUT' || e.errno === 1213 || e.errno === 1205 || e.errno === 1040)
}

/**
 * Delay before retry number `retry` (1-based): `base` doubled each time, times a jitter between
 * 0.5 and 1.5 so jobs that failed together do not come back together, capped at `max`.
 */
export function backoffDelay(retry: number, base: number, max = 60_000, random = Math.random): number {
  const exp = base * 2 ** Math.max(0, retry - 1)
  return Math.round(Math.min(max, exp) * (0.5 + random()))
}
