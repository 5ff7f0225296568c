import { create } from 'zustand'
import type { ConnectionInfo } from '../../../shared/connections'
import type { ConnectionStatusEvent } from '../../../shared/contract'
import type { ErrorBody } from '../../../shared/errors'
import { toErrorBody } from '../api/client'
import { api } from '../api/runtime'
import { sortConnections, withStatus } from '../connections/health'

interface ConnectionsState {
  items: ConnectionInfo[] | null
  loadError: ErrorBody | null
  loading: boolean
  load(): Promise<void>
  /** A saved (created or updated) connection, as the server answered it. */
  upsert(c: ConnectionInfo): void
  remove(id: string): void
  applyStatus(ev: ConnectionStatusEvent): void
}

export const useConnections = create<ConnectionsState>()((set, get) => ({
  items: null,
  loadError: null,
  loading: false,
  async load() {
    // Polls and manual refreshes can coincide; one request in flight is enough.
    if (get().loading) return
    set({ loading: true })
    try {
      const items = await api().call('connections.list', {})
      set({ items: sortConnections(items), loadError: null, loading: false })
    } catch (err) {
      // Keep the last good list on screen; the alert says it could not be refreshed.
      set({ loadError: toErrorBody(err), loading: false })
    }
  },
  upsert(c) {
    const items = get().items ?? []
    set({ items: sortConnections([...items.filter((i) => i.id !== c.id), c]) })
  },
  remove(id) {
    const items = get().items
    if (items) set({ items: items.filter((i) => i.id !== id) })
  },
  applyStatus(ev) {
    const items = get().items
    if (!items) return
    const next = withStatus(items, ev)
    if (next !== items) set({ items: next })
  }
}))
