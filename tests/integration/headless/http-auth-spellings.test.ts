import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDispatcher } from '../../../src/main/api/dispatcher'
import { createHandlers } from '../../../src/main/api/handlers'
import { createHttpServer, type HttpServer } from '../../../src/main/headless/http-server'
import { loadBootLayers } from '../../../src/main/sync/config/layers'
import { createSyncSystem, type SyncSystem } from '../../../src/main/sync/system'
import { startServe, type RunningServe } from '../../helpers/cli'

/**
 * Issue 10 item 1: the HTTP API is not usable without the token, however the request target is
 * spelled. Every request goes over a raw socket (node:net), so no client library normalises the
 * target on the way: the server sees exactly the bytes an attacker would send.
 */

const TOKEN = 'spellings-token-0123456789abcdef'
// Header values a refused request carries; none of them may reach a log line.
const WRONG_BEARER = 'wrong-bearer-value-7f3a9c'
const COOKIE = 'session=cookie-value-5b2e81'

interface RawResponse {
  status: number
  headers: string
  body: string
}

/** One HTTP/1.1 request, written byte for byte; resolves with the status line's code, headers and body. */
function send(port: number, method: string, target: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let data = ''
    let done = false
    const finish = (): void => {
      if (done) return
      done = true
      socket.destroy()
      const head = data.split('\r\n\r\n', 1)[0] ?? ''
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)
      resolve({ status, headers: head, body: data.slice(head.length + 4) })
    }
    // Only a guard against a hang (a HEAD of an event stream never answers on the old code): it turns
    // one into a readable failure (status 0) instead of a test timeout; a passing run never waits on it.
    socket.setTimeout(10_000, finish)
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      data += chunk
      // An event stream never ends: its headers and first bytes are enough.
      if (/content-type: text\/event-stream/i.test(data) && data.includes('\r\n\r\n')) finish()
    })
    socket.on('end', finish)
    socket.on('close', finish)
    socket.on('error', (e) => (done ? undefined : reject(e)))
    const all = { host: `127.0.0.1:${port}`, ...headers, connection: 'close', 'content-length': '0' }
    const head = Object.entries(all)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')
    socket.write(`${method} ${target} HTTP/1.1\r\n${head}\r\n`)
  })
}

interface Spelling {
  method: string
  target: string
  /** The status with the right token: 200 where the router matches a real route, else the refusal. */
  withToken: number
}

/**
 * Spellings of the protected routes (/api/status, /api/rpc/<method>, /api/events, /metrics). None
 * may answer 2xx without the token. `withToken` documents what the same bytes get with it.
 */
function corpus(port: number): Spelling[] {
  const get = (target: string, withToken: number): Spelling[] => [
    { method: 'GET', target, withToken },
    { method: 'HEAD', target, withToken }
  ]
  const post = (target: string, withToken: number): Spelling => ({ method: 'POST', target, withToken })
  return [
    // The plain spellings.
    ...get('/api/status', 200),
    ...get('/api/sync/status', 200),
    { method: 'GET', target: '/api/events', withToken: 200 },
    // An event stream has no HEAD route (it would subscribe and never answer).
    { method: 'HEAD', target: '/api/events', withToken: 404 },
    ...get('/metrics', 200),
    post('/api/rpc/connections.list', 200),
    // Percent-encoded letters: the router decodes them, so these ARE the routes.
    ...get('/%61pi/status', 200),
    ...get('/%61%70%69/status', 200),
    { method: 'GET', target: '/%61pi/events', withToken: 200 },
    { method: 'HEAD', target: '/%61pi/events', withToken: 404 },
    ...get('/%6detrics', 200),
    ...get('/%6Detrics', 200),
    ...get('/api/st%61tus', 200),
    post('/%61pi/rpc/connections.list', 200),
    post('/api/rpc/connections%2Elist', 200),
    // Query strings are not the path.
    ...get('/api/status?', 200),
    ...get('/api/status?x=1', 200),
    ...get('/metrics?', 200),
    post('/api/rpc/connections.list?', 200),
    // Case: the router is case-sensitive; no index.html either.
    ...get('/API/status', 404),
    ...get('/Api/status', 404),
    ...get('/METRICS', 404),
    post('/API/rpc/connections.list', 404),
    // Slashes: doubled, trailing, encoded, backslashes.
    ...get('//api/status', 400),
    ...get('///api/status', 400),
    ...get('/api//status', 404),
    ...get('/api/status/', 404),
    ...get('/metrics/', 404),
    ...get('/api%2Fstatus', 404),
    ...get('/api%2fstatus', 404),
    ...get('/%2Fapi/status', 404),
    ...get('/\\api/status', 400),
    ...get('/api\\status', 400),
    ...get('/%5Capi/status', 404),
    post('//api/rpc/connections.list', 400),
    post('/api%2Frpc%2Fconnections.list', 404),
    // Dot segments, plain and encoded.
    ...get('/./api/status', 404),
    ...get('/api/../api/status', 404),
    ...get('/x/../api/status', 404),
    ...get('/%2e/api/status', 404),
    ...get('/%2E%2E/api/status', 404),
    ...get('/api/%2e%2e/api/status', 404),
    post('/./api/rpc/connections.list', 404),
    // Fragments are never part of a request target.
    ...get('/api/status#', 400),
    ...get('/api/status#x', 400),
    ...get('/%61pi/status#', 400),
    post('/api/rpc/connections.list#x', 400),
    // Path parameters after `;`.
    ...get('/api/status;x', 404),
    ...get('/api;x/status', 404),
    ...get('/metrics;x', 404),
    // Double encoding and other lookalikes.
    ...get('/%2561pi/status', 404),
    ...get('/%25%36%31pi/status', 404),
    ...get('/api/status%00', 404),
    ...get('/%EF%BD%81pi/status', 404),
    ...get('/api', 404),
    ...get('/api/', 404),
    ...get('/%61pi', 404),
    ...get('/api/nothing', 404),
    // Request targets that are not origin-form.
    ...get(`http://127.0.0.1:${port}/api/status`, 400),
    ...get(`HTTP://127.0.0.1:${port}/%61pi/status`, 400),
    ...get(`http://127.0.0.1:${port}/metrics`, 400),
    ...get('http://evil.example/api/status', 400),
    post(`http://127.0.0.1:${port}/api/rpc/connections.list`, 400),
    post(`https://127.0.0.1:${port}/api/rpc/connections.list`, 400),
    ...get('*', 400),
    { method: 'OPTIONS', target: '*', withToken: 400 },
    ...get('api/status', 400),
    // URLs the router cannot decode.
    ...get('/%61pi/%ZZ', 400),
    ...get('/api/status%', 400),
    // Other methods on protected paths.
    { method: 'OPTIONS', target: '/api/status', withToken: 404 },
    { method: 'OPTIONS', target: '/%61pi/rpc/connections.list', withToken: 404 },
    { method: 'PUT', target: '/api/rpc/connections.list', withToken: 404 },
    { method: 'DELETE', target: '/%61pi/status', withToken: 404 }
  ]
}

/** What API data looks like in a body: a success envelope, the status document, metrics, an event stream. */
const API_DATA = /"ok":\s*true|"version"|"counters"|dbtaxi_|: connected/

describe('HTTP auth holds for every spelling of a protected path', () => {
  let s: RunningServe
  let dataDir: string
  let indexHtml: string

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dbt-spellings-'))
    s = await startServe(['--data-dir', dataDir], { DBT_SERVER_TOKEN: TOKEN })
    const root = await send(s.port, 'GET', '/')
    expect(root.status).toBe(200)
    indexHtml = root.body
    expect(indexHtml).toMatch(/<html/i)
  })
  afterAll(async () => {
    await s?.stop()
  })

  it('answers no spelling with 2xx or API data without the token', async () => {
    const leaks: string[] = []
    for (const c of corpus(s.port)) {
      const r = await send(s.port, c.method, c.target)
      if (r.status >= 200 && r.status < 300) leaks.push(`${c.method} ${c.target} -> ${r.status}`)
      if (API_DATA.test(r.body)) leaks.push(`${c.method} ${c.target} -> API data in the body`)
      if (r.body === indexHtml) leaks.push(`${c.method} ${c.target} -> the SPA fallback`)
    }
    expect(leaks).toEqual([])
  })

  it('with a wrong token, cookies and a foreign Origin, still nothing', async () => {
    const leaks: string[] = []
    const headers = { authorization: `Bearer ${WRONG_BEARER}`, cookie: COOKIE }
    for (const c of corpus(s.port)) {
      for (const h of [headers, { ...headers, authorization: `Bearer ${TOKEN}`, origin: 'http://evil.example' }]) {
        const r = await send(s.port, c.method, c.target, h)
        if (r.status >= 200 && r.status < 300) leaks.push(`${c.method} ${c.target} -> ${r.status}`)
        if (API_DATA.test(r.body)) leaks.push(`${c.method} ${c.target} -> API data in the body`)
      }
    }
    expect(leaks).toEqual([])
  })

  it('with the token, the spellings the router matches work and the others are refused', async () => {
    const got: string[] = []
    const want: string[] = []
    for (const c of corpus(s.port)) {
      const r = await send(s.port, c.method, c.target, { authorization: `Bearer ${TOKEN}` })
      got.push(`${c.method} ${c.target} -> ${r.status}`)
      want.push(`${c.method} ${c.target} -> ${c.withToken}`)
      if (r.status === 200 && c.method === 'GET') expect(r.body, `${c.method} ${c.target}`).toMatch(API_DATA)
    }
    expect(got).toEqual(want)
  })

  it('keeps /health and the static UI open, and the SPA fallback for paths that are not the API', async () => {
    expect(await send(s.port, 'GET', '/health')).toMatchObject({ status: 200, body: '{"status":"ok"}' })
    expect((await send(s.port, 'HEAD', '/health')).status).toBe(200)
    expect(await send(s.port, 'GET', '/index.html')).toMatchObject({ status: 200, body: indexHtml })
    const asset = /src="\.?(\/assets\/[^"]+\.js)"/.exec(indexHtml)?.[1]
    expect(asset).toBeTruthy()
    expect((await send(s.port, 'GET', asset!)).status).toBe(200)
    expect((await send(s.port, 'GET', asset!.replace('/assets/', '/%61ssets/'))).status).toBe(200)
    expect(await send(s.port, 'GET', '/settings')).toMatchObject({ status: 200, body: indexHtml })
    expect(await send(s.port, 'GET', '/apix')).toMatchObject({ status: 200, body: indexHtml })
  })

  it('logs each refusal at warn with method, path and reason, and no header value', async () => {
    await send(s.port, 'POST', '/%61pi/rpc/connections.list', { authorization: `Bearer ${WRONG_BEARER}`, cookie: COOKIE })
    await send(s.port, 'GET', `http://127.0.0.1:${s.port}/api/status?k=query-value-91c2`, { cookie: COOKIE })
    await send(s.port, 'GET', '/api/status', { authorization: `Bearer ${TOKEN}`, origin: 'http://evil.example', cookie: COOKIE })
    await send(s.port, 'GET', '/api/status', { host: 'evil.example' })
    await send(s.port, 'GET', '/%61pi/%ZZ', { cookie: COOKIE })
    await send(s.port, 'GET', 'api/status', { cookie: COOKIE })
    expect(await s.stop()).toBe(0)

    const stderr = s.stderr()
    const lines = stderr.split('\n').filter((l) => /\bwarn\b/.test(l) && l.includes('refused a request'))
    const line = (path: string, reason: string): string | undefined =>
      lines.find((l) => l.includes(`"path":"${path}"`) && l.includes(`"reason":"${reason}"`))
    expect(line('/%61pi/rpc/connections.list', 'wrong token')).toContain('"method":"POST"')
    expect(line('/%61pi/status', 'missing token')).toContain('"method":"GET"')
    expect(line('/api/status', 'request target is not origin-form')).toContain('"method":"GET"')
    expect(line('/api/status', 'foreign Origin')).toBeTruthy()
    expect(line('/api/status', 'foreign Host header')).toBeTruthy()
    expect(line('/%61pi/%ZZ', 'malformed URL (FST_ERR_BAD_URL)')).toBeTruthy()
    expect(lines.find((l) => l.includes('malformed HTTP request'))).toBeTruthy()

    const files = readdirSync(join(dataDir, 'logs')).filter((f) => f.endsWith('.log'))
    const fileText = files.map((f) => readFileSync(join(dataDir, 'logs', f), 'utf8')).join('\n')
    expect(fileText).toMatch(/"level":"warn".*"message":"refused a request"|"message":"refused a request".*"level":"warn"/)
    for (const text of [stderr, fileText]) {
      for (const secret of [TOKEN, WRONG_BEARER, 'cookie-value-5b2e81', 'evil.example', 'query-value-91c2']) {
        expect(text).not.toContain(secret)
      }
    }
  })
})

describe('a route that does not declare itself public needs the token (default deny)', () => {
  let system: SyncSystem
  let http: HttpServer
  let port: number

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dbt-default-deny-'))
    system = createSyncSystem({
      layers: loadBootLayers({ env: { DBT_DATA_DIR: dataDir, DBT_SYNC_ENABLED: 'false' } }),
      mode: 'headless',
      consoleLog: false
    })
    await system.start()
    http = createHttpServer({
      system,
      dispatch: createDispatcher(createHandlers(system), system.logger),
      token: TOKEN,
      host: '127.0.0.1',
      port: 0,
      rendererDir: join(dataDir, 'no-renderer'),
      readTimeoutMs: 10_000,
      writeTimeoutMs: 10_000
    })
    // Routes added later, without any access setting, anywhere in the URL space.
    http.app.get('/reports/secret', async () => ({ ok: true, data: 'added later' }))
    http.app.get('/api/added', async () => ({ ok: true, data: 'added later' }))
    ;({ port } = await http.listen())
  })
  afterAll(async () => {
    await http?.close(2_000)
    await system?.stop(5_000)
  })

  it('refuses them without the token in every spelling and serves them with it', async () => {
    for (const target of ['/reports/secret', '/%72eports/secret', '/api/added', '/%61pi/added']) {
      for (const method of ['GET', 'HEAD']) {
        expect([method, target, (await send(port, method, target)).status]).toEqual([method, target, 401])
        const ok = await send(port, method, target, { authorization: `Bearer ${TOKEN}` })
        expect([method, target, ok.status]).toEqual([method, target, 200])
      }
    }
    // Without a built UI the fallback is a plain notice, and still nothing API-like gets it.
    expect((await send(port, 'GET', '/settings')).body).toMatch(/UI is not built/)
    expect((await send(port, 'GET', '/%61pi/nothing')).status).toBe(401)
    expect((await send(port, 'GET', '/health')).status).toBe(200)
  })
})
