import type { EventEmitter } from 'node:events'
import { beforeAll, describe, expect, it, vi, type Mock } from 'vitest'
import { EVENT_NAMES } from '../../../src/shared/contract'

type FakeIpcRenderer = EventEmitter & { invoke: Mock }

// The preload runs in Electron's sandbox; here 'electron' is replaced by a recording fake.
const fake = vi.hoisted(() => {
  const exposed: Record<string, unknown> = {}
  return {
    exposed,
    exposeInMainWorld: (key: string, api: unknown) => {
      exposed[key] = api
    },
    ipc: null as unknown as FakeIpcRenderer
  }
})

vi.mock('electron', async () => {
  const { EventEmitter: Emitter } = await import('node:events')
  const ipc = Object.assign(new Emitter(), { invoke: vi.fn(async () => ({ ok: true, data: 'pong' })) })
  fake.ipc = ipc
  return { contextBridge: { exposeInMainWorld: fake.exposeInMainWorld }, ipcRenderer: ipc }
})

interface Bridge {
  invoke(method: string, input: unknown): Promise<unknown>
  on(event: string, cb: (payload: unknown) => void): () => void
}

let bridge: Bridge
let ipc: FakeIpcRenderer

beforeAll(async () => {
  await import('../../../src/preload/index')
  bridge = fake.exposed.dbTaxi as Bridge
  ipc = fake.ipc
})

describe('preload bridge', () => {
  it('exposes window.dbTaxi with exactly invoke and on, and nothing else', () => {
    expect(Object.keys(fake.exposed)).toEqual(['dbTaxi'])
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'on'])
    expect(typeof bridge.invoke).toBe('function')
    expect(typeof bridge.on).toBe('function')
  })

  it('invoke goes over the one invoke channel and returns the envelope', async () => {
    await expect(bridge.invoke('system.status', { x: 1 })).resolves.toEqual({ ok: true, data: 'pong' })
    expect(ipc.invoke).toHaveBeenCalledWith('dbtaxi:invoke', 'system.status', { x: 1 })
  })

  it('on delivers only the payload of the subscribed event, never the IPC event object', () => {
    const cb = vi.fn()
    const off = bridge.on('job.progress', cb)
    const ipcEvent = { sender: 'raw ipcRenderer', ports: [] }
    ipc.emit('dbtaxi:event', ipcEvent, { event: 'job.progress', payload: { jobId: 'j1' } })
    ipc.emit('dbtaxi:event', ipcEvent, { event: 'job.status', payload: { jobId: 'j1' } })
    ipc.emit('dbtaxi:event', ipcEvent, null)
    ipc.emit('dbtaxi:event', ipcEvent, 'garbage')
    ipc.emit('other:channel', ipcEvent, { event: 'job.progress', payload: { jobId: 'j2' } })
    expect(cb.mock.calls).toEqual([[{ jobId: 'j1' }]])
    off()
  })

  it('accepts every event name of the contract', () => {
    for (const name of EVENT_NAMES) {
      const cb = vi.fn()
      const off = bridge.on(name, cb)
      ipc.emit('dbtaxi:event', {}, { event: name, payload: name })
      expect(cb).toHaveBeenCalledWith(name)
      off()
    }
  })

  it('ignores unknown event names without subscribing', () => {
    const before = ipc.listenerCount('dbtaxi:event')
    const cb = vi.fn()
    const off = bridge.on('secret.internal', cb)
    expect(ipc.listenerCount('dbtaxi:event')).toBe(before)
    ipc.emit('dbtaxi:event', {}, { event: 'secret.internal', payload: 1 })
    expect(cb).not.toHaveBeenCalled()
    // Its off() is harmless: it removes nobody else's listener.
    const other = vi.fn()
    const offOther = bridge.on('job.log', other)
    off()
    expect(ipc.listenerCount('dbtaxi:event')).toBe(before + 1)
    ipc.emit('dbtaxi:event', {}, { event: 'job.log', payload: 2 })
    expect(other).toHaveBeenCalledWith(2)
    offOther()
  })

  it('the returned function unsubscribes', () => {
    const cb = vi.fn()
    const before = ipc.listenerCount('dbtaxi:event')
    const off = bridge.on('job.log', cb)
    expect(ipc.listenerCount('dbtaxi:event')).toBe(before + 1)
    off()
    expect(ipc.listenerCount('dbtaxi:event')).toBe(before)
    ipc.emit('dbtaxi:event', {}, { event: 'job.log', payload: 1 })
    expect(cb).not.toHaveBeenCalled()
  })
})
