/** The pages of the shell, in navbar order. Hash routing: `#/settings` survives a reload, needs no server help. */
export const PAGES = [
  { id: 'dashboard', label: 'Dashboard' },
  { id: 'connections', label: 'Connections' },
  { id: 'syncs', label: 'Syncs' },
  { id: 'jobs', label: 'Jobs' },
  { id: 'settings', label: 'Settings' }
] as const

export type PageId = (typeof PAGES)[number]['id']

export const DEFAULT_PAGE: PageId = 'dashboard'

/** `#/jobs` -> 'jobs'; anything unknown (or empty) -> the dashboard. Extra segments are for later detail views. */
export function pageFromHash(hash: string): PageId {
  const first = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? ''
  const page = PAGES.find((p) => p.id === first)
  return page ? page.id : DEFAULT_PAGE
}

export function hashFor(page: PageId): string {
  return `#/${page}`
}
