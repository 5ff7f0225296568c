import { timingSafeEqual, createHash } from 'node:crypto'
import { isIP } from 'node:net'

/**
 * Checks that keep a loopback HTTP API safe from the browser next door:
 *  - Host must name the bound address or localhost (defeats DNS rebinding);
 *  - Origin, when a browser sends one, must be that same host (defeats CSRF from other sites);
 *  - the bearer token is compared in constant time.
 */

/** Splits a Host header into host name and port; IPv6 literals keep their brackets stripped. */
export function parseHostHeader(host: string | undefined): { name: string; port?: number } | null {
  if (!host) return null
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(host.trim())
  if (!m) return null
  const name = m[1]!.replace(/^\[|\]$/g, '').toLowerCase()
  return m[2] ? { name, port: Number(m[2]) } : { name }
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1'])

export function isWildcard(bind: string): boolean {
  return bind === '0.0.0.0' || bind === '::' || bind === ''
}

/**
 * Allowed: localhost and the loopback literals, the bound address itself, and, when bound to a
 * wildcard address, any IP literal (a name other than localhost is what a rebinding attack uses).
 */
export function isAllowedHost(hostHeader: string | undefined, bindHost: string, port: number): boolean {
  const h = parseHostHeader(hostHeader)
  if (!h) return false
  if (h.port !== undefined && h.port !== port) return false
  if (LOOPBACK_NAMES.has(h.name) || h.name.endsWith('.localhost')) return true
  if (h.name === bindHost.toLowerCase()) return true
  if (isWildcard(bindHost) && isIP(h.name) !== 0) return true
  return false
}

/** A browser's Origin must point at an allowed host too; requests without Origin (curl, CLI) pass. */
export function isAllowedOrigin(origin: string | undefined, bindHost: string, port: number): boolean {
  if (origin === undefined) return true
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return false
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false
  return isAllowedHost(url.host, bindHost, port)
}

export function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header || !token) return false
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (!m) return false
  // Hash both sides so lengths match and timingSafeEqual never throws.
  const a = createHash('sha256').update(m[1]!).digest()
  const b = createHash('sha256').update(token).digest()
  return timingSafeEqual(a, b)
}
