import { EventEmitter } from 'node:events'
import type { EventMap, EventName } from '../../shared/contract'

/**
 * The sync system's one outward event stream. Edges subscribe (SSE, IPC, CLI progress) and forward
 * payloads unchanged; payloads must already be free of secrets when emitted.
 */
export class EventBus {
  private readonly emitter = new EventEmitter()

  constructor() {
    // Every open browser tab or window is a listener; do not warn at 10.
    this.emitter.setMaxListeners(0)
  }

  emit<E extends EventName>(event: E, payload: EventMap[E]): void {
    this.emitter.emit(event, payload)
    this.emitter.emit('*', event, payload)
  }

  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void {
    this.emitter.on(event, listener)
    return () => this.emitter.off(event, listener)
  }

  /** Every event, for transports that forward all of them. */
  onAny(listener: <E extends EventName>(event: E, payload: EventMap[E]) => void): () => void {
    this.emitter.on('*', listener)
    return () => this.emitter.off('*', listener)
  }
}
