import { existsSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Which better_sqlite3.node the desktop app loads. better-sqlite3 13+ ships prebuilt N-API binaries
 * that load in Node and Electron alike, so normally none is named (3). A binding built elsewhere
 * (another platform, a patched SQLite) can still be put first:
 *   1. DB_TAXI_SQLITE_BINDING, when set;
 *   2. <appPath>/.cache/electron-native/electron-<version>/better_sqlite3.node, when it exists;
 *   3. undefined: better-sqlite3's own lookup (its prebuild for the platform).
 */
export function electronBindingPath(appPath: string, electronVersion: string): string {
  return join(appPath, '.cache', 'electron-native', `electron-${electronVersion}`, 'better_sqlite3.node')
}

export function resolveSqliteBinding(opts: {
  env: NodeJS.ProcessEnv
  appPath: string
  electronVersion: string | undefined
  exists?: (path: string) => boolean
}): string | undefined {
  const fromEnv = opts.env.DB_TAXI_SQLITE_BINDING?.trim()
  if (fromEnv) return fromEnv
  if (!opts.electronVersion) return undefined
  const candidate = electronBindingPath(opts.appPath, opts.electronVersion)
  return (opts.exists ?? existsSync)(candidate) ? candidate : undefined
}
