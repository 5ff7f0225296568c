import { EventEmitter } from 'node:events'
import { vi } from 'vitest'
import type { BrowserWindow, BrowserWindowConstructorOptions, CustomScheme, IpcMain, IpcMainInvokeEvent, Protocol, Session, WebContents } from 'electron'

/** Just enough of Electron's objects for the desktop modules, recorded for assertions. */

export class FakeWebContents extends EventEmitter {
  destroyed = false
  sent: { channel: string; args: unknown[] }[] = []
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null
  isDestroyed(): boolean {
    return this.destroyed
  }
  send(channel: string, ...args: unknown[]): void {
    alive(this)
    this.sent.push({ channel, args })
  }
  /** Chromium reporting a failed load (a reload from the menu, a frame of the page, or loadURL's own). */
  failLoad(url: string, errorCode: number, errorDescription: string, isMainFrame = true): void {
    this.emit('did-fail-load', {}, errorCode, errorDescription, url, isMainFrame, 1, 1)
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler
  }
  /** Emits a navigation-style event; returns whether a listener prevented it. */
  navigate(event: 'will-navigate' | 'will-redirect' | 'will-frame-navigate', url: string): boolean {
    let prevented = false
    this.emit(event, { url, preventDefault: () => (prevented = true) }, url)
    return prevented
  }
}

/** Like Electron: a destroyed window or webContents throws on any call but isDestroyed(). */
function alive(o: { destroyed: boolean }): void {
  if (o.destroyed) throw new TypeError('Object has been destroyed')
}

/**
 * How the fake's loads end. 'ok': they resolve. A failure plays Electron (lib/browser/api/web-contents.ts):
 * did-fail-load on the main frame, then loadURL rejects with the same failure (message, errno, code,
 * url); with `event: false` only the rejection comes (the window was closed during the load, or the
 * load stopped without finishing).
 */
export type FakeLoadOutcome = 'ok' | { errorCode: number; errorDescription: string; event?: boolean }

export class FakeBrowserWindow extends EventEmitter {
  static created: FakeBrowserWindow[] = []
  /** For every load of every window until changed; tests set it back to 'ok' in beforeEach. */
  static loadOutcome: FakeLoadOutcome = 'ok'
  readonly webContents = new FakeWebContents()
  destroyed = false
  visible = false
  minimized = false
  focused = false
  loaded: string[] = []
  constructor(readonly options: BrowserWindowConstructorOptions) {
    super()
    FakeBrowserWindow.created.push(this)
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
  loadURL(url: string): Promise<void> {
    alive(this)
    this.loaded.push(url)
    const outcome = FakeBrowserWindow.loadOutcome
    if (outcome === 'ok') return Promise.resolve()
    // After loadURL has returned, as in Electron (a microtask: fake timers leave it alone).
    return Promise.resolve().then(() => {
      if (outcome.event !== false) this.webContents.failLoad(url, outcome.errorCode, outcome.errorDescription)
      throw Object.assign(new Error(`${outcome.errorDescription} (${outcome.errorCode}) loading '${url}'`), {
        errno: outcome.errorCode,
        code: outcome.errorDescription,
        url
      })
    })
  }
  show(): void {
    alive(this)
    this.visible = true
  }
  isVisible(): boolean {
    alive(this)
    return this.visible
  }
  isMinimized(): boolean {
    alive(this)
    return this.minimized
  }
  restore(): void {
    alive(this)
    this.minimized = false
  }
  focus(): void {
    alive(this)
    this.focused = true
  }
  maximized = false
  bounds = { x: 40, y: 30, width: 1280, height: 820 }
  hide(): void {
    alive(this)
    this.visible = false
  }
  maximize(): void {
    alive(this)
    this.maximized = true
  }
  isMaximized(): boolean {
    alive(this)
    return this.maximized
  }
  getNormalBounds(): { x: number; y: number; width: number; height: number } {
    alive(this)
    return this.bounds
  }
  /** Like Electron: 'close' first, which a listener may prevent; then the window is gone ('closed'). */
  close(): void {
    alive(this)
    let prevented = false
    this.emit('close', { preventDefault: () => (prevented = true) })
    if (prevented) return
    this.destroyed = true
    this.webContents.destroyed = true
    this.emit('closed')
  }
}

export const asWindow = (w: FakeBrowserWindow): BrowserWindow => w as unknown as BrowserWindow
export const asWebContents = (w: FakeWebContents): WebContents => w as unknown as WebContents
export const FakeBrowserWindowClass = FakeBrowserWindow as unknown as new (o: BrowserWindowConstructorOptions) => BrowserWindow

type InvokeHandler = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown

export class FakeIpcMain {
  handlers = new Map<string, InvokeHandler>()
  handle(channel: string, handler: InvokeHandler): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`)
    this.handlers.set(channel, handler)
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel)
  }
  /** Calls the channel's handler as a renderer would, from the given sender and frame. */
  async invoke(channel: string, from: { sender: unknown; frameUrl: string | null; topFrame?: boolean }, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel)
    if (!handler) throw new Error(`No handler registered for '${channel}'`)
    const senderFrame = from.frameUrl === null ? null : { url: from.frameUrl, parent: from.topFrame === false ? {} : null }
    return handler({ sender: from.sender, senderFrame } as unknown as IpcMainInvokeEvent, ...args)
  }
}

export const asIpcMain = (i: FakeIpcMain): IpcMain => i as unknown as IpcMain

type ProtocolHandler = (request: Request) => Response | Promise<Response>

/** Electron's protocol module: records privileged schemes and handlers; request() plays Chromium. */
export class FakeProtocol {
  privileged: CustomScheme[][] = []
  handlers = new Map<string, ProtocolHandler>()
  registerSchemesAsPrivileged(schemes: CustomScheme[]): void {
    this.privileged.push(schemes)
  }
  handle(scheme: string, handler: ProtocolHandler): void {
    if (this.handlers.has(scheme)) throw new Error(`second handler for ${scheme}`)
    this.handlers.set(scheme, handler)
  }
  /** Hands the handler a request for `url` exactly as written (no normalisation). */
  async request(url: string, method = 'GET'): Promise<Response> {
    const scheme = url.slice(0, url.indexOf(':'))
    const handler = this.handlers.get(scheme)
    if (!handler) throw new Error(`No handler registered for '${scheme}'`)
    return handler({ url, method } as Request)
  }
}

export const asProtocol = (p: FakeProtocol): Protocol => p as unknown as Protocol

export function fakeSession() {
  const state = {
    headersListener: null as null | ((details: { responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders?: Record<string, string[]> }) => void) => void),
    permissionRequest: null as null | ((wc: unknown, permission: string, cb: (granted: boolean) => void) => void),
    permissionCheck: null as null | ((...args: unknown[]) => boolean),
    devicePermission: null as null | ((...args: unknown[]) => boolean)
  }
  const session = {
    webRequest: {
      onHeadersReceived: (listener: typeof state.headersListener) => {
        state.headersListener = listener
      }
    },
    setPermissionRequestHandler: (h: typeof state.permissionRequest) => {
      state.permissionRequest = h
    },
    setPermissionCheckHandler: (h: typeof state.permissionCheck) => {
      state.permissionCheck = h
    },
    setDevicePermissionHandler: (h: typeof state.devicePermission) => {
      state.devicePermission = h
    }
  }
  return { session: session as unknown as Session, state }
}

export function fakeLogger() {
  return { error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn(), child: vi.fn(), setLevel: vi.fn(), close: vi.fn(async () => {}) }
}
