import type { ConnectionTestReport, SourcePrivileges, TargetPrivileges } from '../../../shared/connections'
import { formatBytes, formatLatency } from './format'

/** A test report as rows of plain facts. Pure, so what the report says is unit-tested. */

export type Tone = 'ok' | 'warn' | 'muted' | 'plain'

export interface Fact {
  key: string
  label: string
  value: string
  tone: Tone
  /** A second line in small print. */
  note?: string
  /** What the fact means, for a tooltip on its label. */
  hint?: string
}

export function flavorName(flavor: ConnectionTestReport['flavor']): string {
  return flavor === 'mariadb' ? 'MariaDB' : flavor === 'mysql' ? 'MySQL' : 'Unknown server'
}

export function reportFacts(r: ConnectionTestReport): Fact[] {
  const facts: Fact[] = []
  facts.push({ key: 'version', label: 'Server', value: `${flavorName(r.flavor)} ${r.serverVersion ?? ''}`.trim(), tone: 'plain' })
  facts.push({ key: 'latency', label: 'Round trip', value: formatLatency(r.latencyMs), tone: 'plain', hint: 'Time for one SELECT 1 on the open connection.' })
  if (r.tls) {
    facts.push(
      r.tls.inUse
        ? { key: 'tls', label: 'Encryption', value: [r.tls.version, r.tls.cipher].filter(Boolean).join(' · ') || 'TLS', tone: 'ok' }
        : { key: 'tls', label: 'Encryption', value: 'Not encrypted', tone: 'warn', note: 'Data crosses the network unencrypted.' }
    )
  }
  facts.push(
    r.ssh.inUse
      ? { key: 'ssh', label: 'SSH tunnel', value: 'In use', tone: 'ok', note: r.ssh.hostKeyFingerprint ? `host key ${r.ssh.hostKeyFingerprint}` : undefined }
      : { key: 'ssh', label: 'SSH tunnel', value: 'Not used', tone: 'muted' }
  )
  if (r.localInfile !== undefined) {
    facts.push(
      r.localInfile
        ? { key: 'local_infile', label: 'local_infile', value: 'ON', tone: 'ok', note: 'Fast loading as a target.', hint: 'LOAD DATA LOCAL INFILE is allowed: the fastest way to write rows.' }
        : { key: 'local_infile', label: 'local_infile', value: 'OFF', tone: 'warn', note: 'As a target: slower INSERT loading.', hint: 'LOAD DATA LOCAL INFILE is not allowed, so rows are written with multi-row INSERT statements.' }
    )
  }
  if (r.maxAllowedPacket !== undefined) {
    facts.push({ key: 'max_allowed_packet', label: 'max_allowed_packet', value: formatBytes(r.maxAllowedPacket), tone: 'plain', hint: 'The largest row or statement the server accepts.' })
  }
  if (r.timeZone !== undefined) {
    const system = r.timeZone === 'SYSTEM' && r.systemTimeZone ? ` (${r.systemTimeZone})` : ''
    facts.push({ key: 'time_zone', label: 'Time zone', value: `${r.timeZone}${system}`, tone: 'plain', hint: 'DB-Taxi pins its own sessions to UTC, so this does not change copied values.' })
  }
  if (r.defaultCharset !== undefined) {
    facts.push({ key: 'charset', label: 'Default charset', value: r.defaultCharset, tone: 'plain', note: r.defaultCollation })
  }
  if (r.serverReadOnly) {
    facts.push({ key: 'read_only', label: 'Server read_only', value: 'ON', tone: 'warn', note: 'The server itself refuses writes: it cannot be a sync target.' })
  }
  return facts
}

export interface Privilege {
  name: string
  granted: boolean
  why: string
}

export function sourcePrivileges(p: SourcePrivileges): Privilege[] {
  return [
    { name: 'SELECT', granted: p.select, why: 'read rows' },
    { name: 'SHOW VIEW', granted: p.showView, why: 'copy views' },
    { name: 'RELOAD', granted: p.reload, why: 'one consistent point across parallel readers' },
    { name: 'REPLICATION CLIENT', granted: p.replicationClient, why: 'record the binlog position' }
  ]
}

export function targetPrivileges(p: TargetPrivileges): Privilege[] {
  return [
    { name: 'INSERT', granted: p.insert, why: 'write rows' },
    { name: 'UPDATE', granted: p.update, why: 'apply changed rows' },
    { name: 'DELETE', granted: p.delete, why: 'remove rows gone from the source' },
    { name: 'CREATE', granted: p.create, why: 'create missing tables' },
    { name: 'DROP', granted: p.drop, why: 'swap in a fresh copy' },
    { name: 'ALTER', granted: p.alter, why: 'rename and adjust tables' },
    { name: 'INDEX', granted: p.index, why: 'build indexes' }
  ]
}

/** One line for a privilege group: "All granted" or what is missing. */
export function privilegeSummary(list: Privilege[]): { ok: boolean; text: string } {
  const missing = list.filter((p) => !p.granted).map((p) => p.name)
  return missing.length === 0 ? { ok: true, text: 'All granted' } : { ok: false, text: `Missing ${missing.join(', ')}` }
}
