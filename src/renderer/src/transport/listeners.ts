import type { EventMap, EventName } from '../../../shared/contract'
import type { ConnectivityListener } from './types'

type AnyListener = (payload: never) => void

/** Event and connectivity bookkeeping shared by both transports, so they only differ in how bytes move. */
export class ListenerHub {
  private readonly events = new Map<EventName, Set<AnyListener>>()
  private readonly connectivity = new Set<ConnectivityListener>()
  private up = true

  add<E extends EventName>(event: E, cb: (payload: EventMap[E]) => void): () => void {
    let set = this.events.get(event)
    if (!set) {
      set = new Set()
      this.events.set(event, set)
    }
    set.add(cb as AnyListener)
    return () => {
      set.delete(cb as AnyListener)
      if (set.size === 0) this.events.delete(event)
    }
  }

  get eventListenerCount(): number {
    let n = 0
    for (const set of this.events.values()) n += set.size
    return n
  }

  emit(event: EventName, payload: unknown): void {
    const set = this.events.get(event)
    if (!set) return
    // Copy first: a listener may unsubscribe itself (or others) while we iterate.
    for (const cb of [...set]) {
      try {
        ;(cb as (p: unknown) => void)(payload)
      } catch (err) {
        // One broken listener must not starve the others of events.
        console.error(`listener for ${event} failed`, err)
      }
    }
  }

  addConnectivity(cb: ConnectivityListener): () => void {
    this.connectivity.add(cb)
    return () => {
      this.connectivity.delete(cb)
    }
  }

  /** Notifies only on a change, so a burst of failed calls yields one "down", not fifty. */
  setConnectivity(up: boolean, reason?: string): void {
    if (up === this.up) return
    this.up = up
    for (const cb of [...this.connectivity]) cb(up, up ? undefined : reason)
  }

  get isUp(): boolean {
    return this.up
  }
}
