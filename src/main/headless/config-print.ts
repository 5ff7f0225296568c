import { existsSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { CONFIG_KEYS, CONFIG_KEY_NAMES, envVarFor, type ConfigKeySpec } from '../../shared/config-keys'
import { formatDuration } from '../../shared/duration'
import { effectiveConfig, withSettings, type ConfigLayers } from '../sync/config/layers'
import { REDACTED } from '../sync/logging/redact'

export interface ConfigPrintRow {
  key: string
  value: string | number | boolean
  source: string
  origin?: string
  env: string
}

/**
 * Reads the settings layer without migrating or locking anything: `config print` must work on a
 * store that a running server owns, and must never change it.
 */
export function readSavedSettings(dataDir: string): Record<string, unknown> {
  const path = join(dataDir, 'db-taxi.sqlite')
  if (!existsSync(path)) return {}
  let db: Database.Database | undefined
  try {
    db = new Database(path, { readonly: true, fileMustExist: true })
    const rows = db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[]
    return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]))
  } catch {
    return {}
  } finally {
    db?.close()
  }
}

export function configRows(layers: ConfigLayers): { rows: ConfigPrintRow[]; warnings: string[] } {
  const boot = effectiveConfig(layers).config
  const full = withSettings(layers, readSavedSettings(boot.data_dir))
  const eff = effectiveConfig(full)
  const rows = CONFIG_KEY_NAMES.map((key) => {
    const spec: ConfigKeySpec = CONFIG_KEYS[key]
    const raw = eff.config[key]
    let value: string | number | boolean = raw
    if (spec.secret) value = raw === '' ? '' : REDACTED
    else if (spec.kind === 'duration') value = formatDuration(raw as number)
    const row: ConfigPrintRow = { key, value, source: eff.sources[key], env: envVarFor(key) }
    if (eff.origins[key]) row.origin = eff.origins[key]
    return row
  })
  return { rows, warnings: full.warnings }
}

export function formatConfigTable(rows: ConfigPrintRow[]): string {
  const w = Math.max(...rows.map((r) => r.key.length))
  const vw = Math.max(...rows.map((r) => String(r.value).length), 5)
  return rows
    .map((r) => {
      const from = r.origin && r.origin !== r.source ? `${r.source} (${r.origin})` : r.source
      return `${r.key.padEnd(w)}  ${String(r.value === '' ? '""' : r.value).padEnd(vw)}  ${from}`
    })
    .join('\n')
}
