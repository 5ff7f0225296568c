import { afterEach, describe, expect, it, vi } from 'vitest'
import type { JobStatusEvent } from '../../../src/shared/contract'
import { HttpTransport } from '../../../src/renderer/src/transport/http'

type FetchArgs = [input: string, init: RequestInit]

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

const STATUS_OK = { ok: true, data: { version: '0.1.0' } }

function stubFetch(impl: (...args: FetchArgs) => Promise<Response>) {
  const fn = vi.fn(impl)
  vi.stubGlobal('fetch', fn)
  return fn
}

/** A streaming SSE response that stays open until the request is aborted (like a real server). */
function sseResponse(chunks: (string | Uint8Array)[], signal: AbortSignal | null | undefined, keepOpen = true): Response {
  const enc = new TextEncoder()
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(typeof c === 'string' ? enc.encode(c) : c)
      if (!keepOpen) controller.close()
      signal?.addEventListener('abort', () => {
        try {
          controller.error(new DOMException('aborted', 'AbortError'))
        } catch {
          // already closed
        }
      })
    }
  })
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } })
}

afterEach(() => {
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

describe('HttpTransport.invoke', () => {
  it('POSTs the input as JSON to /api/rpc/<method> with the bearer token and returns the envelope', async () => {
    const fetch = stubFetch(async () => json(STATUS_OK))
    const t = new HttpTransport({ getToken: () => 'tok-1' })
    await expect(t.invoke('system.status', {})).resolves.toEqual(STATUS_OK)
    const [url, init] = fetch.mock.calls[0]!
    expect(url).toBe('/api/rpc/system.status')
    expect(init.method).toBe('POST')
    expect(new Headers(init.headers).get('Authorization')).toBe('Bearer tok-1')
    expect(new Headers(init.headers).get('Content-Type')).toBe('application/json')
    expect(init.body).toBe('{}')
  })

  it('sends {} for an omitted input, honours baseUrl and reads the token at every call', async () => {
    const fetch = stubFetch(async () => json(STATUS_OK))
    let token = 'a'
    const t = new HttpTransport({ baseUrl: 'http://127.0.0.1:8080/', getToken: () => token })
    await t.invoke('system.status', undefined)
    token = 'b'
    await t.invoke('settings.update', { values: { 'sync.enabled': false } })
    expect(fetch.mock.calls[0]![0]).toBe('http://127.0.0.1:8080/api/rpc/system.status')
    expect(fetch.mock.calls[0]![1].body).toBe('{}')
    expect(new Headers(fetch.mock.calls[1]![1].headers).get('Authorization')).toBe('Bearer b')
    expect(JSON.parse(fetch.mock.calls[1]![1].body as string)).toEqual({ values: { 'sync.enabled': false } })
  })

  it('returns error envelopes of 4xx/5xx answers unchanged and stays "up"', async () => {
    const refused = { ok: false, error: { code: 'VALIDATION', message: 'bad', details: [{ path: ['x'], message: 'm' }] } }
    stubFetch(async () => json(refused, 400))
    const t = new HttpTransport({ getToken: () => 't' })
    const seen: boolean[] = []
    t.onConnectivity((up) => seen.push(up))
    await expect(t.invoke('settings.update', { values: {} })).resolves.toEqual(refused)
    expect(seen).toEqual([])
  })

  it('reports a 401 to onUnauthorized and still returns its envelope', async () => {
    const body = { ok: false, error: { code: 'UNAUTHORIZED', message: 'missing or wrong token' } }
    stubFetch(async () => json(body, 401))
    const onUnauthorized = vi.fn()
    const t = new HttpTransport({ getToken: () => 'stale', onUnauthorized })
    await expect(t.invoke('system.status', {})).resolves.toEqual(body)
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
  })

  it('turns a network failure into UNAVAILABLE, flips connectivity down once, and up on the next answer', async () => {
    let fail = true
    stubFetch(async () => {
      if (fail) throw new TypeError('Failed to fetch')
      return json(STATUS_OK)
    })
    const t = new HttpTransport({ getToken: () => 't' })
    const seen: [boolean, string | undefined][] = []
    t.onConnectivity((up, reason) => seen.push([up, reason]))

    const first = await t.invoke('system.status', {})
    await t.invoke('system.status', {})
    expect(first.ok).toBe(false)
    if (!first.ok) {
      expect(first.error.code).toBe('UNAVAILABLE')
      expect(first.error.message).toContain('Failed to fetch')
    }
    fail = false
    await expect(t.invoke('system.status', {})).resolves.toEqual(STATUS_OK)
    expect(seen).toEqual([
      [false, first.ok ? undefined : first.error.message],
      [true, undefined]
    ])
  })

  it('treats a non-envelope 5xx (a proxy page) as UNAVAILABLE and down', async () => {
    stubFetch(async () => new Response('<html>Bad Gateway</html>', { status: 502 }))
    const t = new HttpTransport({ getToken: () => 't' })
    const downs = vi.fn()
    t.onConnectivity(downs)
    const res = await t.invoke('system.status', {})
    expect(res).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } })
    expect(downs).toHaveBeenCalledWith(false, expect.stringContaining('502'))
  })

  it('gives up on a request that hangs, as UNAVAILABLE', async () => {
    stubFetch(
      (_url, init) =>
        new Promise((_resolve, reject) => {
          init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))
        })
    )
    const t = new HttpTransport({ getToken: () => 't', requestTimeoutMs: 20 })
    const res = await t.invoke('system.status', {})
    expect(res).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } })
    if (!res.ok) expect(res.error.message).toMatch(/did not answer/)
  })
})

describe('HttpTransport events', () => {
  it('opens one authenticated SSE stream and delivers parsed payloads to the right listeners', async () => {
    const payload: JobStatusEvent = { jobId: 'j1', syncId: null, status: 'running' }
    const frame = `event: job.status\ndata: ${JSON.stringify(payload)}\n\n`
    const fetch = stubFetch(async (_url, init) =>
      sseResponse(
        [
          ': hello\n\n',
          frame.slice(0, 10),
          frame.slice(10) + 'event: job.log\ndata: {"jobId":"j1","message":"a"}\n\n',
          'event: not.ours\ndata: {}\n\nevent: job.status\ndata: {broken\n\n'
        ],
        init.signal
      )
    )
    const t = new HttpTransport({ getToken: () => 'tok' })
    const statuses: JobStatusEvent[] = []
    const logs: unknown[] = []
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const off1 = t.on('job.status', (p) => statuses.push(p))
    const off2 = t.on('job.log', (p) => logs.push(p))

    await vi.waitFor(() => expect(logs).toHaveLength(1))
    expect(statuses).toEqual([payload])
    expect(fetch).toHaveBeenCalledTimes(1)
    const [url, init] = fetch.mock.calls[0]!
    expect(url).toBe('/api/events')
    expect(new Headers(init.headers).get('Authorization')).toBe('Bearer tok')

    off1()
    expect(init.signal?.aborted).toBe(false)
    off2()
    // The last listener gone closes the stream.
    expect(init.signal?.aborted).toBe(true)
  })

  it('decodes UTF-8 split across chunks', async () => {
    const bytes = new TextEncoder().encode('event: job.log\ndata: {"message":"🚕 ok"}\n\n')
    const cut = bytes.indexOf(0xf0) + 2
    stubFetch(async (_url, init) => sseResponse([bytes.slice(0, cut), bytes.slice(cut)], init.signal))
    const t = new HttpTransport({ getToken: () => 't' })
    const got: unknown[] = []
    const off = t.on('job.log', (p) => got.push(p))
    await vi.waitFor(() => expect(got).toEqual([{ message: '🚕 ok' }]))
    off()
  })

  it('reconnects with backoff after a failure or a closed stream, and reports connectivity', async () => {
    let calls = 0
    stubFetch(async (_url, init) => {
      calls++
      if (calls === 1) throw new TypeError('Failed to fetch')
      if (calls === 2) return sseResponse(['event: job.log\ndata: {"n":2}\n\n'], init.signal, false)
      return sseResponse(['event: job.log\ndata: {"n":3}\n\n'], init.signal)
    })
    const t = new HttpTransport({ getToken: () => 't', reconnectBaseMs: 1, reconnectMaxMs: 5 })
    const seen: boolean[] = []
    t.onConnectivity((up) => seen.push(up))
    const got: unknown[] = []
    const off = t.on('job.log', (p) => got.push(p))
    await vi.waitFor(() => expect(got).toEqual([{ n: 2 }, { n: 3 }]))
    expect(seen).toEqual([false, true])
    expect(calls).toBe(3)
    off()
  })

  it('stops reconnecting on 401 and reports it', async () => {
    const fetch = stubFetch(async () => json({ ok: false, error: { code: 'UNAUTHORIZED', message: 'no' } }, 401))
    const onUnauthorized = vi.fn()
    const t = new HttpTransport({ getToken: () => 'bad', onUnauthorized, reconnectBaseMs: 1 })
    const off = t.on('job.status', () => undefined)
    await vi.waitFor(() => expect(onUnauthorized).toHaveBeenCalledTimes(1))
    await new Promise((r) => setTimeout(r, 30))
    expect(fetch).toHaveBeenCalledTimes(1)
    off()
  })

  it('retries a refused stream (5xx) without declaring the backend down', async () => {
    let calls = 0
    stubFetch(async (_url, init) => {
      calls++
      if (calls === 1) return json({ ok: false, error: { code: 'INTERNAL', message: 'x' } }, 500)
      return sseResponse(['event: job.log\ndata: {}\n\n'], init.signal)
    })
    const t = new HttpTransport({ getToken: () => 't', reconnectBaseMs: 1 })
    const seen: boolean[] = []
    t.onConnectivity((up) => seen.push(up))
    const got: unknown[] = []
    const off = t.on('job.log', (p) => got.push(p))
    await vi.waitFor(() => expect(got).toHaveLength(1))
    expect(seen).toEqual([])
    off()
  })
})
