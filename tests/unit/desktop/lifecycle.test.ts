import { EventEmitter } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { desktopLayers, runDesktop, STOP_TIMEOUT_MS, type DesktopDeps } from '../../../src/main/desktop/lifecycle'
import { APP_SCHEME_PRIVILEGES } from '../../../src/main/desktop/app-protocol'
import { INVOKE_CHANNEL } from '../../../src/main/desktop/ipc'
import { CONTENT_SECURITY_POLICY } from '../../../src/main/desktop/security'
import { PLAIN_TEXT_WARNING, SafeStorageSecretBox } from '../../../src/main/desktop/safe-storage-box'
import { effectiveConfig } from '../../../src/main/sync/config/layers'
import { EventBus } from '../../../src/main/sync/events'
import { memoryPrefs } from '../../../src/main/desktop/prefs'
import type { MenuItemConstructorOptions } from 'electron'
import type { SyncSystem, SyncSystemOptions } from '../../../src/main/sync/system'
import { asIpcMain, asProtocol, FakeBrowserWindow, FakeBrowserWindowClass, FakeIpcMain, fakeLogger, FakeProtocol, fakeSession } from './fakes'

const INDEX = '<!doctype html><title>DB-Taxi</title>'
let rendererDir: string
beforeAll(() => {
  rendererDir = mkdtempSync(join(tmpdir(), 'dbt-lifecycle-renderer-'))
  writeFileSync(join(rendererDir, 'index.html'), INDEX)
})
afterAll(() => rmSync(rendererDir, { recursive: true, force: true }))
const userData = '/home/u/.config/db-taxi'

class FakeApp extends EventEmitter {
  lock = true
  ready = false
  requestSingleInstanceLock = vi.fn(() => this.lock)
  enableSandbox = vi.fn()
  whenReady = vi.fn(async () => {
    this.ready = true
  })
  getPath = vi.fn(() => userData)
  getAppPath = vi.fn(() => '/app')
  exit = vi.fn()
  /** Like Electron: quitting asks 'before-quit' listeners first. */
  quit = vi.fn(() => {
    let prevented = false
    this.emit('before-quit', { preventDefault: () => (prevented = true) })
    if (!prevented) this.exit(0)
  })
}

function fakeSystem() {
  return {
    logger: fakeLogger(),
    events: new EventBus(),
    start: vi.fn(async () => {}),
    stop: vi.fn(async (_ms?: number) => {}),
    status: vi.fn(() => ({ version: 'test' })),
    syncs: {
      get: vi.fn((id: string) => ({ name: id === 's1' ? 'Nightly orders' : id })),
      list: vi.fn(() => [{ id: 's1', name: 'Nightly orders' }]),
      run: vi.fn((_id: string, _trigger: string): { jobId: string } => ({ jobId: 'j1' }))
    },
    jobs: { runningCount: vi.fn(() => 0), list: vi.fn(() => ({ jobs: [], total: 0 })) },
    scheduler: { paused: false, isPaused() { return this.paused }, setPaused(p: boolean) { this.paused = p } }
  }
}

/** Electron's Tray and Menu as the app wraps them (main.ts): the tray made, and its last menu. */
function fakeTray() {
  const made: { menus: MenuItemConstructorOptions[][]; images: unknown[]; destroyed: boolean }[] = []
  class Tray {
    rec = { menus: [] as MenuItemConstructorOptions[][], images: [] as unknown[], destroyed: false }
    constructor(image: unknown) {
      this.rec.images.push(image)
      made.push(this.rec)
    }
    setImage(i: unknown): void {
      this.rec.images.push(i)
    }
    setToolTip(): void {}
    setContextMenu(m: unknown): void {
      this.rec.menus.push(m as MenuItemConstructorOptions[])
    }
    on(): void {}
    destroy(): void {
      this.rec.destroyed = true
    }
  }
  const item = (label: string): MenuItemConstructorOptions => {
    const all = (items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] => items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? all(i.submenu) : [])])
    const found = all(made[0]!.menus.at(-1)!).find((i) => i.label === label)
    if (!found) throw new Error(`no tray menu item ${label}`)
    return found
  }
  return { made, item, deps: { Tray, buildMenu: (t: MenuItemConstructorOptions[]) => t, icon: (s: string) => `icon:${s}` } }
}

/** Electron's Notification as the app wraps it (main.ts): what was shown, and a click on it. */
function fakeNotifier() {
  const shown: { title: string; body: string; urgent: boolean; onClick?: () => void }[] = []
  return { shown, notifier: { isSupported: () => true, show: (n: (typeof shown)[number]) => void shown.push(n) } }
}

describe('runDesktop', () => {
  let app: FakeApp
  let ipcMain: FakeIpcMain
  let protocol: FakeProtocol
  let privilegedBeforeReady: boolean | null
  let session: ReturnType<typeof fakeSession>
  let dialog: { showErrorBox: ReturnType<typeof vi.fn<(title: string, content: string) => void>> }
  let system: ReturnType<typeof fakeSystem>
  let createSystem: ReturnType<typeof vi.fn>
  let backend: 'basic_text' | 'gnome_libsecret'

  beforeEach(() => {
    FakeBrowserWindow.created = []
    FakeBrowserWindow.loadOutcome = 'ok'
    app = new FakeApp()
    ipcMain = new FakeIpcMain()
    protocol = new FakeProtocol()
    privilegedBeforeReady = null
    const register = protocol.registerSchemesAsPrivileged.bind(protocol)
    protocol.registerSchemesAsPrivileged = (schemes) => {
      privilegedBeforeReady = !app.ready
      register(schemes)
    }
    session = fakeSession()
    dialog = { showErrorBox: vi.fn() }
    system = fakeSystem()
    backend = 'gnome_libsecret'
    createSystem = vi.fn((_opts: SyncSystemOptions) => system as unknown as SyncSystem)
  })

  const run = (env: NodeJS.ProcessEnv = {}, extra: Partial<DesktopDeps> = {}) =>
    runDesktop({
      app: app as unknown as DesktopDeps['app'],
      BrowserWindow: FakeBrowserWindowClass,
      ipcMain: asIpcMain(ipcMain),
      protocol: asProtocol(protocol),
      defaultSession: () => session.session,
      shell: { openExternal: vi.fn(async () => {}) },
      dialog,
      safeStorage: {
        isEncryptionAvailable: () => true,
        getSelectedStorageBackend: () => backend,
        encryptString: (text: string) => Buffer.from(text),
        decryptString: (buf: Buffer) => buf.toString()
      },
      env,
      electronVersion: '45.5.0',
      platform: 'linux',
      paths: { preload: '/app/out/preload/index.cjs', rendererDir },
      createSystem: createSystem as unknown as DesktopDeps['createSystem'],
      ...extra
    })

  it('quits at once when another instance holds the lock', async () => {
    app.lock = false
    await run()
    expect(app.quit).toHaveBeenCalled()
    expect(app.whenReady).not.toHaveBeenCalled()
    expect(createSystem).not.toHaveBeenCalled()
  })

  it('starts the core in userData, secures the session, binds IPC and opens the window', async () => {
    await run({ DB_TAXI_SQLITE_BINDING: '/cache/better_sqlite3.node' })
    expect(app.enableSandbox).toHaveBeenCalled()
    const opts = createSystem.mock.calls[0]![0] as SyncSystemOptions
    expect(opts.mode).toBe('desktop')
    expect(opts.sqliteBinding).toBe('/cache/better_sqlite3.node')
    expect(opts.layers.flag.get('data_dir')).toEqual({ value: userData, origin: 'electron userData' })
    expect(opts.secretBox).toBeInstanceOf(SafeStorageSecretBox)
    expect(opts.secretBox?.kind).toBe('safeStorage (gnome_libsecret)')
    expect(opts.secretBox?.warning).toBeUndefined()
    expect(system.start).toHaveBeenCalled()
    expect(session.state.headersListener).not.toBeNull()
    expect(session.state.permissionRequest).not.toBeNull()

    const win = FakeBrowserWindow.created[0]!
    expect(FakeBrowserWindow.created).toHaveLength(1)
    expect(win.loaded).toEqual(['app://db-taxi/index.html'])
    const answer = await ipcMain.invoke(INVOKE_CHANNEL, { sender: win.webContents, frameUrl: win.loaded[0]! }, 'system.status', {})
    expect(answer).toEqual({ ok: true, data: { version: 'test' } })
  })

  it('makes app: privileged before ready and serves the renderer directory on it, with the CSP', async () => {
    await run()
    expect(protocol.privileged).toEqual([[APP_SCHEME_PRIVILEGES]])
    expect(privilegedBeforeReady).toBe(true)
    expect([...protocol.handlers.keys()]).toEqual(['app'])
    const page = await protocol.request(FakeBrowserWindow.created[0]!.loaded[0]!)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
    expect(await page.text()).toBe(INDEX)
    expect((await protocol.request('app://db-taxi/../../etc/passwd')).status).toBe(403)
  })

  it('answers IPC only from the app:// page: the built index.html on file:// is refused', async () => {
    await run()
    const win = FakeBrowserWindow.created[0]!
    const fileUrl = pathToFileURL(join(rendererDir, 'index.html')).href
    const answer = await ipcMain.invoke(INVOKE_CHANNEL, { sender: win.webContents, frameUrl: fileUrl }, 'system.status', {})
    expect(answer).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    expect(win.webContents.navigate('will-navigate', fileUrl)).toBe(true)
  })

  it('with the dev server: loads it and serves nothing on app://', async () => {
    await run({ ELECTRON_RENDERER_URL: 'http://localhost:5173' })
    expect(FakeBrowserWindow.created[0]!.loaded).toEqual(['http://localhost:5173/'])
    expect(protocol.handlers.size).toBe(0)
  })

  it('hands the core a safeStorage box that carries the plain-text warning when Linux has no keyring', async () => {
    backend = 'basic_text'
    await run()
    const opts = createSystem.mock.calls[0]![0] as SyncSystemOptions
    expect(opts.secretBox?.warning).toBe(PLAIN_TEXT_WARNING)
    const sealed = opts.secretBox!.seal('pw')
    expect(opts.secretBox!.open(sealed).toString()).toBe('pw')
  })

  it('focuses the existing window when a second instance starts', async () => {
    await run()
    const win = FakeBrowserWindow.created[0]!
    win.minimized = true
    app.emit('second-instance')
    expect(win).toMatchObject({ minimized: false, focused: true })
  })

  it('on quit: holds the quit, stops the core bounded, removes IPC, then exits 0', async () => {
    await run()
    const preventDefault = vi.fn()
    app.emit('before-quit', { preventDefault })
    app.emit('before-quit', { preventDefault })
    expect(preventDefault).toHaveBeenCalledTimes(2)
    await vi.waitFor(() => expect(app.exit).toHaveBeenCalledWith(0))
    expect(system.stop).toHaveBeenCalledTimes(1)
    expect(system.stop).toHaveBeenCalledWith(STOP_TIMEOUT_MS)
    expect(ipcMain.handlers.has(INVOKE_CHANNEL)).toBe(false)
  })

  it('quits when the last window closes (not on macOS)', async () => {
    await run()
    FakeBrowserWindow.created[0]!.close()
    app.emit('window-all-closed')
    expect(app.quit).toHaveBeenCalled()
    await vi.waitFor(() => expect(app.exit).toHaveBeenCalledWith(0))
  })

  it('exits even when stopping the core fails', async () => {
    system.stop.mockRejectedValueOnce(new Error('boom'))
    const err = vi.spyOn(console, 'error').mockImplementation(() => {})
    await run()
    app.emit('before-quit', { preventDefault: vi.fn() })
    await vi.waitFor(() => expect(app.exit).toHaveBeenCalledWith(0))
    expect(err).toHaveBeenCalledWith('DB-Taxi: stopping the sync system failed:', expect.objectContaining({ message: 'boom' }))
    expect(app.exit).toHaveBeenCalledTimes(1)
    err.mockRestore()
  })

  it('shows a config error and exits with code 2', async () => {
    await run({ DBT_SERVER_PORT: 'not-a-port' })
    expect(dialog.showErrorBox).toHaveBeenCalledWith('DB-Taxi: invalid configuration', expect.stringContaining('DBT_SERVER_PORT'))
    expect(createSystem).not.toHaveBeenCalled()
    expect(app.exit).toHaveBeenCalledWith(2)
    expect(FakeBrowserWindow.created).toHaveLength(0)
  })

  it('shows any other start failure and exits with code 1', async () => {
    system.start.mockRejectedValueOnce(new Error('store is locked'))
    await run()
    expect(dialog.showErrorBox).toHaveBeenCalledWith('DB-Taxi could not start', 'store is locked')
    expect(system.stop).toHaveBeenCalled()
    expect(app.exit).toHaveBeenCalledWith(1)
    expect(FakeBrowserWindow.created).toHaveLength(0)
  })

  it.each(['file:///etc/passwd', 'localhost:5173', 'not a url', 'javascript:alert(1)'])(
    'rejects ELECTRON_RENDERER_URL=%s: says why in an error box, exits 2; no core, no IPC, no app://, no window',
    async (rendererUrl) => {
      await run({ ELECTRON_RENDERER_URL: rendererUrl })
      expect(dialog.showErrorBox.mock.calls).toEqual([['DB-Taxi: invalid configuration', `ELECTRON_RENDERER_URL must be an http(s) URL, got "${rendererUrl}"`]])
      expect(app.exit.mock.calls).toEqual([[2]])
      expect(createSystem).not.toHaveBeenCalled()
      expect(ipcMain.handlers.size).toBe(0)
      expect(protocol.handlers.size).toBe(0)
      expect(session.state.headersListener).toBeNull()
      expect(FakeBrowserWindow.created).toHaveLength(0)
    }
  )

  it('a quit before the app is ready exits 0 without starting the core', async () => {
    let ready!: () => void
    app.whenReady = vi.fn(() => new Promise<void>((r) => (ready = r)))
    const running = run()
    app.quit()
    await vi.waitFor(() => expect(app.exit).toHaveBeenCalledWith(0))
    ready()
    await running
    expect(createSystem).not.toHaveBeenCalled()
    expect(FakeBrowserWindow.created).toHaveLength(0)
    expect(app.exit).toHaveBeenCalledTimes(1)
  })

  it('a quit while the core is starting stops it and exits 0; no window opens and IPC is not bound', async () => {
    let started!: () => void
    system.start.mockImplementationOnce(() => new Promise<void>((r) => (started = r)))
    const running = run()
    await vi.waitFor(() => expect(system.start).toHaveBeenCalled())
    app.quit()
    await vi.waitFor(() => expect(app.exit).toHaveBeenCalledWith(0))
    expect(system.stop).toHaveBeenCalledWith(STOP_TIMEOUT_MS)
    started()
    await running
    expect(FakeBrowserWindow.created).toHaveLength(0)
    expect(ipcMain.handlers.has(INVOKE_CHANNEL)).toBe(false)
    expect(app.exit).toHaveBeenCalledTimes(1)
  })

  it('a quit while the core is starting, which then fails to start: no error box, one stop, exit 0 once', async () => {
    let failStart!: (err: Error) => void
    system.start.mockImplementationOnce(() => new Promise<void>((_, reject) => (failStart = reject)))
    let stopped!: () => void
    system.stop.mockImplementationOnce(() => new Promise<void>((r) => (stopped = r)))
    const err = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const running = run()
      await vi.waitFor(() => expect(system.start).toHaveBeenCalled())
      app.quit()
      // Stopping closes the store under the start, which fails because of it.
      failStart(new Error('The database connection is not open'))
      await running
      expect(dialog.showErrorBox).not.toHaveBeenCalled()
      expect(err).toHaveBeenCalledWith('DB-Taxi: starting failed while quitting:', expect.objectContaining({ message: 'The database connection is not open' }))
      expect(app.exit).not.toHaveBeenCalled()
      stopped()
      await vi.waitFor(() => expect(app.exit).toHaveBeenCalled())
      expect(app.exit.mock.calls).toEqual([[0]])
      expect(system.stop).toHaveBeenCalledTimes(1)
      expect(FakeBrowserWindow.created).toHaveLength(0)
      expect(ipcMain.handlers.size).toBe(0)
    } finally {
      err.mockRestore()
    }
  })

  it('a stop that never ends: the app still exits once the bound has passed, and says why', async () => {
    vi.useFakeTimers()
    const err = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      system.stop.mockImplementationOnce(() => new Promise<void>(() => {}))
      await run()
      app.emit('before-quit', { preventDefault: vi.fn() })
      await vi.advanceTimersByTimeAsync(STOP_TIMEOUT_MS + 1_000)
      expect(app.exit).not.toHaveBeenCalled()
      await vi.advanceTimersByTimeAsync(1_500)
      expect(app.exit).toHaveBeenCalledWith(0)
      expect(String(err.mock.calls[0]?.[1])).toMatch(/did not finish within 12000 ms/)
    } finally {
      err.mockRestore()
      vi.useRealTimers()
    }
  })

  describe('with the tray', () => {
    it('closing the window hides it (said once by a notification); Quit from the tray stops the core and exits', async () => {
      const tray = fakeTray()
      const { shown, notifier } = fakeNotifier()
      const prefs = memoryPrefs()
      await run({}, { tray: tray.deps as never, notifier, prefs })
      const win = FakeBrowserWindow.created[0]!
      win.emit('ready-to-show')
      expect(win.visible).toBe(true)
      win.close()
      expect(win.destroyed).toBe(false)
      expect(win.visible).toBe(false)
      expect(shown.map((n) => n.title)).toEqual(['DB-Taxi is still running'])
      expect(prefs.get('window')).toEqual({ x: 40, y: 30, width: 1280, height: 820, maximized: false })
      win.show()
      win.close()
      expect(shown).toHaveLength(1)
      app.emit('window-all-closed')
      expect(app.exit).not.toHaveBeenCalled()
      ;(tray.item('Quit DB-Taxi').click as () => void)()
      await vi.waitFor(() => expect(app.exit).toHaveBeenCalledWith(0))
      expect(system.stop).toHaveBeenCalledTimes(1)
      expect(tray.made[0]!.destroyed).toBe(true)
    })

    it('close to tray off: closing the window closes it and the app stays in the tray', async () => {
      const tray = fakeTray()
      await run({}, { tray: tray.deps as never, prefs: memoryPrefs({ closeToTray: false }) })
      FakeBrowserWindow.created[0]!.close()
      expect(FakeBrowserWindow.created[0]!.destroyed).toBe(true)
      app.emit('window-all-closed')
      expect(app.exit).not.toHaveBeenCalled()
      // Open DB-Taxi from the tray: a new window, not a second app.
      ;(tray.item('Open DB-Taxi').click as () => void)()
      expect(FakeBrowserWindow.created).toHaveLength(2)
    })

    it('Sync now starts the saved sync; a failed job sets the failed icon until the window shows; pause reaches the scheduler', async () => {
      const tray = fakeTray()
      await run({}, { tray: tray.deps as never })
      ;(tray.item('Nightly orders').click as () => void)()
      expect(system.syncs.run).toHaveBeenCalledWith('s1', 'tray')
      system.events.emit('job.status', { jobId: 'j1', syncId: 's1', status: 'failed' } as never)
      expect(tray.made[0]!.images.at(-1)).toBe('icon:failed')
      FakeBrowserWindow.created[0]!.emit('show')
      expect(tray.made[0]!.images.at(-1)).toBe('icon:idle')
      ;(tray.item('Pause all schedules').click as () => void)()
      expect(system.scheduler.isPaused()).toBe(true)
      expect(tray.item('Resume schedules')).toBeTruthy()
    })

    it('started at login (--hidden): the tray only, and the window opens from it', async () => {
      const tray = fakeTray()
      const loginStart = vi.fn()
      await run({}, { tray: tray.deps as never, argv: ['/opt/db-taxi', '--hidden'], loginStart, prefs: memoryPrefs({ startAtLogin: true }) })
      const win = FakeBrowserWindow.created[0]!
      win.emit('ready-to-show')
      expect(win.visible).toBe(false)
      expect(loginStart).toHaveBeenCalledWith(true)
      ;(tray.item('Open DB-Taxi').click as () => void)()
      expect(win.visible).toBe(true)
      // A second launch brings the hidden window too.
      win.hide()
      app.emit('second-instance')
      expect(win.visible).toBe(true)
    })
  })

  it('activate (macOS dock click) reopens the window once it was closed, and never opens a second one', async () => {
    await run({}, { platform: 'darwin' })
    const first = FakeBrowserWindow.created[0]!
    app.emit('activate')
    expect(FakeBrowserWindow.created).toHaveLength(1)
    first.close()
    app.emit('window-all-closed')
    expect(app.quit).not.toHaveBeenCalled() // macOS apps stay open without windows
    app.emit('activate')
    expect(FakeBrowserWindow.created).toHaveLength(2)
    expect(FakeBrowserWindow.created[1]!.loaded).toEqual(['app://db-taxi/index.html'])
  })

  it('activate brings a minimized or hidden window back on screen instead of opening a second one', async () => {
    await run({}, { platform: 'darwin' })
    const win = FakeBrowserWindow.created[0]!
    win.minimized = true
    app.emit('activate', {}, false)
    expect(win).toMatchObject({ minimized: false, visible: true, focused: true })
    expect(FakeBrowserWindow.created).toHaveLength(1)
  })

  it('activate while quitting opens nothing and touches no window', async () => {
    let stopped!: () => void
    system.stop.mockImplementationOnce(() => new Promise<void>((r) => (stopped = r)))
    await run({}, { platform: 'darwin' })
    const win = FakeBrowserWindow.created[0]!
    win.minimized = true
    app.emit('before-quit', { preventDefault: vi.fn() })
    app.emit('activate', {}, false)
    win.close()
    app.emit('activate', {}, false)
    expect(FakeBrowserWindow.created).toHaveLength(1)
    expect(win).toMatchObject({ minimized: true, focused: false })
    stopped()
    await vi.waitFor(() => expect(app.exit).toHaveBeenCalledWith(0))
  })

  it('activate during start-up opens nothing (the window comes when the core is up)', async () => {
    let started!: () => void
    system.start.mockImplementationOnce(() => new Promise<void>((r) => (started = r)))
    const running = run({}, { platform: 'darwin' })
    await vi.waitFor(() => expect(system.start).toHaveBeenCalled())
    app.emit('activate')
    expect(FakeBrowserWindow.created).toHaveLength(0)
    started()
    await running
    expect(FakeBrowserWindow.created).toHaveLength(1)
  })

  /** Lets pending microtasks and I/O callbacks run (the fake's failed loads settle on microtasks). */
  const settle = () => new Promise((r) => setImmediate(r))
  const refused = { errorCode: -102, errorDescription: 'ERR_CONNECTION_REFUSED' }

  it('a page that does not load (did-fail-load): the window is shown anyway, the failure logged and said in one error box', async () => {
    FakeBrowserWindow.loadOutcome = refused
    await run({ ELECTRON_RENDERER_URL: 'http://localhost:5173' })
    await settle()
    // Once: loadURL's rejection repeats what did-fail-load said.
    expect(dialog.showErrorBox.mock.calls).toEqual([
      ['DB-Taxi could not show its window', "The app page did not load: ERR_CONNECTION_REFUSED (-102) loading 'http://localhost:5173/'"]
    ])
    expect(system.logger.error).toHaveBeenCalledWith('the window could not load the app page', {
      err: expect.objectContaining({ errno: -102, code: 'ERR_CONNECTION_REFUSED', url: 'http://localhost:5173/' })
    })
    // Never ready to show, but on screen: the user can reload it or close it (and so quit).
    const win = FakeBrowserWindow.created[0]!
    expect(win.visible).toBe(true)
    expect(FakeBrowserWindow.created).toHaveLength(1)
    expect(app.exit).not.toHaveBeenCalled()
  })

  it('a reload that fails is reported too (no loadURL of the app involved); a frame of the page or an aborted load is not', async () => {
    await run({ ELECTRON_RENDERER_URL: 'http://localhost:5173' })
    const win = FakeBrowserWindow.created[0]!
    win.webContents.failLoad('http://localhost:5173/', -3, 'ERR_ABORTED')
    win.webContents.failLoad('http://localhost:5173/frame.html', -105, 'ERR_NAME_NOT_RESOLVED', false)
    expect(dialog.showErrorBox).not.toHaveBeenCalled()
    expect(system.logger.error).not.toHaveBeenCalled()
    win.webContents.failLoad('http://localhost:5173/', -102, 'ERR_CONNECTION_REFUSED')
    expect(dialog.showErrorBox).toHaveBeenCalledTimes(1)
    expect(dialog.showErrorBox).toHaveBeenCalledWith('DB-Taxi could not show its window', expect.stringContaining('ERR_CONNECTION_REFUSED (-102)'))
  })

  it('a load that only rejects (the window closed during it, or a newer load replaced it) is no failure', async () => {
    const { shown, notifier } = fakeNotifier()
    FakeBrowserWindow.loadOutcome = { errorCode: -2, errorDescription: 'ERR_FAILED', event: false }
    await run({}, { notifier })
    // A notification's click loads the job into the window: that load replaced by a newer one.
    FakeBrowserWindow.loadOutcome = { errorCode: -3, errorDescription: 'ERR_ABORTED', event: false }
    system.events.emit('job.status', { jobId: 'j1', syncId: 's1', status: 'failed' })
    shown[0]!.onClick!()
    await settle()
    expect(FakeBrowserWindow.created[0]!.loaded).toEqual(['app://db-taxi/index.html', 'app://db-taxi/index.html#/jobs/j1'])
    expect(dialog.showErrorBox).not.toHaveBeenCalled()
    expect(system.logger.error).not.toHaveBeenCalled()
  })

  it('a load that fails once quitting has begun is logged, not put in a (modal) error box', async () => {
    let stopped!: () => void
    system.stop.mockImplementationOnce(() => new Promise<void>((r) => (stopped = r)))
    await run({ ELECTRON_RENDERER_URL: 'http://localhost:5173' })
    app.emit('before-quit', { preventDefault: vi.fn() })
    FakeBrowserWindow.created[0]!.webContents.failLoad('http://localhost:5173/', -102, 'ERR_CONNECTION_REFUSED')
    expect(system.logger.error).toHaveBeenCalledWith('the window could not load the app page', expect.objectContaining({ err: expect.objectContaining({ errno: -102 }) }))
    expect(dialog.showErrorBox).not.toHaveBeenCalled()
    stopped()
    await vi.waitFor(() => expect(app.exit).toHaveBeenCalledWith(0))
  })

  it('notifies through the app as the rules say: finished, failed, interrupted; nothing for other statuses; a deleted sync is "A sync"', async () => {
    const { shown, notifier } = fakeNotifier()
    system.syncs.get.mockImplementation((id: string) => {
      if (id === 's1') return { name: 'Nightly orders' }
      throw new Error(`no sync ${id}`)
    })
    await run({}, { notifier, prefs: memoryPrefs({ notifyOnSuccess: true }) })
    for (const status of ['queued', 'running', 'cancelled'] as const) system.events.emit('job.status', { jobId: `j-${status}`, syncId: 's1', status })
    expect(shown).toEqual([])
    system.events.emit('job.status', { jobId: 'j1', syncId: 's1', status: 'succeeded' })
    system.events.emit('job.status', { jobId: 'j2', syncId: 'deleted', status: 'failed', error: { code: 'AUTH_FAILED', message: 'login refused' } })
    system.events.emit('job.status', { jobId: 'j3', syncId: null, status: 'interrupted' })
    expect(shown.map(({ title, body, urgent }) => ({ title, body, urgent }))).toEqual([
      { title: 'Sync finished', body: 'Nightly orders is done and verified.', urgent: false },
      { title: 'Sync failed', body: 'A sync: login refused', urgent: true },
      { title: 'Sync interrupted', body: 'A sync was interrupted; it resumes at the next start.', urgent: true }
    ])
    expect(system.syncs.get).toHaveBeenCalledWith('deleted')
    // Each click goes to its own job.
    shown[1]!.onClick!()
    expect(FakeBrowserWindow.created[0]!.loaded.at(-1)).toBe('app://db-taxi/index.html#/jobs/j2')
    shown[0]!.onClick!()
    expect(FakeBrowserWindow.created[0]!.loaded.at(-1)).toBe('app://db-taxi/index.html#/jobs/j1')
  })

  it('by default only failures notify; the preferences turn successes on and failures off', async () => {
    const { shown, notifier } = fakeNotifier()
    const prefs = memoryPrefs()
    await run({}, { notifier, prefs })
    system.events.emit('job.status', { jobId: 'j1', syncId: 's1', status: 'succeeded' })
    system.events.emit('job.status', { jobId: 'j2', syncId: 's1', status: 'failed' })
    expect(shown.map((n) => n.title)).toEqual(['Sync failed'])
    prefs.set('notifyOnSuccess', true)
    prefs.set('notifyOnFailure', false)
    system.events.emit('job.status', { jobId: 'j3', syncId: 's1', status: 'succeeded' })
    system.events.emit('job.status', { jobId: 'j4', syncId: 's1', status: 'interrupted' })
    expect(shown.map((n) => n.title)).toEqual(['Sync failed', 'Sync finished'])
  })

  it('shows no notification where the system does not support them, and still runs', async () => {
    const show = vi.fn()
    await run({}, { notifier: { isSupported: () => false, show } })
    system.events.emit('job.status', { jobId: 'j1', syncId: 's1', status: 'failed' })
    expect(show).not.toHaveBeenCalled()
    expect(FakeBrowserWindow.created).toHaveLength(1)
  })

  it('notifies a failed job; clicking brings the window to the front at the job', async () => {
    const { shown, notifier } = fakeNotifier()
    await run({}, { notifier })
    const win = FakeBrowserWindow.created[0]!
    win.minimized = true
    system.events.emit('job.status', { jobId: 'job/1', syncId: 's1', status: 'failed', error: { code: 'AUTH_FAILED', message: 'login refused' } })
    expect(shown).toMatchObject([{ title: 'Sync failed', body: 'Nightly orders: login refused', urgent: true }])
    shown[0]!.onClick!()
    expect(win).toMatchObject({ minimized: false, visible: true, focused: true })
    expect(win.loaded.at(-1)).toBe('app://db-taxi/index.html#/jobs/job%2F1')
    expect(FakeBrowserWindow.created).toHaveLength(1)
  })

  it('a click on a notification after the window was closed opens a new window at the job', async () => {
    const { shown, notifier } = fakeNotifier()
    await run({}, { notifier, platform: 'darwin' })
    FakeBrowserWindow.created[0]!.close()
    system.events.emit('job.status', { jobId: 'j2', syncId: 's1', status: 'failed' })
    shown[0]!.onClick!()
    expect(FakeBrowserWindow.created).toHaveLength(2)
    expect(FakeBrowserWindow.created[1]!.loaded).toEqual(['app://db-taxi/index.html#/jobs/j2'])
  })

  it('notifications stop once the app is quitting, and a late click opens nothing', async () => {
    const { shown, notifier } = fakeNotifier()
    await run({}, { notifier })
    system.events.emit('job.status', { jobId: 'j3', syncId: 's1', status: 'failed' })
    app.emit('before-quit', { preventDefault: vi.fn() })
    await vi.waitFor(() => expect(app.exit).toHaveBeenCalledWith(0))
    system.events.emit('job.status', { jobId: 'j4', syncId: 's1', status: 'failed' })
    expect(shown.map((n) => n.body)).toEqual(['Nightly orders failed.'])
    FakeBrowserWindow.created[0]!.close()
    shown[0]!.onClick!()
    expect(FakeBrowserWindow.created).toHaveLength(1)
  })
})

describe('desktopLayers', () => {
  it('puts the data dir in Electron userData by default', () => {
    const { config, sources, origins } = effectiveConfig(desktopLayers({}, userData))
    expect(config.data_dir).toBe(userData)
    expect(sources.data_dir).toBe('flag')
    expect(origins.data_dir).toBe('electron userData')
  })

  it('leaves a data dir chosen through DBT_DATA_DIR alone', () => {
    const { config, sources } = effectiveConfig(desktopLayers({ DBT_DATA_DIR: '/srv/db-taxi' }, userData))
    expect(config.data_dir).toBe('/srv/db-taxi')
    expect(sources.data_dir).toBe('env')
  })
})
