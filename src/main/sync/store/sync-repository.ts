import { randomUUID } from 'node:crypto'
import type { SyncConfig, SyncInput, TableMapping } from '../../../shared/syncs'
import type { Db } from './database'

interface SyncRow {
  id: string
  name: string
  source_connection_id: string
  target_connection_id: string
  source_database: string
  target_database: string
  all_tables: string | null
  options: string
  created_at: number
  updated_at: number
}

interface MappingRow {
  source_table: string
  target_table: string | null
  where_filter: string | null
  exclude_columns: string
  mode: string
  /** Per-mapping settings as JSON: `cursor` (incremental). */
  options: string
}

/** Sync configurations and their table mappings in the metadata store. */
export class SyncRepository {
  constructor(private readonly db: Db) {}

  list(): SyncConfig[] {
    const rows = this.db.prepare('SELECT * FROM sync_configs ORDER BY name COLLATE NOCASE').all() as SyncRow[]
    return rows.map((r) => this.toConfig(r))
  }

  get(id: string): SyncConfig | undefined {
    const row = this.db.prepare('SELECT * FROM sync_configs WHERE id = ?').get(id) as SyncRow | undefined
    return row ? this.toConfig(row) : undefined
  }

  findByName(name: string): SyncConfig | undefined {
    const row = this.db.prepare('SELECT * FROM sync_configs WHERE name = ? COLLATE NOCASE').get(name) as SyncRow | undefined
    return row ? this.toConfig(row) : undefined
  }

  nameTaken(name: string, exceptId?: string): boolean {
    const row = this.db.prepare('SELECT id FROM sync_configs WHERE name = ? COLLATE NOCASE').get(name) as { id: string } | undefined
    return row !== undefined && row.id !== exceptId
  }

  create(input: SyncInput): SyncConfig {
    const id = randomUUID()
    const now = Date.now()
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO sync_configs (id, name, source_connection_id, target_connection_id, source_database, target_database, all_tables, options, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
        )
        .run(id, input.name, input.sourceConnectionId, input.targetConnectionId, input.sourceDatabase, input.targetDatabase, input.allTables ? JSON.stringify(input.allTables) : null, JSON.stringify(input.options ?? {}), now, now)
      this.writeMappings(id, input.tables ?? [])
    })()
    return this.get(id)!
  }

  update(id: string, input: SyncInput): SyncConfig {
    this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE sync_configs SET name = ?, source_connection_id = ?, target_connection_id = ?, source_database = ?, target_database = ?,
             all_tables = ?, options = ?, updated_at = ? WHERE id = ?`
        )
        .run(input.name, input.sourceConnectionId, input.targetConnectionId, input.sourceDatabase, input.targetDatabase, input.allTables ? JSON.stringify(input.allTables) : null, JSON.stringify(input.options ?? {}), Date.now(), id)
      this.db.prepare('DELETE FROM table_mappings WHERE sync_id = ?').run(id)
      this.writeMappings(id, input.tables ?? [])
    })()
    return this.get(id)!
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM sync_configs WHERE id = ?').run(id).changes > 0
  }

  private writeMappings(syncId: string, tables: TableMapping[]): void {
    const ins = this.db.prepare(
      `INSERT INTO table_mappings (sync_id, position, source_table, target_table, where_filter, exclude_columns, mode, options)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
    )
    tables.forEach((t, i) =>
      ins.run(syncId, i, t.source, t.target ?? null, t.where ?? null, JSON.stringify(t.excludeColumns ?? []), t.mode ?? 'full', JSON.stringify(t.cursor ? { cursor: t.cursor } : {}))
    )
  }

  private toConfig(r: SyncRow): SyncConfig {
    const maps = this.db
      .prepare('SELECT source_table, target_table, where_filter, exclude_columns, mode, options FROM table_mappings WHERE sync_id = ? ORDER BY position')
      .all(r.id) as MappingRow[]
    const tables: TableMapping[] = maps.map((m) => {
      const t: TableMapping = { source: m.source_table }
      if (m.target_table) t.target = m.target_table
      if (m.where_filter) t.where = m.where_filter
      const ex = JSON.parse(m.exclude_columns) as string[]
      if (ex.length) t.excludeColumns = ex
      t.mode = m.mode as TableMapping['mode']
      const o = JSON.parse(m.options || '{}') as { cursor?: string[] }
      if (o.cursor?.length) t.cursor = o.cursor
      return t
    })
    const cfg: SyncConfig = {
      id: r.id,
      name: r.name,
      sourceConnectionId: r.source_connection_id,
      targetConnectionId: r.target_connection_id,
      sourceDatabase: r.source_database,
      targetDatabase: r.target_database,
      tables,
      options: JSON.parse(r.options) as SyncConfig['options'],
      createdAt: new Date(r.created_at).toISOString(),
      updatedAt: new Date(r.updated_at).toISOString(),
      schedule: null,
      lastJob: null
    }
    if (r.all_tables) cfg.allTables = JSON.parse(r.all_tables) as SyncConfig['allTables']
    return cfg
  }
}
