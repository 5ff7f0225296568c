import type { ConnectionHealth, ConnectionInfo } from '../../../shared/connections'
import type { ConnectionStatusEvent } from '../../../shared/contract'

/**
 * A `connection.status` event folded into the health the list shows, so a row changes colour the
 * moment the server says so instead of at the next poll. Events only come on changes; latency
 * between them arrives with the periodic `connections.list`.
 */
export function applyStatusEvent(health: ConnectionHealth, ev: ConnectionStatusEvent, now: number = Date.now()): ConnectionHealth {
  const up = ev.status !== 'down'
  return {
    ...health,
    state: ev.status,
    latencyMs: up ? (ev.latencyMs ?? health.latencyMs) : null,
    error: ev.error ?? null,
    checkedAt: new Date(now).toISOString(),
    failures: ev.status === 'connected' ? 0 : health.failures + (ev.error ? 1 : 0),
    retryInMs: ev.status === 'connected' ? null : (ev.retryInMs ?? health.retryInMs),
    nextCheckAt: ev.retryInMs !== undefined ? new Date(now + ev.retryInMs).toISOString() : health.nextCheckAt
  }
}

/** The list with one connection's health replaced; the same array when the id is unknown. */
export function withStatus(list: ConnectionInfo[], ev: ConnectionStatusEvent, now: number = Date.now()): ConnectionInfo[] {
  if (!list.some((c) => c.id === ev.connectionId)) return list
  return list.map((c) => (c.id === ev.connectionId ? { ...c, health: applyStatusEvent(c.health, ev, now) } : c))
}

/** Name order, case-insensitive, as every database tool lists connections. */
export function sortConnections(list: ConnectionInfo[]): ConnectionInfo[] {
  return [...list].sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }))
}
