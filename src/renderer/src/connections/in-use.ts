import type { ErrorBody } from '../../../shared/errors'

export interface SyncRef {
  id: string
  name: string
}

/** The syncs an IN_USE refusal of `connections.delete` names (`details.syncs`); [] for anything else. */
export function syncsOf(error: ErrorBody): SyncRef[] {
  const d = error.details
  if (!d || typeof d !== 'object' || !('syncs' in d)) return []
  const syncs = (d as { syncs: unknown }).syncs
  if (!Array.isArray(syncs)) return []
  return syncs.filter(
    (s): s is SyncRef => !!s && typeof s === 'object' && typeof (s as SyncRef).id === 'string' && typeof (s as SyncRef).name === 'string'
  )
}
