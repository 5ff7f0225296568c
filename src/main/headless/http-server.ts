import { existsSync, readFileSync } from 'node:fs'
import { STATUS_CODES } from 'node:http'
import { join } from 'node:path'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import fastifyStatic from '@fastify/static'
import { EVENT_NAMES, type EventName } from '../../shared/contract'
import { httpStatusFor, type ErrorBody } from '../../shared/errors'
import type { Dispatch } from '../api/dispatcher'
import type { SyncSystem } from '../sync/system'
import { bearerMatches, isAllowedHost, isAllowedOrigin, isOriginForm, looksProtected, pathForLog } from './http-security'
import { prometheusText } from './metrics'

/**
 * The headless edge: the same contract as IPC, over HTTP + server-sent events, plus the built
 * renderer at `/`. Only translates: every request goes through the dispatcher.
 */

export interface HttpServerOptions {
  system: SyncSystem
  dispatch: Dispatch
  token: string
  host: string
  port: number
  /** Directory of the built renderer (out/renderer); a plain notice is served when missing. */
  rendererDir: string
  readTimeoutMs: number
  writeTimeoutMs: number
  bodyLimitBytes?: number
  keepAliveMs?: number
}

export interface HttpServer {
  app: FastifyInstance
  /** Resolves with the bound port (useful with --port 0). */
  listen(): Promise<{ port: number }>
  /** Stops accepting connections and ends event streams; in-flight requests may finish. */
  stopAccepting(): void
  close(timeoutMs?: number): Promise<void>
}

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"

/**
 * Who may call a route. Authentication belongs to the route the router matched, never to a prefix of
 * the raw URL: the router decodes `%61pi` to `api` and accepts absolute-form targets, so a string test
 * on `req.url` and the router disagree exactly where an attacker looks. Default deny: a route that
 * does not say `public` needs the token.
 */
export type RouteAccess = 'public' | 'token'

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess
  }
}

const OPEN = { config: { access: 'public' as const } }
const TOKEN = { config: { access: 'token' as const } }

/**
 * One spelling per route, said out loud rather than left to defaults: `/API/status`, `/api/status/`,
 * `/api//status` and `/api/status;x` match nothing and go to the not-found handler. (A variable, not
 * a literal: find-my-way's option type lacks `useSemicolonDelimiter`, which fastify does read.)
 */
const STRICT_ROUTER = { caseSensitive: true, ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, useSemicolonDelimiter: false }

/**
 * How much of an oversized request body is read and thrown away before the 413 is sent. Answering
 * while the client is still writing makes many clients (undici's fetch, Python's requests) fail with
 * EPIPE or ECONNRESET and never see the answer; past this much the socket is closed instead.
 */
const OVERSIZE_DRAIN_BYTES = 64 * 1024 * 1024

/** Reads the rest of a request body into nothing; false when it ran past `cap` (then the socket is closed after the answer). */
function drainBody(req: FastifyRequest['raw'], cap: number): Promise<boolean> {
  if (req.complete || req.destroyed) return Promise.resolve(true)
  return new Promise((done) => {
    let seen = 0
    const finish = (ok: boolean): void => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onEnd)
      req.off('close', onEnd)
      done(ok)
    }
    const onData = (chunk: Buffer): void => {
      seen += chunk.length
      if (seen > cap) finish(false)
    }
    const onEnd = (): void => finish(true)
    req.on('data', onData)
    req.once('end', onEnd)
    req.once('error', onEnd)
    req.once('close', onEnd)
    req.resume()
  })
}

const UI_NOT_BUILT =
  '<!doctype html><title>DB-Taxi</title><p>The UI is not built. Run <code>npm run build</code>, then restart.</p>'

export function createHttpServer(opts: HttpServerOptions): HttpServer {
  const log = opts.system.logger.child({ component: 'http' })

  const securityHeaders = (reply: FastifyReply): void => {
    reply.header('X-Content-Type-Options', 'nosniff')
    reply.header('Referrer-Policy', 'no-referrer')
    reply.header('X-Frame-Options', 'DENY')
    reply.header('Content-Security-Policy', CSP)
  }
  const sendError = (reply: FastifyReply, error: ErrorBody, status = httpStatusFor(error.code)): FastifyReply =>
    reply.code(status).send({ ok: false, error })
  /** Every refusal is logged with method, path and reason; never a header value (token, cookie, host). */
  const refuse = (req: FastifyRequest, reply: FastifyReply, reason: string, error: ErrorBody, status?: number): FastifyReply => {
    log.warn('refused a request', { method: req.method, path: pathForLog(req.raw.url ?? ''), reason })
    return sendError(reply, error, status)
  }

  const app = Fastify({
    logger: false,
    bodyLimit: opts.bodyLimitBytes ?? 1024 * 1024,
    requestTimeout: opts.readTimeoutMs,
    // Idle sockets are closed after write_timeout; event streams opt out below.
    connectionTimeout: opts.writeTimeoutMs,
    return503OnClosing: true,
    routerOptions: STRICT_ROUTER,
    // URLs the router cannot decode (`%ZZ`) or route parameters over its length limit never reach a
    // hook: answer them in the contract's envelope and log them like any other refusal.
    frameworkErrors: (err, req, reply) => {
      securityHeaders(reply)
      const status = err.statusCode ?? 500
      if (status >= 500) {
        log.error('framework error in an HTTP request', { code: err.code })
        return void sendError(reply, { code: 'INTERNAL', message: 'Internal error; see the DB-Taxi log for details.' })
      }
      void refuse(req, reply, `malformed URL (${err.code})`, { code: 'VALIDATION', message: 'Malformed request URL.' }, status)
    },
    // Requests the HTTP parser itself refuses have no trustworthy method or path; log the parser's code.
    clientErrorHandler: (err: Error & { code?: string }, socket) => {
      if (err.code === 'ECONNRESET' || socket.destroyed) return
      const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
      if (status !== 408) log.warn('refused a request', { reason: `malformed HTTP request (${err.code ?? 'parse error'})` })
      if (!socket.writable) return void socket.destroy(err)
      const body = JSON.stringify({ ok: false, error: { code: 'VALIDATION', message: 'Malformed HTTP request.' } })
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
      )
    }
  })
  let boundPort = opts.port
  const streams = new Set<FastifyReply>()

  /** The bearer token and, for browsers, a same-site Origin; answers the refusal or undefined. */
  const authenticate = (req: FastifyRequest, reply: FastifyReply): FastifyReply | undefined => {
    if (!isAllowedOrigin(req.headers.origin, opts.host, boundPort)) {
      return refuse(req, reply, 'foreign Origin', { code: 'FORBIDDEN', message: 'Origin not allowed.' })
    }
    if (!bearerMatches(req.headers.authorization, opts.token)) {
      reply.header('WWW-Authenticate', 'Bearer')
      const reason = req.headers.authorization === undefined ? 'missing token' : 'wrong token'
      return refuse(req, reply, reason, { code: 'UNAUTHORIZED', message: 'Missing or wrong bearer token.' })
    }
    return undefined
  }

  // Runs after routing, for every route and for the not-found handler (it is registered first, on
  // the root), so `req.routeOptions.config` is the config of the route that matched.
  app.addHook('onRequest', async (req, reply) => {
    securityHeaders(reply)
    const target = req.raw.url ?? ''
    if (!isOriginForm(target)) {
      return refuse(req, reply, 'request target is not origin-form', {
        code: 'VALIDATION',
        message: 'The request target must be a path that starts with a single "/".'
      })
    }
    if (!isAllowedHost(req.headers.host, opts.host, boundPort)) {
      return refuse(req, reply, 'foreign Host header', { code: 'FORBIDDEN', message: 'Host not allowed.' })
    }
    // No route matched: the not-found handler decides (it authenticates anything API-like).
    if (req.is404) return
    if (req.routeOptions.config.access === 'public') return
    return authenticate(req, reply)
  })

  app.setErrorHandler(async (err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      // Fastify refuses before reading the body (or part way through it); read the rest so that the
      // client, which is still sending, gets to read the answer. The connection is not reused.
      reply.header('connection', 'close')
      await drainBody(req.raw, OVERSIZE_DRAIN_BYTES)
      return sendError(reply, { code: 'PAYLOAD_TOO_LARGE', message: `Request body larger than ${opts.bodyLimitBytes ?? 1048576} bytes.` })
    }
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      return sendError(reply, { code: 'VALIDATION', message: `Bad request: ${err.message}` })
    }
    log.error('unhandled error in an HTTP request', { err })
    return sendError(reply, { code: 'INTERNAL', message: 'Internal error; see the DB-Taxi log for details.' })
  })

  app.get('/health', OPEN, async () => ({ status: 'ok' }))

  app.get('/api/status', TOKEN, async () => opts.system.status())

  app.get('/metrics', TOKEN, async (_req, reply) =>
    reply.type('text/plain; version=0.0.4; charset=utf-8').send(prometheusText(opts.system.status()))
  )

  app.get('/api/sync/status', TOKEN, async (_req, reply) => {
    const doc = opts.system.syncStatus()
    return reply.code(doc.ok ? 200 : 503).send(doc)
  })

  app.post<{ Params: { method: string } }>('/api/rpc/:method', TOKEN, async (req, reply) => {
    const result = await opts.dispatch(req.params.method, req.body ?? undefined, { transport: 'http' })
    if (result.ok) return reply.code(200).send(result)
    return reply.code(httpStatusFor(result.error.code)).send(result)
  })

  // No automatic HEAD twin: a HEAD of an event stream would subscribe and never answer.
  app.get('/api/events', { ...TOKEN, exposeHeadRoute: false }, (req: FastifyRequest, reply: FastifyReply) => {
    reply.hijack()
    const res = reply.raw
    req.raw.socket.setTimeout(0)
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
      'X-Content-Type-Options': 'nosniff'
    })
    res.write(': connected\n\n')
    const send = (event: EventName, payload: unknown): void => {
      if (!EVENT_NAMES.includes(event)) return
      res.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`)
    }
    const off = opts.system.events.onAny(send)
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), opts.keepAliveMs ?? 15_000)
    streams.add(reply)
    const end = (): void => {
      clearInterval(keepAlive)
      off()
      streams.delete(reply)
    }
    req.raw.on('close', end)
    res.on('error', end)
  })

  const indexPath = join(opts.rendererDir, 'index.html')
  const indexHtml = existsSync(indexPath) ? readFileSync(indexPath) : undefined
  if (indexHtml) {
    void app.register(async (ui) => {
      // The built UI is open: every route this scope gets (one GET/HEAD route per file of the
      // build, found when the server starts) is marked public here, in one place.
      ui.addHook('onRoute', (route) => {
        route.config = { ...route.config, access: 'public' }
      })
      await ui.register(fastifyStatic, { root: opts.rendererDir, index: ['index.html'], wildcard: false })
    })
  }
  app.setNotFoundHandler((req, reply) => {
    const target = req.raw.url ?? ''
    const notFound: ErrorBody = { code: 'NOT_FOUND', message: `No route ${req.method} ${pathForLog(target)}.` }
    // Anything that looks like /api or /metrics to any reader stays behind the token even though no
    // route matched: no index.html for it, and no way to tell without the token which paths exist.
    if (looksProtected(target)) return authenticate(req, reply) ?? sendError(reply, notFound)
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(reply, notFound)
    // The single-page app's fallback: the UI's own page (no data in it), for deep links.
    return reply.type('text/html; charset=utf-8').send(indexHtml ?? UI_NOT_BUILT)
  })

  return {
    app,
    async listen() {
      await app.listen({ host: opts.host, port: opts.port })
      const addr = app.server.address()
      if (addr && typeof addr === 'object') boundPort = addr.port
      return { port: boundPort }
    },
    stopAccepting() {
      app.server.close()
      for (const s of streams) s.raw.end()
      streams.clear()
    },
    async close(timeoutMs = 5_000) {
      for (const s of streams) s.raw.end()
      const timer = setTimeout(() => app.server.closeAllConnections?.(), timeoutMs)
      try {
        await app.close()
      } finally {
        clearTimeout(timer)
      }
    }
  }
}
