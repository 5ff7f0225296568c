import { create } from 'zustand'
import type { ErrorBody } from '../../../shared/errors'
import type { Job, SyncConfig } from '../../../shared/syncs'
import { toErrorBody } from '../api/client'
import { api } from '../api/runtime'

interface SyncsState {
  items: SyncConfig[] | null
  /** The latest job of each sync (absent: never ran). */
  lastJobs: Record<string, Job>
  loadError: ErrorBody | null
  loading: boolean
  load(): Promise<void>
  /** Re-reads the latest job of one sync (after a job.status event). */
  refreshLastJob(syncId: string): Promise<void>
  upsert(s: SyncConfig): void
  remove(id: string): void
}

const byName = (a: SyncConfig, b: SyncConfig): number => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' })

async function latestJob(syncId: string): Promise<Job | undefined> {
  const list = await api().call('jobs.list', { syncId, limit: 1 })
  return list.jobs[0]
}

export const useSyncs = create<SyncsState>()((set, get) => ({
  items: null,
  lastJobs: {},
  loadError: null,
  loading: false,
  async load() {
    if (get().loading) return
    set({ loading: true })
    try {
      const items = await api().call('syncs.list', {})
      const jobs = await Promise.all(items.map((s) => latestJob(s.id).catch(() => get().lastJobs[s.id])))
      const lastJobs: Record<string, Job> = {}
      items.forEach((s, i) => {
        const j = jobs[i]
        if (j) lastJobs[s.id] = j
      })
      set({ items: [...items].sort(byName), lastJobs, loadError: null, loading: false })
    } catch (err) {
      set({ loadError: toErrorBody(err), loading: false })
    }
  },
  async refreshLastJob(syncId) {
    try {
      const job = await latestJob(syncId)
      if (job) set({ lastJobs: { ...get().lastJobs, [syncId]: job } })
    } catch {
      // The next poll tries again.
    }
  },
  upsert(s) {
    const items = get().items ?? []
    set({ items: [...items.filter((i) => i.id !== s.id), s].sort(byName) })
  },
  remove(id) {
    const items = get().items
    const { [id]: _gone, ...lastJobs } = get().lastJobs
    if (items) set({ items: items.filter((i) => i.id !== id), lastJobs })
  }
}))
