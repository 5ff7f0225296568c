import { describe, expect, it } from 'vitest'
import type { ConnectionHealth, ConnectionInfo, ConnectionTestReport } from '../../../src/shared/connections'
import type { SystemStatus } from '../../../src/shared/contract'
import {
  formatBytes,
  formatLatency,
  formatRowEstimate,
  hasUsableKey,
  healthDetail,
  tableSize
} from '../../../src/renderer/src/connections/format'
import { applyStatusEvent, sortConnections, withStatus } from '../../../src/renderer/src/connections/health'
import { privilegeSummary, reportFacts, sourcePrivileges, targetPrivileges } from '../../../src/renderer/src/connections/report'
import { secretsWarningOf } from '../../../src/renderer/src/connections/secrets-warning'

const idle: ConnectionHealth = { state: 'idle', latencyMs: null, checkedAt: null, error: null, failures: 0, nextCheckAt: null, retryInMs: null }

describe('formatting', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [16 * 1024 * 1024, '16 MiB'],
    [1073741824, '1 GiB'],
    [150 * 1024 * 1024, '150 MiB'],
    [null, '—']
  ])('formatBytes(%s) = %s', (n, text) => expect(formatBytes(n)).toBe(text))

  it('formats latency, row estimates and sizes', () => {
    expect(formatLatency(0.42)).toBe('0.4 ms')
    expect(formatLatency(12.6)).toBe('13 ms')
    expect(formatLatency(1234)).toBe('1.2 s')
    expect(formatLatency(null)).toBe('—')
    expect(formatRowEstimate(1234567)).toBe('~1,234,567 rows')
    expect(formatRowEstimate(1)).toBe('~1 row')
    expect(formatRowEstimate(null)).toBe('')
    expect(tableSize({ dataBytes: 16384, indexBytes: 16384 })).toBe('32 KiB')
    expect(tableSize({ dataBytes: null, indexBytes: null })).toBe('')
  })

  it('flags tables without a usable key', () => {
    expect(hasUsableKey({ hasPrimaryKey: false, hasUniqueNotNullKey: false })).toBe(false)
    expect(hasUsableKey({ hasPrimaryKey: false, hasUniqueNotNullKey: true })).toBe(true)
  })

  it('explains a down connection: error and next retry', () => {
    const now = Date.parse('2026-01-01T00:01:00Z')
    const lines = healthDetail(
      { ...idle, state: 'down', error: { code: 'CONNECTION_REFUSED', message: 'Connection refused' }, checkedAt: '2026-01-01T00:00:00Z', retryInMs: 30_000 },
      now
    )
    expect(lines).toEqual([expect.stringContaining('cannot be reached'), 'Last error: Connection refused', 'Checked 1 min ago.', 'Next try in 30 s.'])
  })
})

describe('live status', () => {
  const conn = (id: string, name: string): ConnectionInfo => ({ id, name, health: idle }) as ConnectionInfo

  it('folds a connection.status event into the row it names', () => {
    const list = [conn('a', 'alpha'), conn('b', 'beta')]
    const next = withStatus(list, { connectionId: 'b', status: 'connected', latencyMs: 3 }, 0)
    expect(next[1]!.health).toMatchObject({ state: 'connected', latencyMs: 3, error: null, failures: 0 })
    expect(next[0]).toBe(list[0])
    expect(withStatus(list, { connectionId: 'zzz', status: 'down' })).toBe(list)
  })

  it('drops latency when down and counts the failure', () => {
    const up = { ...idle, state: 'connected' as const, latencyMs: 2 }
    const h = applyStatusEvent(up, { connectionId: 'a', status: 'down', error: { code: 'TIMEOUT', message: 't' }, retryInMs: 5000 }, 1000)
    expect(h).toMatchObject({ state: 'down', latencyMs: null, failures: 1, retryInMs: 5000, nextCheckAt: new Date(6000).toISOString() })
  })

  it('sorts by name, ignoring case', () => {
    expect(sortConnections([conn('1', 'beta'), conn('2', 'Alpha'), conn('3', 'gamma')]).map((c) => c.name)).toEqual(['Alpha', 'beta', 'gamma'])
  })
})

describe('test report', () => {
  const report: ConnectionTestReport = {
    ok: true,
    durationMs: 42,
    ssh: { inUse: false },
    serverVersion: '10.11.19-MariaDB',
    flavor: 'mariadb',
    latencyMs: 0.3,
    tls: { inUse: true, cipher: 'TLS_AES_256_GCM_SHA384', version: 'TLSv1.3' },
    privileges: {
      database: null,
      source: { select: true, showView: true, reload: false, replicationClient: true },
      target: { insert: true, update: true, delete: true, create: true, drop: true, alter: true, index: true }
    },
    localInfile: false,
    maxAllowedPacket: 16 * 1024 * 1024,
    timeZone: 'SYSTEM',
    systemTimeZone: 'UTC',
    defaultCharset: 'utf8mb4',
    defaultCollation: 'utf8mb4_general_ci',
    serverReadOnly: false
  }

  it('lists every fact in plain words', () => {
    const facts = Object.fromEntries(reportFacts(report).map((f) => [f.key, f]))
    expect(facts.version!.value).toBe('MariaDB 10.11.19-MariaDB')
    expect(facts.latency!.value).toBe('0.3 ms')
    expect(facts.tls!.value).toBe('TLSv1.3 · TLS_AES_256_GCM_SHA384')
    expect(facts.ssh!.value).toBe('Not used')
    expect(facts.local_infile).toMatchObject({ value: 'OFF', tone: 'warn' })
    expect(facts.max_allowed_packet!.value).toBe('16 MiB')
    expect(facts.time_zone!.value).toBe('SYSTEM (UTC)')
    expect(facts.charset).toMatchObject({ value: 'utf8mb4', note: 'utf8mb4_general_ci' })
    expect(facts.read_only).toBeUndefined()
    expect(reportFacts({ ...report, serverReadOnly: true, tls: { inUse: false, cipher: null, version: null } }).map((f) => f.key)).toContain('read_only')
  })

  it('summarises privileges by what is missing', () => {
    const source = sourcePrivileges(report.privileges!.source)
    expect(source.map((p) => p.name)).toEqual(['SELECT', 'SHOW VIEW', 'RELOAD', 'REPLICATION CLIENT'])
    expect(privilegeSummary(source)).toEqual({ ok: false, text: 'Missing RELOAD' })
    expect(privilegeSummary(targetPrivileges(report.privileges!.target))).toEqual({ ok: true, text: 'All granted' })
  })
})

describe('secrets warning', () => {
  it('is read from status.secrets.warning when the core sends it, and absent otherwise', () => {
    const status = { version: 'x' } as SystemStatus
    expect(secretsWarningOf(null)).toBeNull()
    expect(secretsWarningOf(status)).toBeNull()
    expect(secretsWarningOf({ ...status, secrets: { kind: 'safeStorage (basic_text)', warning: 'No keyring' } } as SystemStatus)).toBe('No keyring')
    expect(secretsWarningOf({ ...status, secrets: { kind: 'aes', warning: '' } } as SystemStatus)).toBeNull()
  })
})
