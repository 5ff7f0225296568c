import { realpath, readFile, stat } from 'node:fs/promises'
import { extname, isAbsolute, join, relative, resolve } from 'node:path'
import type { CustomScheme, Protocol } from 'electron'
import type { Logger } from '../sync/logging/logger'
import { CONTENT_SECURITY_POLICY } from './security'

/**
 * The built renderer is served from `app://db-taxi/...` instead of `file://`: a page on file:// has
 * the whole disk as its origin, while app://db-taxi is an origin of its own that holds exactly the
 * files of out/renderer. Everything here except registerAppProtocol() is plain Node, so it is tested
 * without Electron.
 */
export const APP_SCHEME = 'app'
export const APP_HOST = 'db-taxi'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`

/**
 * Registered before `ready` (Electron allows it only then, and only once). `standard` gives the
 * scheme real origins and relative URL resolution (./assets/...), `secure` makes it a secure context
 * like https, `supportFetchAPI` lets the page fetch its own origin as it could on https. Deliberately
 * not: `bypassCSP` (the page's CSP must hold), `corsEnabled` (no other origin may read app://),
 * `allowServiceWorkers`, `stream`, `codeCache`.
 */
export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true }
}

/** What the built renderer contains, and what a browser needs to hear for each. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm'
}
/** Anything else is served as bytes; with nosniff the browser will not run or render it. */
const DEFAULT_CONTENT_TYPE = 'application/octet-stream'

export function contentTypeFor(fileName: string): string {
  return CONTENT_TYPES[extname(fileName).toLowerCase()] ?? DEFAULT_CONTENT_TYPE
}

export type AppRequestTarget =
  | { ok: true; /** Decoded path segments below the renderer directory. */ segments: string[]; contentType: string }
  | { ok: false; status: 400 | 403 | 404 | 405; reason: string }

/**
 * A dot segment as spelled in the raw URL (`..`, `.`, `%2e%2e`, `.%2E`, with / or \ around it).
 * URL parsers resolve these away before the path can be inspected, so they are refused as written.
 */
const RAW_DOT_SEGMENT = /(?:^|[/\\])(?:\.|%2e){1,2}(?=[/\\]|$)/i
/** Not allowed inside one decoded segment: separators, drive letters / NTFS streams, control characters. */
const UNSAFE_IN_SEGMENT = /[/\\:\u0000-\u001f\u007f]/ // eslint-disable-line no-control-regex

/**
 * URL -> the file it names below the renderer directory, or why it is refused. Pure: no file system.
 * Only GET/HEAD on `app://db-taxi/<path>`; the query and hash are ignored. `/` is index.html. The
 * renderer routes by hash (#/jobs), so there is no history-route fallback: unknown paths are 404.
 */
export function appRequestTarget(rawUrl: string, method = 'GET'): AppRequestTarget {
  if (method !== 'GET' && method !== 'HEAD') return refuse(405, `method ${method} not allowed`)
  const beforeQuery = rawUrl.split(/[?#]/, 1)[0] ?? ''
  if (RAW_DOT_SEGMENT.test(beforeQuery)) return refuse(403, 'dot segment in path')
  let u: URL
  try {
    u = new URL(rawUrl)
  } catch {
    return refuse(400, 'not a URL')
  }
  if (u.protocol !== `${APP_SCHEME}:`) return refuse(403, 'not the app scheme')
  // Exact: no other host, no port, no user info. (Chromium lower-cases hosts of standard schemes.)
  if (u.host !== APP_HOST || u.username !== '' || u.password !== '') return refuse(403, 'not the app host')
  if (u.pathname === '/' || u.pathname === '') return { ok: true, segments: ['index.html'], contentType: contentTypeFor('index.html') }
  if (!u.pathname.startsWith('/')) return refuse(400, 'relative path')
  const raw = u.pathname.slice(1).split('/')
  if (raw[raw.length - 1] === '') return refuse(404, 'directory listing')
  const segments: string[] = []
  for (const seg of raw) {
    if (seg === '') return refuse(400, 'empty path segment')
    let decoded: string
    try {
      decoded = decodeURIComponent(seg)
    } catch {
      return refuse(400, 'malformed percent-encoding')
    }
    if (decoded === '.' || decoded === '..') return refuse(403, 'dot segment in path')
    if (UNSAFE_IN_SEGMENT.test(decoded)) return refuse(403, 'separator or control character in a path segment')
    segments.push(decoded)
  }
  return { ok: true, segments, contentType: contentTypeFor(segments[segments.length - 1]!) }
}

function refuse(status: 400 | 403 | 404 | 405, reason: string): AppRequestTarget {
  return { ok: false, status, reason }
}

/** True when `child` is `root` itself or below it (both absolute, already resolved). */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child)
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}

/** The file-system calls the handler makes (node:fs/promises; injectable for tests). */
export interface AppFileSystem {
  realpath(path: string): Promise<string>
  stat(path: string): Promise<{ isFile(): boolean }>
  readFile(path: string): Promise<Uint8Array>
}

const nodeFs: AppFileSystem = { realpath, stat, readFile }

export interface AppProtocolOptions {
  /** The built renderer directory (out/renderer); nothing outside it is ever served. */
  root: string
  logger?: Pick<Logger, 'warn' | 'debug'>
  fs?: AppFileSystem
  /** The CSP header sent with every response. */
  policy?: string
}

export type AppRequest = Pick<Request, 'url' | 'method'>

/**
 * The `app:` protocol handler: serves a file of `root` with its content type and the CSP header, or
 * answers 400/403/404/405 (also with the CSP). Symlinks are followed only while they stay in `root`.
 */
export function createAppProtocolHandler(opts: AppProtocolOptions): (request: AppRequest) => Promise<Response> {
  const fs = opts.fs ?? nodeFs
  const policy = opts.policy ?? CONTENT_SECURITY_POLICY
  const root = resolve(opts.root)
  let realRoot: Promise<string> | null = null

  const answer = (status: number, contentType: string, body: Uint8Array | string | null): Response =>
    new Response(body, {
      status,
      headers: {
        'Content-Type': contentType,
        'Content-Security-Policy': policy,
        'X-Content-Type-Options': 'nosniff'
      }
    })

  const refused = (request: AppRequest, status: number, reason: string): Response => {
    // A missing file is a broken build or the browser's own favicon probe; the rest are attempts.
    const meta = { method: request.method, url: request.url.slice(0, 300), status, reason }
    if (status === 404) opts.logger?.debug('app:// request not found', meta)
    else opts.logger?.warn('app:// request refused', meta)
    return answer(status, 'text/plain; charset=utf-8', request.method === 'HEAD' ? null : `${status} ${reason}`)
  }

  return async (request) => {
    const target = appRequestTarget(request.url, request.method)
    if (!target.ok) return refused(request, target.status, target.reason)
    const candidate = join(root, ...target.segments)
    if (!isInside(root, candidate)) return refused(request, 403, 'outside the renderer directory')
    let base: string
    try {
      base = await (realRoot ??= fs.realpath(root))
    } catch {
      realRoot = null
      return refused(request, 404, 'the renderer directory is missing')
    }
    let real: string
    try {
      real = await fs.realpath(candidate)
    } catch {
      return refused(request, 404, 'no such file')
    }
    if (!isInside(base, real)) return refused(request, 403, 'link leads outside the renderer directory')
    try {
      if (!(await fs.stat(real)).isFile()) return refused(request, 404, 'not a file')
      const body = request.method === 'HEAD' ? null : await fs.readFile(real)
      return answer(200, target.contentType, body)
    } catch {
      return refused(request, 404, 'unreadable file')
    }
  }
}

/** Serves `root` on app://db-taxi in the default session (after `ready`). */
export function registerAppProtocol(protocol: Pick<Protocol, 'handle'>, opts: AppProtocolOptions): void {
  protocol.handle(APP_SCHEME, createAppProtocolHandler(opts))
}
