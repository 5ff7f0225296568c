import type { MappingValidationReport } from '../../../shared/config-document'
import type { SyncConfig } from '../../../shared/syncs'
import type { ConnectionManager } from '../connections/manager'
import type { SyncManager } from '../syncs/manager'

/**
 * `mappings.validate`: every sync's mappings against the live schemas in one pass. Each sync gets
 * the checks a run makes before its first write (syncs.validate: tables that vanished, keys a mode
 * needs, filters, excluded columns, target privileges, definitions); across syncs, two mappings
 * writing one target table are found. Syncs reading from one server are checked two at a time, so a
 * report over fifty syncs does not open a hundred sessions on one server; servers go in parallel.
 */

const PER_SERVER = 2

export async function validateMappings(input: { syncs: SyncManager; connections: ConnectionManager; syncIds?: string[] }): Promise<MappingValidationReport> {
  const started = Date.now()
  const all = input.syncs.list()
  const chosen = input.syncIds ? all.filter((s) => input.syncIds!.includes(s.id)) : all
  const server = (connectionId: string): string => {
    try {
      const c = input.connections.get(connectionId)
      return `${c.host.toLowerCase()}:${c.port}`
    } catch {
      return `?${connectionId}`
    }
  }
  const groups = new Map<string, SyncConfig[]>()
  for (const s of chosen) {
    const key = server(s.sourceConnectionId)
    groups.set(key, [...(groups.get(key) ?? []), s])
  }
  const results = new Map<string, MappingValidationReport['syncs'][number] & { resolved: { source: string; target: string }[] }>()
  await Promise.all(
    [...groups.values()].map(async (group) => {
      let next = 0
      const worker = async (): Promise<void> => {
        while (next < group.length) {
          const s = group[next++]!
          const v = await input.syncs.validate(s.id)
          results.set(s.id, { syncId: s.id, name: s.name, ok: v.ok, problems: v.problems, tables: v.tables.length, resolved: v.tables })
        }
      }
      await Promise.all(Array.from({ length: Math.min(PER_SERVER, group.length) }, worker))
    })
  )

  // Two mappings onto one target table, within a sync (refused when saved) or across syncs.
  const writers = new Map<string, { sync: string; source: string }[]>()
  for (const s of chosen) {
    const r = results.get(s.id)
    for (const t of r?.resolved ?? []) {
      const key = `${server(s.targetConnectionId)}/${s.targetDatabase}.${t.target}`
      writers.set(key, [...(writers.get(key) ?? []), { sync: s.name, source: `${s.sourceDatabase}.${t.source}` }])
    }
  }
  const problems: MappingValidationReport['problems'] = []
  for (const [key, w] of writers) {
    if (w.length < 2) continue
    const table = key.slice(key.indexOf('/') + 1)
    problems.push({
      code: 'CONFLICT',
      message: `${w.length} mappings write the target table ${table} (${key.slice(0, key.indexOf('/'))}): ${w.map((x) => `${x.source} in "${x.sync}"`).join(', ')}; each run would overwrite the others' rows.`,
      table,
      syncs: [...new Set(w.map((x) => x.sync))]
    })
  }
  const syncs = chosen.map((s) => {
    const { resolved: _r, ...rest } = results.get(s.id)!
    return rest
  })
  return { ok: problems.length === 0 && syncs.every((s) => s.ok), checkedAt: new Date(started).toISOString(), durationMs: Date.now() - started, syncs, problems }
}
