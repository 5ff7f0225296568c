import { describe, expect, it, vi } from 'vitest'
import { ApiError, createClient, toErrorBody } from '../../../src/renderer/src/api/client'
import { formatUptime } from '../../../src/renderer/src/format/time'
import { hashFor, pageFromHash } from '../../../src/renderer/src/routing/routes'
import { backoffDelay } from '../../../src/renderer/src/transport/backoff'
import { ElectronTransport, type DbTaxiBridge } from '../../../src/renderer/src/transport/bridge'
import { isEnvelope } from '../../../src/renderer/src/transport/envelope'
import { pickTransport } from '../../../src/renderer/src/transport'
import { HttpTransport } from '../../../src/renderer/src/transport/http'
import type { Transport } from '../../../src/renderer/src/transport/types'

describe('routes', () => {
  it('maps hashes to pages, defaulting to the dashboard', () => {
    expect(pageFromHash('#/jobs')).toBe('jobs')
    expect(pageFromHash('#settings')).toBe('settings')
    expect(pageFromHash('#/connections/42')).toBe('connections')
    expect(pageFromHash('')).toBe('dashboard')
    expect(pageFromHash('#/nope')).toBe('dashboard')
    expect(pageFromHash('#token=abc')).toBe('dashboard')
    expect(hashFor('syncs')).toBe('#/syncs')
  })
})

describe('formatUptime', () => {
  it.each([
    [0, '0s'],
    [42_000, '42s'],
    [303_000, '5m 3s'],
    [3_600_000, '1h'],
    [7_500_000, '2h 5m'],
    [3 * 86_400_000 + 4 * 3_600_000 + 59_000, '3d 4h'],
    [-1, '—']
  ])('%d ms -> %s', (ms, text) => expect(formatUptime(ms)).toBe(text))
})

describe('backoffDelay', () => {
  it('grows exponentially with jitter in [half, full] and is capped', () => {
    expect(backoffDelay(0, 1000, 30_000, () => 0)).toBe(500)
    expect(backoffDelay(0, 1000, 30_000, () => 1)).toBe(1000)
    expect(backoffDelay(3, 1000, 30_000, () => 1)).toBe(8000)
    expect(backoffDelay(20, 1000, 30_000, () => 1)).toBe(30_000)
  })
})

describe('isEnvelope', () => {
  it('accepts only the two contract shapes', () => {
    expect(isEnvelope({ ok: true, data: null })).toBe(true)
    expect(isEnvelope({ ok: false, error: { code: 'INTERNAL', message: 'x' } })).toBe(true)
    expect(isEnvelope({ ok: false, error: 'x' })).toBe(false)
    expect(isEnvelope({ ok: true })).toBe(false)
    expect(isEnvelope('<html>')).toBe(false)
    expect(isEnvelope(null)).toBe(false)
  })
})

describe('api client', () => {
  function fakeTransport(result: unknown): Transport {
    return {
      invoke: vi.fn(async () => result) as unknown as Transport['invoke'],
      on: () => () => undefined,
      onConnectivity: () => () => undefined
    }
  }

  it('resolves data of an ok envelope', async () => {
    const client = createClient(fakeTransport({ ok: true, data: { settings: [], pendingRestart: [] } }))
    await expect(client.call('settings.get', {})).resolves.toEqual({ settings: [], pendingRestart: [] })
  })

  it('throws an ApiError carrying code, message and details', async () => {
    const client = createClient(
      fakeTransport({ ok: false, error: { code: 'VALIDATION', message: 'bad', details: { issues: [] } } })
    )
    const err = await client.call('settings.get', {}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ code: 'VALIDATION', message: 'bad', details: { issues: [] } })
    expect(toErrorBody(err)).toEqual({ code: 'VALIDATION', message: 'bad', details: { issues: [] } })
    expect(toErrorBody(new Error('boom'))).toEqual({ code: 'INTERNAL', message: 'boom' })
  })
})

describe('ElectronTransport', () => {
  function bridge(overrides: Partial<DbTaxiBridge> = {}): DbTaxiBridge {
    return {
      invoke: vi.fn(async () => ({ ok: true, data: 1 })),
      on: vi.fn(() => () => undefined),
      ...overrides
    }
  }

  it('forwards calls and returns the envelope', async () => {
    const b = bridge()
    const t = new ElectronTransport(b)
    await expect(t.invoke('system.status', undefined)).resolves.toEqual({ ok: true, data: 1 })
    expect(b.invoke).toHaveBeenCalledWith('system.status', {})
  })

  it('turns a rejected IPC call into UNAVAILABLE and flips connectivity', async () => {
    let fail = true
    const t = new ElectronTransport(
      bridge({
        invoke: async () => {
          if (fail) throw new Error('No handler registered')
          return { ok: true, data: 1 }
        }
      })
    )
    const seen: boolean[] = []
    t.onConnectivity((up) => seen.push(up))
    await expect(t.invoke('system.status', {})).resolves.toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } })
    fail = false
    await t.invoke('system.status', {})
    expect(seen).toEqual([false, true])
  })

  it('subscribes each listener through the bridge and unsubscribes it', () => {
    const handlers: ((p: unknown) => void)[] = []
    const unsub = vi.fn()
    const t = new ElectronTransport(
      bridge({
        on: (_event, cb) => {
          handlers.push(cb)
          return unsub
        }
      })
    )
    const a = vi.fn()
    const b = vi.fn()
    const offA = t.on('job.log', a)
    t.on('job.log', b)
    handlers[0]!({ x: 1 })
    expect(a).toHaveBeenCalledWith({ x: 1 })
    expect(b).not.toHaveBeenCalled()
    offA()
    expect(unsub).toHaveBeenCalledTimes(1)
  })
})

describe('pickTransport', () => {
  it('uses the preload bridge when present, HTTP with a token otherwise, and reports a missing token', () => {
    const common = { getToken: () => 'tok', onUnauthorized: () => undefined }
    const b: DbTaxiBridge = { invoke: async () => ({ ok: true, data: null }), on: () => () => undefined }
    expect(pickTransport({ ...common, bridge: b }).kind).toBe('electron')
    const http = pickTransport({ ...common, bridge: undefined })
    expect(http.kind).toBe('http')
    if (http.kind === 'http') expect(http.transport).toBeInstanceOf(HttpTransport)
    expect(pickTransport({ bridge: undefined, getToken: () => null, onUnauthorized: () => undefined }).kind).toBe(
      'no-token'
    )
  })
})

describe('scheduleWithEnabled (pause in place)', () => {
  it('gives back the saved schedule as syncs.update takes it, with only enabled changed', async () => {
    const { scheduleWithEnabled } = await import('../../../src/renderer/src/syncs/summary')
    const base = { catchUp: true, enabled: true, description: 'x', nextRunAt: null, lastRunAt: null }
    expect(scheduleWithEnabled({ ...base, kind: 'cron', cron: '0 2 * * *', timezone: 'Europe/Berlin' }, false)).toEqual({ kind: 'cron', cron: '0 2 * * *', timezone: 'Europe/Berlin', catchUp: true, enabled: false })
    expect(scheduleWithEnabled({ ...base, kind: 'interval', every: '15m', enabled: false }, true)).toEqual({ kind: 'interval', every: '15m', catchUp: true, enabled: true })
  })
})
