import { create } from 'zustand'
import { hashFor, pageFromHash, type PageId } from '../routing/routes'

interface RouteState {
  page: PageId
  navigate(page: PageId): void
}

/** Mirrors location.hash, which stays the source of truth so back/forward and reload just work. */
export const useRoute = create<RouteState>()((set) => ({
  page: pageFromHash(window.location.hash),
  navigate(page) {
    window.location.hash = hashFor(page)
    set({ page })
  }
}))

window.addEventListener('hashchange', () => {
  useRoute.setState({ page: pageFromHash(window.location.hash) })
})
