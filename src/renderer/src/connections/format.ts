import type { ConnectionHealth, ConnectionState, TableInfo, TlsMode } from '../../../shared/connections'
import type { ErrorCode } from '../../../shared/errors'

/** How connection facts read on screen. Pure, unit-tested. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

/** Binary sizes as MySQL people read them: `64 MiB`, `1.5 GiB`, `512 B`. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return '—'
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  const text = unit === 0 || Number.isInteger(value) || value >= 100 ? String(Math.round(value)) : value.toFixed(1).replace(/\.0$/, '')
  return `${text} ${UNITS[unit]}`
}

/** `0.4 ms`, `12 ms`, `1.2 s`. */
export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—'
  if (ms < 10) return `${(Math.round(ms * 10) / 10).toString()} ms`
  if (ms < 1000) return `${Math.round(ms)} ms`
  return `${(Math.round(ms / 100) / 10).toString()} s`
}

/** An estimate is marked as one: `~1,234 rows`; null (a view) shows nothing. */
export function formatRowEstimate(rows: number | null): string {
  if (rows === null || !Number.isFinite(rows)) return ''
  return `~${Math.round(rows).toLocaleString('en-US')} ${rows === 1 ? 'row' : 'rows'}`
}

/** Data plus indexes, the size a table takes on disk. */
export function tableSize(t: Pick<TableInfo, 'dataBytes' | 'indexBytes'>): string {
  if (t.dataBytes === null && t.indexBytes === null) return ''
  return formatBytes((t.dataBytes ?? 0) + (t.indexBytes ?? 0))
}

/** A table DB-Taxi can chunk and diff by key. Without one it is copied whole and checked as a whole. */
export function hasUsableKey(t: Pick<TableInfo, 'hasPrimaryKey' | 'hasUniqueNotNullKey'>): boolean {
  return t.hasPrimaryKey || t.hasUniqueNotNullKey
}

export const STATE_PRESENTATION: Record<ConnectionState, { color: string; label: string; description: string }> = {
  idle: { color: 'gray', label: 'Not connected', description: 'No connection is open yet; DB-Taxi connects when the connection is first used.' },
  connected: { color: 'green', label: 'Connected', description: 'The server answers health checks.' },
  degraded: { color: 'yellow', label: 'Degraded', description: 'The server answers slowly, or the last check failed.' },
  down: { color: 'red', label: 'Down', description: 'The server cannot be reached; DB-Taxi keeps retrying.' }
}

/** One line under the status for its tooltip: what went wrong and when the next try is. */
export function healthDetail(h: ConnectionHealth, now: number = Date.now()): string[] {
  const lines = [STATE_PRESENTATION[h.state].description]
  if (h.error) lines.push(`Last error: ${h.error.message}`)
  if (h.checkedAt) lines.push(`Checked ${agoText(now - Date.parse(h.checkedAt))}.`)
  if (h.state !== 'connected' && h.state !== 'idle' && h.retryInMs !== null) lines.push(`Next try in ${formatDelay(h.retryInMs)}.`)
  return lines
}

function agoText(ms: number): string {
  if (!Number.isFinite(ms) || ms < 5000) return 'just now'
  return `${formatDelay(ms)} ago`
}

export function formatDelay(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s} s`
  const m = Math.round(s / 60)
  return m < 60 ? `${m} min` : `${Math.round(m / 60)} h`
}

export const TLS_MODE_LABELS: Record<TlsMode, { label: string; description: string }> = {
  disabled: { label: 'Disabled', description: 'Never encrypt. Only for a server on this machine or a trusted network.' },
  preferred: { label: 'Preferred', description: 'Encrypt when the server offers TLS, otherwise connect unencrypted.' },
  required: { label: 'Required', description: 'Always encrypt; do not check who signed the certificate.' },
  'verify-ca': { label: 'Verify CA', description: 'Encrypt, and the certificate must be signed by the CA given below.' },
  'verify-identity': { label: 'Verify identity', description: 'As Verify CA, and the certificate must name this host.' }
}

/**
 * What to check when a test fails, in plain words, beyond what the server's message already says
 * (it names the host and port, and for a refused connection or login says what to check).
 */
export const ERROR_HINTS: Partial<Record<ErrorCode, string>> = {
  AUTH_FAILED: 'MySQL accounts are user@host: the user may also need to be allowed to connect from this computer.',
  HOST_UNREACHABLE: 'Check the spelling of the host, and your network or VPN.',
  TIMEOUT: 'A firewall may be dropping the connection, or the server is overloaded. The timeout is under Advanced.',
  TLS_FAILED: 'Check the TLS mode and the certificates on the TLS tab.',
  SSH_AUTH_FAILED: 'Check the SSH user, and the password or private key and passphrase on the SSH tunnel tab.',
  SSH_HOST_KEY_MISMATCH: 'Make sure this is the right server before you change the expected host key.',
  UNKNOWN_DATABASE: 'Check the spelling (names are case-sensitive on most Linux servers), or leave Default database empty.',
  SECRETS_UNAVAILABLE: 'Enter the password again and save.'
}
