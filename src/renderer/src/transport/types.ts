import type { Envelope, EventMap, EventName, Method, MethodInput, MethodOutput } from '../../../shared/contract'

/** Called with `up=false` and a human reason when the backend cannot be reached, `up=true` when it can again. */
export type ConnectivityListener = (up: boolean, reason?: string) => void

/**
 * How the renderer reaches the core. The UI never knows which implementation it has: Electron IPC in the
 * desktop app, HTTP+SSE in a browser against `db-taxi serve`. Implementations never throw from `invoke`;
 * every failure, including "cannot reach the backend", comes back as an error Envelope.
 */
export interface Transport {
  invoke<M extends Method>(method: M, input: MethodInput<M>): Promise<Envelope<MethodOutput<M>>>
  /** Subscribe to one event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, cb: (payload: EventMap[E]) => void): () => void
  /** Connectivity changes only (not the current state); returns the unsubscribe function. */
  onConnectivity(cb: ConnectivityListener): () => void
}
