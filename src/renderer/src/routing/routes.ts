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

/** `#/jobs` -> 'jobs'; anything unknown (or empty) -> the dashboard. Extra segments are for detail views. */
export function pageFromHash(hash: string): PageId {
  const first = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? ''
  const page = PAGES.find((p) => p.id === first)
  return page ? page.id : DEFAULT_PAGE
}

/** The segments after the page: `#/jobs/abc` -> ['abc'], `#/syncs/abc/edit` -> ['abc', 'edit']. */
export function subPathFromHash(hash: string): string[] {
  const segments = (hash.replace(/^#\/?/, '').split('?')[0] ?? '').split('/')
  if (!PAGES.some((p) => p.id === segments[0])) return []
  return segments
    .slice(1)
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s)
      } catch {
        return s
      }
    })
}

export function hashFor(page: PageId, ...rest: string[]): string {
  return [`#/${page}`, ...rest.map(encodeURIComponent)].join('/')
}

/** Detail views reached from several pages. */
export const jobHash = (jobId: string): string => hashFor('jobs', jobId)
export const newSyncHash = (): string => hashFor('syncs', 'new')
export const editSyncHash = (syncId: string): string => hashFor('syncs', syncId, 'edit')

/** What the Syncs page shows for its sub-path. */
export type SyncsView = { kind: 'list' } | { kind: 'new' } | { kind: 'edit'; id: string }

export function syncsView(rest: string[]): SyncsView {
  if (rest[0] === 'new') return { kind: 'new' }
  if (rest.length >= 2 && rest[1] === 'edit') return { kind: 'edit', id: rest[0]! }
  return { kind: 'list' }
}
