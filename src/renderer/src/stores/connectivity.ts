import { create } from 'zustand'

interface ConnectivityState {
  up: boolean
  /** Why the backend is unreachable, as the transport said it. */
  reason: string | null
  set(up: boolean, reason?: string): void
}

export const useConnectivity = create<ConnectivityState>()((set) => ({
  up: true,
  reason: null,
  set(up, reason) {
    set({ up, reason: up ? null : (reason ?? 'The DB-Taxi backend cannot be reached.') })
  }
}))
