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

/**
 * Only origin-form request targets (RFC 9112 §3.2.1: a path starting with one `/`, then an optional
 * query) are served. Routers accept more: find-my-way strips the scheme and authority of an
 * absolute-form target (`http://host/api/...`) and routes `*` to the catch-all; a URL parser reads
 * `//host/...` as a network path and `\` as `/`. A fragment is never part of a request target.
 */
export function isOriginForm(target: string): boolean {
  return target.startsWith('/') && !target.startsWith('//') && !/[\\#]/.test(target)
}

/** Path segments that hold data; anything a lenient reader could take for one stays behind the token. */
const PROTECTED_SEGMENTS = new Set(['api', 'metrics'])

/**
 * Whether some reader of this target, more lenient than our router, could take it for an /api or
 * /metrics path: percent-escapes decoded (repeatedly, for double encoding), `\` read as `/`, empty and
 * dot segments resolved, `;params` cut, compatibility forms (NFKC) and case folded. Used only where no route matched (the not-found
 * handler), to keep the SPA fallback and route discovery away from anything API-like; routes that
 * matched are authenticated by their own access setting, never by this.
 */
export function looksProtected(target: string): boolean {
  let path = target.split(/[?#]/, 1)[0] ?? ''
  for (let i = 0; i < 4; i++) {
    let next: string
    try {
      next = decodeURIComponent(path)
    } catch {
      break
    }
    if (next === path) break
    path = next
  }
  const kept: string[] = []
  for (const raw of path.replace(/\\/g, '/').split('/')) {
    const seg = (raw.split(/[;?#]/, 1)[0] ?? '').normalize('NFKC').trim().toLowerCase()
    if (seg === '' || seg === '.') continue
    if (seg === '..') kept.pop()
    else kept.push(seg)
  }
  return PROTECTED_SEGMENTS.has(kept[0] ?? '')
}

/**
 * The path of a request target as it may appear in a log line: no query (it may carry anything),
 * no scheme or authority of an absolute-form target (it may carry user:password@), bounded length.
 */
export function pathForLog(target: string): string {
  let path = target
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(path)
  if (scheme) path = path.slice(scheme[0].length) || '/'
  path = path.split('?', 1)[0] ?? ''
  return path.length > 200 ? `${path.slice(0, 200)}…` : path
}
