import type { Envelope, EventMap, EventName, Method, MethodInput, MethodOutput } from '../../../shared/contract'
import { errorText, isEnvelope, unavailable } from './envelope'
import { ListenerHub } from './listeners'
import type { ConnectivityListener, Transport } from './types'

/**
 * What the preload exposes as `window.dbTaxi` via contextBridge: exactly these two functions, no raw
 * ipcRenderer. Declared here (not imported from src/preload) because the renderer only knows the contract.
 */
export interface DbTaxiBridge {
  invoke(method: string, input: unknown): Promise<unknown>
  /** Returns the unsubscribe function. */
  on(event: string, cb: (payload: unknown) => void): () => void
}

/** Electron IPC through the preload bridge. */
export class ElectronTransport implements Transport {
  private readonly hub = new ListenerHub()

  constructor(private readonly bridge: DbTaxiBridge) {}

  async invoke<M extends Method>(method: M, input: MethodInput<M>): Promise<Envelope<MethodOutput<M>>> {
    let result: unknown
    try {
      result = await this.bridge.invoke(method, input ?? {})
    } catch (err) {
      // The main process answers every call with an envelope; a rejection means IPC itself broke
      // (handler missing while main restarts its core, or the channel is gone).
      const message = `The DB-Taxi core did not answer: ${errorText(err)}`
      this.hub.setConnectivity(false, message)
      return unavailable(message)
    }
    if (!isEnvelope(result)) return unavailable(`Unexpected answer from the DB-Taxi core for ${method}.`)
    this.hub.setConnectivity(true)
    return result as Envelope<MethodOutput<M>>
  }

  on<E extends EventName>(event: E, cb: (payload: EventMap[E]) => void): () => void {
    // One bridge subscription per renderer listener keeps the preload trivial; events are few per second.
    return this.bridge.on(event, (payload) => cb(payload as EventMap[E]))
  }

  onConnectivity(cb: ConnectivityListener): () => void {
    return this.hub.addConnectivity(cb)
  }
}
