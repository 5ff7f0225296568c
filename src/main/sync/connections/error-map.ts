import { AppError, type ErrorBody, type ErrorCode } from '../../../shared/errors'
import type { ResolvedConnection } from './model'

/**
 * Turns what mysql2, Node's net/tls and ssh2 throw into the contract's stable codes with a plain
 * message a person can act on. The driver's own wording is kept where it helps (the server's
 * "Access denied for user ..." names the user and host it saw) and never carries a password; the
 * caller still runs every message through the redactor as a second net.
 */

export interface Endpoint {
  host: string
  port: number
  user?: string
  database?: string | null
  /** Set when the MySQL server is reached through an SSH tunnel. */
  viaSsh?: string
}

type DriverError = Error & { code?: string; errno?: number | string; sqlMessage?: string; library?: string; reason?: string }

const TLS_CODES = new Set([
  'HANDSHAKE_NO_SSL_SUPPORT',
  'HANDSHAKE_SSL_ERROR',
  'EPROTO',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_OSSL_PEM_NO_START_LINE',
  'ERR_OSSL_X509_KEY_VALUES_MISMATCH'
])

const UNREACHABLE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL', 'EHOSTDOWN', 'ENETDOWN'])

export function endpointOf(c: ResolvedConnection): Endpoint {
  return {
    host: c.host,
    port: c.port,
    user: c.user,
    database: c.database,
    viaSsh: c.ssh ? `${c.ssh.user}@${c.ssh.host}:${c.ssh.port}` : undefined
  }
}

/** The MySQL server, as a person would name it. */
function where(e: Endpoint): string {
  return `${e.host}:${e.port}${e.viaSsh ? ` (through the SSH tunnel via ${e.viaSsh})` : ''}`
}

export function classifyConnectError(err: unknown, e: Endpoint): ErrorBody {
  if (err instanceof AppError) return { code: err.code, message: err.message }
  const de = (err ?? {}) as DriverError
  const code = de.code ?? ''
  const serverSaid = de.sqlMessage ?? de.message ?? String(err)
  const body = (c: ErrorCode, message: string): ErrorBody => ({ code: c, message })

  switch (code) {
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
      return body('AUTH_FAILED', `${where(e)} refused the login: ${serverSaid}. Check the user name and password.`)
    case 'ER_DBACCESS_DENIED_ERROR':
      return body('AUTH_FAILED', `${where(e)} refused access to the database: ${serverSaid}.`)
    case 'ER_HOST_NOT_PRIVILEGED':
    case 'ER_HOST_IS_BLOCKED':
      return body('AUTH_FAILED', `${where(e)} does not let this client in: ${serverSaid}.`)
    case 'ER_BAD_DB_ERROR':
      return body('UNKNOWN_DATABASE', `Database "${e.database ?? ''}" does not exist on ${where(e)}.`)
    case 'ECONNREFUSED':
      return body('CONNECTION_REFUSED', `Nothing accepts connections at ${where(e)} (connection refused). Is the server running and the port right?`)
    case 'ETIMEDOUT':
    case 'PROTOCOL_SEQUENCE_TIMEOUT':
      return body('TIMEOUT', `${where(e)} did not complete the MySQL handshake in time.`)
    case 'ER_CON_COUNT_ERROR':
      return body('UNAVAILABLE', `${where(e)} has too many connections: ${serverSaid}.`)
    case 'ECONNRESET':
    case 'PROTOCOL_CONNECTION_LOST':
    case 'EPIPE':
      return body('CONNECTION_REFUSED', `${where(e)} closed the connection before the login finished. Is it a MySQL server, and does it require TLS?`)
  }
  if (UNREACHABLE_CODES.has(code)) {
    const what = code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? `cannot resolve the host name "${e.host}"` : `no route to ${e.host}`
    return body('HOST_UNREACHABLE', `${where(e)} is unreachable: ${what}.`)
  }
  if (TLS_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || de.library === 'SSL routines') {
    const reason =
      code === 'HANDSHAKE_NO_SSL_SUPPORT'
        ? 'the server does not support TLS; set the TLS mode to "preferred" or "disabled", or enable TLS on the server'
        : de.message
    return body('TLS_FAILED', `TLS with ${where(e)} failed: ${reason}.`)
  }
  return body('UNAVAILABLE', `Cannot use ${where(e)}: ${code ? `${code}: ` : ''}${serverSaid}`)
}

/** Same classification, as an AppError to throw from browse calls and pool opening. */
export function connectAppError(err: unknown, e: Endpoint): AppError {
  if (err instanceof AppError) return err
  const b = classifyConnectError(err, e)
  const app = new AppError(b.code, b.message)
  // Kept (never serialized) so the job engine can tell a full or stopping server, which is worth
  // another try, from the other things UNAVAILABLE covers.
  Object.defineProperty(app, 'cause', { value: err, enumerable: false })
  return app
}

/** The codes that mean "could not connect or log in" (CLI exit 3, health "down"). */
export const CONNECT_FAILURE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'AUTH_FAILED',
  'HOST_UNREACHABLE',
  'CONNECTION_REFUSED',
  'TIMEOUT',
  'TLS_FAILED',
  'SSH_AUTH_FAILED',
  'SSH_HOST_KEY_MISMATCH',
  'UNKNOWN_DATABASE',
  'UNAVAILABLE'
])
