import { create } from 'zustand'

/**
 * Whether the page can talk to a backend at all. `no-token`: a browser opened without the `#token=...`
 * URL; `unauthorized`: the server rejected the token (restarted with a new one, or a stale tab).
 */
export type SessionBlock = 'no-token' | 'unauthorized' | null

interface SessionState {
  blocked: SessionBlock
  block(reason: Exclude<SessionBlock, null>): void
}

export const useSession = create<SessionState>()((set) => ({
  blocked: null,
  block(reason) {
    set({ blocked: reason })
  }
}))
