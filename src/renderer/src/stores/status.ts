import { create } from 'zustand'
import type { SystemStatus } from '../../../shared/contract'
import type { ErrorBody } from '../../../shared/errors'
import { toErrorBody } from '../api/client'
import { api } from '../api/runtime'

interface StatusState {
  status: SystemStatus | null
  error: ErrorBody | null
  loading: boolean
  /** When `status` was last fetched, so the page can say how fresh it is. */
  fetchedAt: number | null
  refresh(): Promise<void>
}

export const useStatus = create<StatusState>()((set, get) => ({
  status: null,
  error: null,
  loading: false,
  fetchedAt: null,
  async refresh() {
    // Polls and event-driven refreshes can coincide; one request in flight is enough.
    if (get().loading) return
    set({ loading: true })
    try {
      const status = await api().call('system.status', {})
      set({ status, error: null, loading: false, fetchedAt: Date.now() })
    } catch (err) {
      // Keep the last good status on screen: the banner says the numbers are stale.
      set({ error: toErrorBody(err), loading: false })
    }
  }
}))
