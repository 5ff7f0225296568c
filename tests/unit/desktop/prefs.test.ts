import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Conf from 'conf'
import { describe, expect, it } from 'vitest'
import { autostartEntry, autostartFile, HIDDEN_FLAG, setLoginStart, startsHidden } from '../../../src/main/desktop/login-start'
import { PREF_DEFAULTS, PREF_SCHEMA, placeWindow, type DesktopPrefs } from '../../../src/main/desktop/prefs'

// electron-store is conf bound to Electron's userData; conf itself runs in Node, so the schema is
// checked here by the same validator (ajv) the app's store uses.
const store = (cwd: string): Conf<DesktopPrefs> => new Conf<DesktopPrefs>({ cwd, configName: 'desktop-preferences', projectName: 'db-taxi-test', schema: PREF_SCHEMA as never, clearInvalidConfig: true })

describe('desktop preferences', () => {
  it('start from the defaults and refuse values of the wrong shape', () => {
    const s = store(mkdtempSync(join(tmpdir(), 'dbt-prefs-')))
    expect(s.store).toEqual(PREF_DEFAULTS)
    expect(() => s.set('window', { width: 100, height: 600, maximized: false })).toThrow(/width/)
    expect(() => s.set('closeToTray', 'yes' as never)).toThrow()
    s.set('window', { width: 1400, height: 900, x: 10, y: 20, maximized: true })
    expect(s.get('window')).toEqual({ width: 1400, height: 900, x: 10, y: 20, maximized: true })
  })

  it('a hand-edited file that breaks the schema is replaced by the defaults, not a crash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbt-prefs-'))
    writeFileSync(join(dir, 'desktop-preferences.json'), JSON.stringify({ closeToTray: 'maybe', window: { width: -5 } }))
    expect(store(dir).store).toEqual(PREF_DEFAULTS)
  })

  it('a restored window stays on a display: a position off every screen is dropped, the size kept', () => {
    const screens = [{ x: 0, y: 0, width: 1920, height: 1080 }]
    expect(placeWindow({ width: 1300, height: 800, x: 100, y: 50, maximized: false }, screens)).toEqual({ width: 1300, height: 800, x: 100, y: 50, maximized: false })
    // The second monitor it was on is gone.
    expect(placeWindow({ width: 1300, height: 800, x: 2500, y: 50, maximized: true }, screens)).toEqual({ width: 1300, height: 800, maximized: true })
    expect(placeWindow({ width: 1300, height: 800, x: 100, y: -200, maximized: false }, screens)).toEqual({ width: 1300, height: 800, maximized: false })
    expect(placeWindow({ width: 10, height: 10, maximized: false }, screens)).toEqual({ width: 900, height: 600, maximized: false })
  })
})

describe('start at login', () => {
  it('Linux: writes and removes an XDG autostart entry that starts hidden, the AppImage where it runs from one', () => {
    const files = new Map<string, string>()
    const fs = { write: (p: string, t: string) => files.set(p, t), remove: (p: string) => files.delete(p) }
    const app = { setLoginItemSettings: () => { throw new Error('not on Linux') } }
    const base = { platform: 'linux' as const, app, execPath: '/opt/DB Taxi/db-taxi', homeDir: '/home/op', fs }
    setLoginStart(true, { ...base, env: {} })
    const file = '/home/op/.config/autostart/db-taxi.desktop'
    expect(files.get(file)).toContain(`Exec="/opt/DB Taxi/db-taxi" ${HIDDEN_FLAG}`)
    setLoginStart(true, { ...base, env: { APPIMAGE: '/home/op/Apps/DB-Taxi.AppImage', XDG_CONFIG_HOME: '/home/op/cfg' } })
    expect(files.get('/home/op/cfg/autostart/db-taxi.desktop')).toContain('Exec="/home/op/Apps/DB-Taxi.AppImage" --hidden')
    setLoginStart(false, { ...base, env: {} })
    expect(files.has(file)).toBe(false)
    expect(autostartFile({}, '/root')).toBe('/root/.config/autostart/db-taxi.desktop')
    // Quotes, $ and backslashes in the path are escaped as the Desktop Entry spec asks.
    expect(autostartEntry('/a/"b"$c\\d')).toContain('Exec="/a/\\"b\\"\\$c\\\\d" --hidden')
  })

  it('macOS and Windows: a login item with --hidden; a start so (or with start hidden on) opens no window', () => {
    const calls: unknown[] = []
    const app = { setLoginItemSettings: (s: unknown) => calls.push(s) }
    for (const platform of ['darwin', 'win32'] as const) setLoginStart(true, { platform, app, env: {}, execPath: 'x', homeDir: '/h' })
    expect(calls).toEqual([
      { openAtLogin: true, openAsHidden: true, args: ['--hidden'] },
      { openAtLogin: true, openAsHidden: true, args: ['--hidden'] }
    ])
    expect(startsHidden(['/app', '--hidden'], false)).toBe(true)
    expect(startsHidden(['/app'], false, true)).toBe(true)
    expect(startsHidden(['/app'], true)).toBe(true)
    expect(startsHidden(['/app'], false)).toBe(false)
  })
})

