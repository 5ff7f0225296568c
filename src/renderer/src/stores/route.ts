import { create } from 'zustand'
import { hashFor, pageFromHash, subPathFromHash, type PageId } from '../routing/routes'

interface RouteState {
  page: PageId
  /** Segments after the page (`#/jobs/<id>` -> [id]) for detail views. */
  rest: string[]
  navigate(page: PageId, ...rest: string[]): void
  /** Go to a hash produced by routing/routes (`jobHash(id)`, ...). */
  go(hash: string): void
}

const read = (hash: string): { page: PageId; rest: string[] } => ({ page: pageFromHash(hash), rest: subPathFromHash(hash) })

/** Mirrors location.hash, which stays the source of truth so back/forward and reload just work. */
export const useRoute = create<RouteState>()((set) => ({
  ...read(window.location.hash),
  navigate(page, ...rest) {
    const hash = hashFor(page, ...rest)
    window.location.hash = hash
    set(read(hash))
  },
  go(hash) {
    window.location.hash = hash
    set(read(hash))
  }
}))

window.addEventListener('hashchange', () => {
  useRoute.setState(read(window.location.hash))
})
