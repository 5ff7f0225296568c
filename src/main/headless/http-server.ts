import { existsSync } from 'node:fs'
import { join } from 'node:path'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import fastifyStatic from '@fastify/static'
import { EVENT_NAMES, type EventName } from '../../shared/contract'
import { httpStatusFor, type ErrorBody } from '../../shared/errors'
import type { Dispatch } from '../api/dispatcher'
import type { SyncSystem } from '../sync/system'
import { bearerMatches, isAllowedHost, isAllowedOrigin } from './http-security'
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

export function createHttpServer(opts: HttpServerOptions): HttpServer {
  const log = opts.system.logger.child({ component: 'http' })
  const app = Fastify({
    logger: false,
    bodyLimit: opts.bodyLimitBytes ?? 1024 * 1024,
    requestTimeout: opts.readTimeoutMs,
    // Idle sockets are closed after write_timeout; event streams opt out below.
    connectionTimeout: opts.writeTimeoutMs,
    return503OnClosing: true
  })
  let boundPort = opts.port
  const streams = new Set<FastifyReply>()

  const sendError = (reply: FastifyReply, error: ErrorBody): FastifyReply =>
    reply.code(httpStatusFor(error.code)).send({ ok: false, error })

  app.addHook('onRequest', async (req, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff')
    reply.header('Referrer-Policy', 'no-referrer')
    reply.header('X-Frame-Options', 'DENY')
    reply.header('Content-Security-Policy', CSP)
    if (!isAllowedHost(req.headers.host, opts.host, boundPort)) {
      log.warn('refused a request with a foreign Host header', { host: req.headers.host, url: req.url })
      return sendError(reply, { code: 'FORBIDDEN', message: 'Host not allowed.' })
    }
    if (!req.url.startsWith('/api/') && req.url !== '/api' && !req.url.startsWith('/metrics')) return
    if (!isAllowedOrigin(req.headers.origin, opts.host, boundPort)) {
      return sendError(reply, { code: 'FORBIDDEN', message: 'Origin not allowed.' })
    }
    if (!bearerMatches(req.headers.authorization, opts.token)) {
      reply.header('WWW-Authenticate', 'Bearer')
      return sendError(reply, { code: 'UNAUTHORIZED', message: 'Missing or wrong bearer token.' })
    }
  })

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, { code: 'PAYLOAD_TOO_LARGE', message: `Request body larger than ${opts.bodyLimitBytes ?? 1048576} bytes.` })
    }
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      return sendError(reply, { code: 'VALIDATION', message: `Bad request: ${err.message}` })
    }
    log.error('unhandled error in an HTTP request', { err })
    return sendError(reply, { code: 'INTERNAL', message: 'Internal error; see the DB-Taxi log for details.' })
  })

  app.get('/health', async () => ({ status: 'ok' }))

  app.get('/api/status', async () => opts.system.status())

  app.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(prometheusText(opts.system.status())))

  app.get('/api/sync/status', async (_req, reply) => {
    const doc = opts.system.syncStatus()
    return reply.code(doc.ok ? 200 : 503).send(doc)
  })

  app.post<{ Params: { method: string } }>('/api/rpc/:method', async (req, reply) => {
    const result = await opts.dispatch(req.params.method, req.body ?? undefined, { transport: 'http' })
    if (result.ok) return reply.code(200).send(result)
    return reply.code(httpStatusFor(result.error.code)).send(result)
  })

  app.get('/api/events', (req: FastifyRequest, reply: FastifyReply) => {
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

  const hasUi = existsSync(join(opts.rendererDir, 'index.html'))
  if (hasUi) {
    void app.register(fastifyStatic, { root: opts.rendererDir, index: ['index.html'], wildcard: false })
  }
  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/api/') || req.method !== 'GET') {
      return sendError(reply, { code: 'NOT_FOUND', message: `No route ${req.method} ${req.url.split('?')[0]}.` })
    }
    if (hasUi) return reply.type('text/html').sendFile('index.html')
    return reply
      .type('text/html')
      .send('<!doctype html><title>DB-Taxi</title><p>The UI is not built. Run <code>npm run build</code>, then restart.</p>')
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
