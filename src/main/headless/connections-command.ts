import type { Command } from 'commander'
import type { ConnectionInfo, ConnectionTestReport } from '../../shared/connections'
import { AppError } from '../../shared/errors'
import type { ConfigLayers } from '../sync/config/layers'
import { CONNECT_FAILURE_CODES } from '../sync/connections/error-map'
import type { SyncSystem } from '../sync/system'
import { EXIT } from './exit-codes'

/**
 * `db-taxi connections list` and `db-taxi connections test NAME`: results on stdout (JSON with
 * --json), logs on stderr. A test that could not connect or log in exits 3; an unknown name is a
 * usage error (2).
 */

export interface ConnectionsCommandDeps {
  /** Adds --config, --data-dir, --log-level, --log-format. */
  withCommon: (cmd: Command) => Command
  /** Turns those common options into the config layers. */
  layersFrom: (opts: Record<string, unknown>) => Promise<ConfigLayers>
  setExit: (code: number) => void
  out?: NodeJS.WritableStream
}

async function withSystem<T>(layers: Promise<ConfigLayers>, fn: (s: SyncSystem) => Promise<T>): Promise<T> {
  const { createSyncSystem } = await import('../sync/system')
  const system = createSyncSystem({ layers: await layers, mode: 'headless', consoleLog: true })
  try {
    return await fn(system)
  } finally {
    await system.stop(5_000)
  }
}

export function registerConnectionCommands(program: Command, deps: ConnectionsCommandDeps): void {
  const out = deps.out ?? process.stdout
  const group = program.command('connections').description('Saved MySQL/MariaDB connections.')

  deps
    .withCommon(group.command('list'))
    .description('List saved connections (secrets are never shown).')
    .option('--json', 'print JSON')
    .action(async (o: Record<string, unknown>) => {
      const list = await withSystem(deps.layersFrom(o), async (s) => s.connections.list())
      out.write(o.json ? JSON.stringify(list, null, 2) + '\n' : formatList(list) + '\n')
      deps.setExit(EXIT.OK)
    })

  deps
    .withCommon(group.command('test'))
    .argument('<name>', 'connection name (case-insensitive)')
    .description('Connect to a saved connection and report the server, TLS, SSH and privileges.')
    .option('--json', 'print JSON')
    .action(async (name: string, o: Record<string, unknown>) => {
      const code = await withSystem(deps.layersFrom(o), async (s) => {
        const c = s.connections.findByName(name)
        if (!c) throw new AppError('VALIDATION', `No saved connection named "${name}". See \`db-taxi connections list\`.`)
        const report = await s.connections.test({ id: c.id })
        out.write(o.json ? JSON.stringify({ connection: c.name, ...report }, null, 2) + '\n' : formatReport(c.name, report) + '\n')
        if (report.ok) return EXIT.OK
        return report.error && CONNECT_FAILURE_CODES.has(report.error.code) ? EXIT.CANNOT_CONNECT : EXIT.FAILED
      })
      deps.setExit(code)
    })
}

export function formatList(list: ConnectionInfo[]): string {
  if (list.length === 0) return 'No saved connections.'
  const rows = list.map((c) => [
    c.name,
    `${c.user}@${c.host}:${c.port}`,
    c.database ?? '-',
    `tls ${c.tls.mode}`,
    c.ssh ? `ssh ${c.ssh.user}@${c.ssh.host}:${c.ssh.port}` : '-',
    c.readOnly ? 'read-only' : ''
  ])
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')
}

const yes = (b: boolean): string => (b ? 'yes' : 'NO')

export function formatReport(name: string, r: ConnectionTestReport): string {
  if (!r.ok) return `FAILED  ${name}: ${r.error?.code ?? 'ERROR'}: ${r.error?.message ?? ''}`
  const lines = [
    `ok  ${name}: ${r.flavor === 'mariadb' ? 'MariaDB' : 'MySQL'} ${r.serverVersion ?? ''} in ${r.durationMs} ms (round trip ${r.latencyMs ?? '?'} ms)`,
    `  TLS: ${r.tls?.inUse ? `${r.tls.version ?? ''} ${r.tls.cipher ?? ''}`.trim() : 'not in use'}`,
    `  SSH tunnel: ${r.ssh.inUse ? `yes (host key ${r.ssh.hostKeyFingerprint ?? '?'})` : 'no'}`
  ]
  if (r.privileges) {
    const p = r.privileges
    const scope = p.database ? `global or on \`${p.database}\`` : 'global'
    lines.push(
      `  as a source (${scope}): SELECT ${yes(p.source.select)}, SHOW VIEW ${yes(p.source.showView)}, RELOAD ${yes(p.source.reload)}, REPLICATION CLIENT ${yes(p.source.replicationClient)}`,
      `  as a target (${scope}): INSERT ${yes(p.target.insert)}, UPDATE ${yes(p.target.update)}, DELETE ${yes(p.target.delete)}, CREATE ${yes(p.target.create)}, DROP ${yes(p.target.drop)}, ALTER ${yes(p.target.alter)}, INDEX ${yes(p.target.index)}`
    )
  }
  lines.push(
    `  local_infile ${r.localInfile ? 'ON' : 'OFF'}, max_allowed_packet ${r.maxAllowedPacket ?? '?'}, time_zone ${r.timeZone ?? '?'}${r.timeZone === 'SYSTEM' ? ` (${r.systemTimeZone ?? '?'})` : ''}, charset ${r.defaultCharset ?? '?'} (${r.defaultCollation ?? '?'})${r.serverReadOnly ? ', server is read_only' : ''}`
  )
  return lines.join('\n')
}
