import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { electronBindingPath, resolveSqliteBinding } from '../../../src/main/desktop/sqlite-binding'

const appPath = '/home/u/db-taxi'
const cached = join(appPath, '.cache', 'electron-native', 'electron-45.5.0', 'better_sqlite3.node')

describe('resolveSqliteBinding', () => {
  it('prefers DB_TAXI_SQLITE_BINDING over everything', () => {
    expect(
      resolveSqliteBinding({ env: { DB_TAXI_SQLITE_BINDING: '/x/better_sqlite3.node' }, appPath, electronVersion: '45.5.0', exists: () => true })
    ).toBe('/x/better_sqlite3.node')
  })

  it('then uses the per-Electron-version copy in .cache when it exists', () => {
    expect(electronBindingPath(appPath, '45.5.0')).toBe(cached)
    const seen: string[] = []
    const exists = (p: string): boolean => {
      seen.push(p)
      return true
    }
    expect(resolveSqliteBinding({ env: { DB_TAXI_SQLITE_BINDING: '  ' }, appPath, electronVersion: '45.5.0', exists })).toBe(cached)
    expect(seen).toEqual([cached])
  })

  it("otherwise leaves better-sqlite3's own lookup alone (packaged app)", () => {
    expect(resolveSqliteBinding({ env: {}, appPath, electronVersion: '45.5.0', exists: () => false })).toBeUndefined()
    expect(resolveSqliteBinding({ env: {}, appPath, electronVersion: undefined, exists: () => true })).toBeUndefined()
  })

  it('a packaged app loads the binding it was packaged with, whatever DB_TAXI_SQLITE_BINDING says', () => {
    expect(
      resolveSqliteBinding({ env: { DB_TAXI_SQLITE_BINDING: '/tmp/evil.node' }, appPath, electronVersion: '45.5.0', packaged: true, exists: () => true })
    ).toBeUndefined()
    expect(resolveSqliteBinding({ env: {}, appPath, electronVersion: '45.5.0', packaged: false, exists: () => true })).toBe(cached)
  })

  it('checks the real file system by default', () => {
    expect(resolveSqliteBinding({ env: {}, appPath: '/nonexistent-db-taxi', electronVersion: '45.5.0' })).toBeUndefined()
  })
})
