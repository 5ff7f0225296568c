import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import type { Envelope, EventName } from '../shared/contract'

// The whole bridge between the sandboxed renderer and the main process: `window.dbTaxi` with
// invoke(method, input) and on(event, cb), nothing else. Channel names match src/main/desktop/ipc.ts.
// The event names are listed here rather than imported so this file bundles without zod; the
// type below fails to compile if the list and the contract's EventName ever differ.
const INVOKE_CHANNEL = 'dbtaxi:invoke'
const EVENT_CHANNEL = 'dbtaxi:event'
const EVENT_NAMES = ['job.status', 'job.progress', 'job.log', 'connection.status'] as const satisfies readonly EventName[]
type Missing = Exclude<EventName, (typeof EVENT_NAMES)[number]>
const _allEventsListed: [Missing] extends [never] ? true : Missing = true

const isEventName = (name: unknown): name is EventName => (EVENT_NAMES as readonly unknown[]).includes(name)

const bridge = {
  invoke(method: string, input: unknown): Promise<Envelope<unknown>> {
    return ipcRenderer.invoke(INVOKE_CHANNEL, method, input)
  },
  on(event: string, cb: (payload: unknown) => void): () => void {
    if (!isEventName(event) || typeof cb !== 'function') return () => undefined
    const listener = (_e: IpcRendererEvent, message: unknown): void => {
      const m = message as { event?: unknown; payload?: unknown } | null
      if (m && typeof m === 'object' && m.event === event) cb(m.payload)
    }
    ipcRenderer.on(EVENT_CHANNEL, listener)
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, listener)
    }
  }
}

contextBridge.exposeInMainWorld('dbTaxi', bridge)
