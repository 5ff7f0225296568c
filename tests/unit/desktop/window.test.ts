import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createAppPage } from '../../../src/main/desktop/app-page'
import { createMainWindow, focusWindow } from '../../../src/main/desktop/window'
import { asWindow, FakeBrowserWindow, FakeBrowserWindowClass, fakeLogger } from './fakes'

describe('createMainWindow', () => {
  beforeEach(() => {
    FakeBrowserWindow.created = []
    FakeBrowserWindow.loadOutcome = 'ok'
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

describe('createMainWindow: failed loads (did-fail-load)', () => {
  beforeEach(() => {
    FakeBrowserWindow.created = []
    FakeBrowserWindow.loadOutcome = 'ok'
  })
  const create = (onLoadFailed: (err: Error) => void) => {
    createMainWindow({
      BrowserWindow: FakeBrowserWindowClass,
      appPage: createAppPage({ rendererUrl: 'http://localhost:5173' }),
      preloadPath: '/app/out/preload/index.cjs',
      shell: { openExternal: vi.fn(async () => {}) },
      logger: fakeLogger(),
      onLoadFailed
    })
    return FakeBrowserWindow.created[0]!
  }
  const settle = () => new Promise((r) => setImmediate(r))

  it('the first load failing: reported once, as loadURL rejects with it, and the hidden window is shown', async () => {
    FakeBrowserWindow.loadOutcome = { errorCode: -102, errorDescription: 'ERR_CONNECTION_REFUSED' }
    const failed = vi.fn()
    const win = create(failed)
    expect(win.visible).toBe(false)
    await settle()
    expect(failed).toHaveBeenCalledTimes(1)
    const err = failed.mock.calls[0]![0] as Error & { errno: number; code: string; url: string }
    expect(err).toBeInstanceOf(Error)
    expect(err).toMatchObject({ message: "ERR_CONNECTION_REFUSED (-102) loading 'http://localhost:5173/'", errno: -102, code: 'ERR_CONNECTION_REFUSED', url: 'http://localhost:5173/' })
    expect(win.visible).toBe(true)
  })

  it('a later main-frame failure (a reload) is reported; a subframe failure or an aborted load is not and leaves the window as it was', () => {
    const failed = vi.fn()
    const win = create(failed)
    win.webContents.failLoad('http://localhost:5173/ad.html', -105, 'ERR_NAME_NOT_RESOLVED', false)
    win.webContents.failLoad('http://localhost:5173/', -3, 'ERR_ABORTED')
    expect(failed).not.toHaveBeenCalled()
    expect(win.visible).toBe(false)
    win.webContents.failLoad('http://localhost:5173/', -102, 'ERR_CONNECTION_REFUSED')
    expect(failed).toHaveBeenCalledTimes(1)
    expect(failed.mock.calls[0]![0]).toMatchObject({ errno: -102, url: 'http://localhost:5173/' })
    expect(win.visible).toBe(true)
  })

  it('a rejection alone (the window closed during the load) is not reported, and nothing calls into the closed window', async () => {
    FakeBrowserWindow.loadOutcome = { errorCode: -2, errorDescription: 'ERR_FAILED', event: false }
    const failed = vi.fn()
    const win = create(failed)
    win.close()
    await settle()
    expect(failed).not.toHaveBeenCalled()
    // A failure reported for a window that is gone already: reported, the dead window left alone
    // (the fake, like Electron, throws on any call into it).
    win.webContents.failLoad('http://localhost:5173/', -102, 'ERR_CONNECTION_REFUSED')
    expect(failed).toHaveBeenCalledTimes(1)
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
