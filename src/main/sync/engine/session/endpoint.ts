import mysql from 'mysql2/promise'
import type { Connection, ConnectionOptions } from 'mysql2/promise'
import { AppError } from '../../../../shared/errors'
import { readFileSync } from 'node:fs'
import type { TlsMode } from '../../../../shared/connections'
import { connectAppError } from '../../connections/error-map'
import type { ResolvedConnection } from '../../connections/model'
import { driverOptions } from '../../connections/session'
import { connectRequestingBulk } from './wire'

/**
 * Where the engine reads from or writes to. A saved connection (with its TLS and SSH tunnel) and a
 * `mysql://` URL from the CLI both become an Endpoint; the engine only ever calls `connect`.
 */
export interface Endpoint {
  /** For messages and logs; never contains a password. */
  label: string
  /** Database named by the URL or connection, if any. */
  database?: string
  /** Whether this endpoint may be written to (read-only connections such as production may not). */
  readOnly?: boolean
  /** mysql2 options; the engine adds what each session needs (flags, charset). */
  options: ConnectionOptions
}

/**
 * Session settings pinned on every engine session, so two servers with different defaults agree:
 * TIMESTAMPs as UTC text, and a known sql_mode (zero dates and invalid ENUM values as the source
 * holds them load unchanged; NO_AUTO_VALUE_ON_ZERO keeps a 0 in an AUTO_INCREMENT column a 0).
 */
export const ENGINE_SQL_MODE = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'

export type SessionRole = 'read' | 'write' | 'meta'

export async function openSession(ep: Endpoint, role: SessionRole, extra: ConnectionOptions = {}): Promise<Connection> {
  const options: ConnectionOptions = {
    ...ep.options,
    ...extra,
    // Rows come back as the server's own bytes; nothing is bent through JS Number or Date.
    typeCast: false,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    multipleStatements: false,
    charset: extra.charset ?? 'UTF8MB4_GENERAL_CI'
  }
  if (role === 'write') {
    options.flags = [...asArray(ep.options.flags), '+LOCAL_FILES']
  }
  let conn: Connection
  try {
    // Writers also ask MariaDB for array binding (see bulk-writer.ts); harmless where it is not used.
    conn = role === 'write' ? await connectRequestingBulk(options) : await mysql.createConnection(options)
  } catch (err) {
    throw connectAppError(err, { host: String(options.host ?? ''), port: Number(options.port ?? 3306), user: options.user, database: options.database })
  }
  try {
    await conn.query(`SET SESSION time_zone = '+00:00', SESSION sql_mode = '${ENGINE_SQL_MODE}'`)
    if (role === 'write') {
      // A copy is a bulk load of rows the source already checked; re-checking them row by row on the
      // target only costs time. Constraints are (re)created after the load.
      await conn.query('SET SESSION foreign_key_checks = 0, SESSION unique_checks = 0')
      // The same for CHECK constraints (MariaDB): a source row that predates a constraint must
      // still arrive, as it is.
      await conn.query('SET SESSION check_constraint_checks = 0').catch(() => undefined)
      // Create what the source has even where the target's defaults are stricter (row size checks).
      await conn.query('SET SESSION innodb_strict_mode = 0').catch(() => undefined)
    }
  } catch (err) {
    conn.destroy()
    throw err
  }
  return conn
}

function asArray(flags: ConnectionOptions['flags']): string[] {
  if (!flags) return []
  return Array.isArray(flags) ? flags : String(flags).split(',')
}

/**
 * `mysql://user:pass@host:port/db`. The password may also come from the environment (the CLI passes
 * DBT_SOURCE_URL / DBT_TARGET_URL so it stays out of the process list). `what` names where the URL
 * came from (`--source`, `DBT_SOURCE_URL`); messages never repeat the URL, which may hold a password.
 */
export function endpointFromUrl(url: string, what: string): Endpoint {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new AppError('VALIDATION', `${what} is not a URL; expected mysql://user:pass@host:port/db`)
  }
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') {
    throw new AppError('VALIDATION', `${what} must start with mysql:// (got ${u.protocol}//)`)
  }
  const host = u.hostname.replace(/^\[|\]$/g, '')
  if (!host) throw new AppError('VALIDATION', `${what} has no host`)
  // The URL parser already refuses ports past 65535; 0 is no port to connect to.
  const port = u.port ? Number(u.port) : 3306
  if (port === 0) throw new AppError('VALIDATION', `${what} has port 0; expected a port from 1 to 65535`)
  const user = decodePart(u.username, what, 'user') || 'root'
  const password = decodePart(u.password, what, 'password')
  const database = decodePart(u.pathname.replace(/^\//, ''), what, 'database') || undefined
  if (database !== undefined && database.length > 64) throw new AppError('VALIDATION', `${what} names a database longer than 64 characters`)
  const options: ConnectionOptions = { host, port, user, password, connectTimeout: 10_000 }
  const mode = urlTlsMode(u.searchParams.get('ssl-mode') ?? u.searchParams.get('tls'), what)
  if (mode !== 'disabled') {
    const caPath = u.searchParams.get('ssl-ca')
    let ca: string | null = null
    if (caPath) {
      try {
        ca = readFileSync(caPath, 'utf8')
      } catch (err) {
        throw new AppError('VALIDATION', `${what}: ssl-ca ${caPath} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
      }
    }
    // The same TLS options as a saved connection's (session.ts): verify-identity checks the host
    // name, also for an IP address; verify-ca the chain only.
    const resolved: ResolvedConnection = {
      id: null,
      name: what,
      host,
      port,
      user,
      password,
      database: database ?? null,
      tls: { mode, ca, cert: null, key: null },
      ssh: null,
      connectTimeoutMs: 10_000,
      poolSize: 1,
      readOnly: false
    }
    const tlsOptions = driverOptions(resolved, null, true)
    options.ssl = tlsOptions.ssl
    if (tlsOptions.stream) options.stream = tlsOptions.stream
  }
  return { label: `${user}@${host.includes(':') ? `[${host}]` : host}:${port}`, database, options }
}

const URL_TLS_MODES: Record<string, TlsMode> = {
  disabled: 'disabled',
  preferred: 'preferred',
  required: 'required',
  'verify-ca': 'verify-ca',
  verify_ca: 'verify-ca',
  'verify-identity': 'verify-identity',
  verify_identity: 'verify-identity'
}

/** `?ssl-mode=` (or `tls=`) as the mysql client spells it; a typo is refused rather than read as no verification. */
function urlTlsMode(value: string | null, what: string): TlsMode {
  if (value === null) return 'disabled'
  const mode = URL_TLS_MODES[value.toLowerCase()]
  if (!mode) throw new AppError('VALIDATION', `${what}: ssl-mode must be one of disabled, preferred, required, verify-ca, verify-identity (got "${value.slice(0, 40)}")`)
  return mode
}

/**
 * Percent-decodes one part of the URL. A malformed escape (`%ZZ`, a lone `%`, bytes that are not
 * UTF-8) is the user's typo, reported naming the flag or variable, never echoing the part (it may
 * be the password). A NUL would cut the value short inside the driver.
 */
function decodePart(text: string, what: string, part: 'user' | 'password' | 'database'): string {
  let out: string
  try {
    out = decodeURIComponent(text)
  } catch {
    throw new AppError('VALIDATION', `${what} has a malformed percent-escape in its ${part}; write % as %25 (and encode other special characters the same way)`)
  }
  if (out.includes('\0')) throw new AppError('VALIDATION', `${what} has a NUL character (%00) in its ${part}`)
  return out
}
