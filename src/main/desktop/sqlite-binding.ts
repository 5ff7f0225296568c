import { existsSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Which better_sqlite3.node the desktop app loads. better-sqlite3 13+ ships prebuilt N-API binaries
 * that load in Node and Electron alike, so normally none is named (3). A binding built elsewhere
 * (another platform, a patched SQLite) can still be put first:
 *   1. DB_TAXI_SQLITE_BINDING, when set;
 *   2. <appPath>/.cache/electron-native/electron-<version>/better_sqlite3.node, when it exists;
 *   3. undefined: better-sqlite3's own lookup (its prebuild for the platform).
 * A packaged app takes neither 1 nor 2: it loads the binding it was packaged with. An environment
 * variable naming a native library to load would undo what its fuses close (NODE_OPTIONS, RunAsNode).
 */
export function electronBindingPath(appPath: string, electronVersion: string): string {
  return join(appPath, '.cache', 'electron-native', `electron-${electronVersion}`, 'better_sqlite3.node')
}

export function resolveSqliteBinding(opts: {
  env: NodeJS.ProcessEnv
  appPath: string
  electronVersion: string | undefined
  /** app.isPackaged: an installed app, not a source checkout. */
  packaged?: boolean
  exists?: (path: string) => boolean
}): string | undefined {
  if (opts.packaged) return undefined
  const fromEnv = opts.env.DB_TAXI_SQLITE_BINDING?.trim()
  if (fromEnv) return fromEnv
  if (!opts.electronVersion) return undefined
  const candidate = electronBindingPath(opts.appPath, opts.electronVersion)
  return (opts.exists ?? existsSync)(candidate) ? candidate : undefined
}
