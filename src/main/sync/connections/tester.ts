import type mysql from 'mysql2/promise'
import type { ConnectionTestReport } from '../../../shared/connections'
import type { Logger } from '../logging/logger'
import type { Redactor } from '../logging/redact'
import { classifyConnectError, endpointOf } from './error-map'
import { evaluatePrivileges } from './grants'
import type { ResolvedConnection } from './model'
import { openSession } from './session'
import { SshTunnel } from './ssh-tunnel'

/**
 * The Test button: really connects (through the SSH tunnel when set), then asks the server what a
 * sync will care about. Always answers a report; failures carry a stable code and a plain message.
 * Uses its own session and tunnel, never the pool, so it tests exactly what the form says.
 */

export interface TesterDeps {
  logger: Logger
  redactor: Redactor
}

type Row = Record<string, unknown>

export async function testConnection(c: ResolvedConnection, deps: TesterDeps): Promise<ConnectionTestReport> {
  const started = performance.now()
  const elapsed = (): number => Math.round(performance.now() - started)
  let tunnel: SshTunnel | null = null
  let conn: mysql.Connection | null = null
  try {
    let forward: { port: number } | null = null
    if (c.ssh) {
      tunnel = new SshTunnel({ ssh: c.ssh, dstHost: c.host, dstPort: c.port, readyTimeoutMs: c.connectTimeoutMs, logger: deps.logger })
      forward = await tunnel.open()
    }
    let session
    try {
      session = await openSession(c, forward)
    } catch (err) {
      // Through a tunnel, mysql2 only sees a closed socket; the tunnel knows why.
      throw tunnel?.lastError ?? err
    }
    conn = session.conn
    const facts = await inspect(conn, c.database)
    return {
      ok: true,
      durationMs: elapsed(),
      ssh: sshPart(c, tunnel),
      ...facts,
      tls: { ...facts.tls, inUse: facts.tls.inUse || session.tls }
    }
  } catch (err) {
    const body = classifyConnectError(err, endpointOf(c))
    deps.logger.debug('connection test failed', { connection: c.name, code: body.code, err })
    return {
      ok: false,
      error: { code: body.code, message: deps.redactor.text(body.message) },
      durationMs: elapsed(),
      ssh: sshPart(c, tunnel)
    }
  } finally {
    conn?.destroy()
    await tunnel?.close()
  }
}

function sshPart(c: ResolvedConnection, tunnel: SshTunnel | null): ConnectionTestReport['ssh'] {
  return tunnel?.presentedFingerprint ? { inUse: c.ssh !== null, hostKeyFingerprint: tunnel.presentedFingerprint } : { inUse: c.ssh !== null }
}

type Facts = Omit<ConnectionTestReport, 'ok' | 'error' | 'durationMs' | 'ssh'> & { tls: NonNullable<ConnectionTestReport['tls']> }

/** Asks an open session what the report needs. Pure reads; nothing the user lacks rights for. */
export async function inspect(conn: mysql.Connection, database: string | null): Promise<Facts> {
  const t0 = performance.now()
  await conn.query('SELECT 1')
  const latencyMs = Math.round((performance.now() - t0) * 10) / 10

  const [varRows] = await conn.query(
    `SELECT VERSION() AS version, @@version_comment AS comment, @@local_infile AS local_infile,
            @@max_allowed_packet AS max_allowed_packet, @@global.time_zone AS time_zone,
            @@system_time_zone AS system_time_zone, @@character_set_server AS charset,
            @@collation_server AS collation, @@read_only AS read_only`
  )
  const v = (varRows as Row[])[0] ?? {}
  const [statusRows] = await conn.query("SHOW SESSION STATUS WHERE Variable_name IN ('Ssl_cipher', 'Ssl_version')")
  const status = Object.fromEntries((statusRows as Row[]).map((r) => [String(r.Variable_name), String(r.Value ?? '')]))
  const [grantRows] = await conn.query('SHOW GRANTS')
  const grants = (grantRows as Row[]).map((r) => String(Object.values(r)[0] ?? ''))

  const version = String(v.version ?? '')
  const comment = String(v.comment ?? '')
  const cipher = status.Ssl_cipher || null
  return {
    serverVersion: version,
    flavor: /mariadb/i.test(version) || /mariadb/i.test(comment) ? 'mariadb' : 'mysql',
    latencyMs,
    tls: { inUse: cipher !== null, cipher, version: status.Ssl_version || null },
    privileges: { database, ...evaluatePrivileges(grants, database) },
    localInfile: truthy(v.local_infile),
    maxAllowedPacket: Number(v.max_allowed_packet),
    timeZone: String(v.time_zone ?? ''),
    systemTimeZone: String(v.system_time_zone ?? ''),
    defaultCharset: String(v.charset ?? ''),
    defaultCollation: String(v.collation ?? ''),
    serverReadOnly: truthy(v.read_only)
  }
}

function truthy(v: unknown): boolean {
  return v === 1 || v === '1' || v === true || (typeof v === 'string' && v.toUpperCase() === 'ON')
}
