import mysql from 'mysql2/promise'
import type { Connection, ConnectionOptions } from 'mysql2/promise'
import { AppError } from '../../../shared/errors'
import { connectAppError } from '../connections/error-map'
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
 * DBT_SOURCE_URL / DBT_TARGET_URL so it stays out of the process list).
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
  const port = u.port ? Number(u.port) : 3306
  const user = decodeURIComponent(u.username || 'root')
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined
  const options: ConnectionOptions = { host, port, user, password: decodeURIComponent(u.password), connectTimeout: 10_000 }
  const tls = u.searchParams.get('ssl-mode') ?? u.searchParams.get('tls')
  if (tls && tls.toLowerCase() !== 'disabled') {
    options.ssl = { rejectUnauthorized: ['verify-ca', 'verify_ca', 'verify-identity', 'verify_identity'].includes(tls.toLowerCase()) }
  }
  return { label: `${user}@${host.includes(':') ? `[${host}]` : host}:${port}`, database, options }
}
