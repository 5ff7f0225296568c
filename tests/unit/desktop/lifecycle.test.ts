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
    status: vi.fn(() => ({ version: 'test' }))
  }
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

  const run = (env: NodeJS.ProcessEnv = {}) =>
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
      createSystem: createSystem as unknown as DesktopDeps['createSystem']
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
