import type { Envelope, EventMap, EventName, Method, MethodInput, MethodOutput } from '../../../shared/contract'
import { EVENT_NAMES } from '../../../shared/contract'
import { backoffDelay } from './backoff'
import { errorText, isEnvelope, unavailable } from './envelope'
import { ListenerHub } from './listeners'
import { SseParser, type SseFrame } from './sse'
import type { ConnectivityListener, Transport } from './types'

export interface HttpTransportOptions {
  /** Origin + path prefix of the server; '' means the page's own origin (how `db-taxi serve` hosts us). */
  baseUrl?: string
  /** Read at every request so a token replaced in storage is picked up without a reload. */
  getToken: () => string | null
  /** Called on any 401: the page must ask for a fresh URL from `db-taxi serve`. */
  onUnauthorized?: () => void
  fetch?: typeof fetch
  /** RPCs are short by contract (long work returns a job id); a hung server must not hang the UI. */
  requestTimeoutMs?: number
  /** Reconnect backoff for the event stream. */
  reconnectBaseMs?: number
  reconnectMaxMs?: number
}

/** Talks to `db-taxi serve`: `POST /api/rpc/<method>` for calls, one `GET /api/events` SSE stream for events. */
export class HttpTransport implements Transport {
  private readonly hub = new ListenerHub()
  private readonly baseUrl: string
  private readonly fetchImpl: typeof fetch
  private stream: AbortController | null = null

  constructor(private readonly options: HttpTransportOptions) {
    this.baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '')
    // Bound to globalThis: browsers throw "Illegal invocation" for a detached window.fetch.
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  }

  async invoke<M extends Method>(method: M, input: MethodInput<M>): Promise<Envelope<MethodOutput<M>>> {
    const controller = new AbortController()
    const timeoutMs = this.options.requestTimeoutMs ?? 30_000
    const timer = setTimeout(() => controller.abort(), timeoutMs)
    let status: number
    let text: string
    try {
      const res = await this.fetchImpl(`${this.baseUrl}/api/rpc/${encodeURIComponent(method)}`, {
        method: 'POST',
        headers: { ...this.authHeader(), 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(input ?? {}),
        signal: controller.signal
      })
      status = res.status
      // Reading the body is still network I/O: a connection cut mid-body is a network failure too.
      text = await res.text()
    } catch (err) {
      const message = controller.signal.aborted
        ? `The DB-Taxi server did not answer within ${Math.round(timeoutMs / 1000)}s.`
        : `Cannot reach the DB-Taxi server: ${errorText(err)}`
      this.hub.setConnectivity(false, message)
      return unavailable(message)
    } finally {
      clearTimeout(timer)
    }

    if (status === 401) this.options.onUnauthorized?.()
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      body = undefined
    }
    if (isEnvelope(body)) {
      this.hub.setConnectivity(true)
      return body as Envelope<MethodOutput<M>>
    }
    // Not our server's answer: typically a proxy's 502/504 page while the server is down.
    const message = `Unexpected answer from the server (HTTP ${status}).`
    if (status >= 500) this.hub.setConnectivity(false, message)
    return unavailable(message)
  }

  on<E extends EventName>(event: E, cb: (payload: EventMap[E]) => void): () => void {
    const off = this.hub.add(event, cb)
    // One stream for all events, open only while someone listens.
    if (!this.stream) this.startStream()
    return () => {
      off()
      if (this.hub.eventListenerCount === 0) this.stopStream()
    }
  }

  onConnectivity(cb: ConnectivityListener): () => void {
    return this.hub.addConnectivity(cb)
  }

  /** Closes the event stream; pending reconnects stop. */
  close(): void {
    this.stopStream()
  }

  private authHeader(): Record<string, string> {
    const token = this.options.getToken()
    return token ? { Authorization: `Bearer ${token}` } : {}
  }

  private startStream(): void {
    const controller = new AbortController()
    this.stream = controller
    void this.runStream(controller.signal)
  }

  private stopStream(): void {
    this.stream?.abort()
    this.stream = null
  }

  private async runStream(signal: AbortSignal): Promise<void> {
    const parser = new SseParser()
    let attempt = 0
    let serverRetryMs: number | undefined
    while (!signal.aborted) {
      try {
        const res = await this.fetchImpl(`${this.baseUrl}/api/events`, {
          method: 'GET',
          headers: { ...this.authHeader(), Accept: 'text/event-stream' },
          signal
        })
        if (res.status === 401) {
          // Retrying with a rejected token cannot succeed; the page asks for a new URL instead.
          await res.body?.cancel().catch(() => undefined)
          this.options.onUnauthorized?.()
          return
        }
        if (!res.ok || !res.body) {
          await res.body?.cancel().catch(() => undefined)
          throw new StreamRefused(`event stream refused (HTTP ${res.status})`)
        }
        this.hub.setConnectivity(true)
        attempt = 0
        parser.reset()
        const reader = res.body.getReader()
        const decoder = new TextDecoder()
        for (;;) {
          const { done, value } = await reader.read()
          if (done) break
          for (const frame of parser.push(decoder.decode(value, { stream: true }))) {
            if (frame.retry !== undefined) serverRetryMs = frame.retry
            this.dispatch(frame)
          }
        }
        // A clean end (server restart, proxy idle cut): fall through and reconnect.
      } catch (err) {
        if (signal.aborted) return
        // A refusal means the server is there; only a failed connection or a cut stream means it is not.
        if (!(err instanceof StreamRefused)) {
          this.hub.setConnectivity(false, `Lost the connection to the DB-Taxi server: ${errorText(err)}`)
        }
      }
      const base = serverRetryMs ?? this.options.reconnectBaseMs ?? 1000
      await sleep(backoffDelay(attempt++, base, this.options.reconnectMaxMs ?? 30_000), signal)
    }
  }

  private dispatch(frame: SseFrame): void {
    if (!(EVENT_NAMES as string[]).includes(frame.event)) return
    let payload: unknown
    try {
      payload = JSON.parse(frame.data)
    } catch {
      console.warn(`ignoring ${frame.event} event with a body that is not JSON`)
      return
    }
    this.hub.emit(frame.event as EventName, payload)
  }
}

class StreamRefused extends Error {}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}
