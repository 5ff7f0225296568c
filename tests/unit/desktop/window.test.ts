import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createAppPage } from '../../../src/main/desktop/app-page'
import { createMainWindow, focusWindow } from '../../../src/main/desktop/window'
import { asWindow, FakeBrowserWindow, FakeBrowserWindowClass, fakeLogger } from './fakes'

describe('createMainWindow', () => {
  beforeEach(() => {
    FakeBrowserWindow.created = []
  })

  const create = (rendererUrl?: string) => {
    createMainWindow({
      BrowserWindow: FakeBrowserWindowClass,
      appPage: createAppPage({ rendererUrl }),
      preloadPath: '/app/out/preload/index.cjs',
      shell: { openExternal: vi.fn(async () => {}) },
      logger: fakeLogger()
    })
    return FakeBrowserWindow.created[0]!
  }

  it('creates a hidden, secure window and shows it when ready', () => {
    const win = create()
    expect(win.options.show).toBe(false)
    expect(win.options.webPreferences).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false
    })
    expect(win.visible).toBe(false)
    win.emit('ready-to-show')
    expect(win.visible).toBe(true)
  })

  it('loads the built page from app://db-taxi (not file://), or the dev server in development', () => {
    expect(create().loaded).toEqual(['app://db-taxi/index.html'])
    FakeBrowserWindow.created = []
    expect(create('http://localhost:5173').loaded).toEqual(['http://localhost:5173/'])
  })

  it('installs the navigation guard on its webContents', () => {
    const win = create()
    expect(win.webContents.navigate('will-navigate', 'https://evil.example/')).toBe(true)
    expect(win.webContents.navigate('will-navigate', 'file:///app/out/renderer/index.html')).toBe(true)
    expect(win.webContents.navigate('will-navigate', 'app://db-taxi/index.html#/jobs')).toBe(false)
    expect(win.webContents.windowOpenHandler).not.toBeNull()
  })
})

describe('focusWindow', () => {
  it('restores, shows and focuses a live window and ignores a missing one', () => {
    const win = new FakeBrowserWindow({})
    win.minimized = true
    focusWindow(asWindow(win))
    expect(win).toMatchObject({ minimized: false, visible: true, focused: true })
    // No window (none yet, or closed): nothing to bring up, and nothing else is touched.
    focusWindow(null)
    expect(win).toMatchObject({ minimized: false, visible: true, focused: true })
    // A destroyed window is left alone: calling into it would throw in Electron.
    const gone = new FakeBrowserWindow({})
    gone.minimized = true
    gone.destroyed = true
    const calls = vi.spyOn(gone, 'focus')
    focusWindow(asWindow(gone))
    expect(gone).toMatchObject({ minimized: true, visible: false, focused: false })
    expect(calls).not.toHaveBeenCalled()
  })
})
