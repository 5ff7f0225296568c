import type { BrowserWindow, BrowserWindowConstructorOptions, Shell } from 'electron'
import type { Logger } from '../sync/logging/logger'
import type { AppPage } from './app-page'
import { MIN_WINDOW, type WindowState } from './prefs'
import { guardWebContents, newSecureWindow } from './security'

export interface MainWindowOptions {
  /** Electron's BrowserWindow class (a fake in tests). */
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => BrowserWindow
  appPage: AppPage
  preloadPath: string
  shell: Pick<Shell, 'openExternal'>
  /** Refused navigations and window.open requests are logged here. */
  logger: Pick<Logger, 'warn'>
  /** The external link allowlist (security.ts EXTERNAL_LINK_HOSTS unless given). */
  externalHosts?: readonly string[]
  /**
   * A load of the window's page failed (did-fail-load on the main frame, not ERR_ABORTED): one the
   * app started with loadURL or one it did not (a reload from the View menu). `err` is shaped like
   * loadURL's rejection (message, `errno`, `code`, `url`).
   */
  onLoadFailed?: (err: Error & { errno: number; code: string; url: string }) => void
  /** What to load instead of the app page's start (the same page at a route, e.g. a job). */
  url?: string
  /** Size, position and maximized state to open with (the desktop preferences, already fitted to the displays). */
  bounds?: WindowState
  /** Open without showing it (started hidden, in the tray). */
  hidden?: boolean
}

/**
 * Creates the main window hidden, locks it to the app page, loads the page and shows it when ready.
 * A main-frame load that fails calls onLoadFailed and shows the window (a page that never loads may
 * never be ready to show; hidden, it would leave the app running with nothing on screen to reload or
 * close).
 */
export function createMainWindow(opts: MainWindowOptions): BrowserWindow {
  const win = newSecureWindow(opts.BrowserWindow, opts.preloadPath, {
    width: opts.bounds?.width ?? 1280,
    height: opts.bounds?.height ?? 820,
    ...(opts.bounds?.x !== undefined && opts.bounds.y !== undefined ? { x: opts.bounds.x, y: opts.bounds.y } : {}),
    minWidth: MIN_WINDOW.width,
    minHeight: MIN_WINDOW.height,
    show: false,
    title: 'DB-Taxi',
    autoHideMenuBar: true
  })
  guardWebContents(win.webContents, { appPage: opts.appPage, shell: opts.shell, logger: opts.logger, externalHosts: opts.externalHosts })
  win.once('ready-to-show', () => {
    if (opts.hidden) return
    if (opts.bounds?.maximized) win.maximize()
    win.show()
  })
  win.webContents.on('did-fail-load', (_event, errorCode, errorDescription, validatedURL, isMainFrame) => {
    const err = loadError(errorCode, errorDescription, validatedURL)
    // A frame of the page is not the page; a load that a newer navigation replaced did not fail.
    if (!isMainFrame || isAbortedLoad(err)) return
    if (!win.isDestroyed() && !win.isVisible()) win.show()
    opts.onLoadFailed?.(err)
  })
  loadPage(win, opts.url ?? opts.appPage.url)
  return win
}

/**
 * Loads `url` into the window. A failure is reported by the window's did-fail-load handler
 * (createMainWindow), which also sees loads the app did not start; loadURL's rejection repeats that
 * failure, or says that a newer navigation replaced the load or that the window closed during it,
 * none of which is reported again.
 */
export function loadPage(win: BrowserWindow, url: string): void {
  win.loadURL(url).catch(() => undefined)
}

/** A failed load as Electron's loadURL rejects with it. */
function loadError(errno: number, code: string, url: string): Error & { errno: number; code: string; url: string } {
  return Object.assign(new Error(`${code} (${errno}) loading '${url.slice(0, 2048)}'`), { errno, code, url })
}

/**
 * The app page at a route of the renderer's hash router (`#/jobs/<id>`). Loading it into a window
 * that shows the page already is a same-document navigation: no reload.
 */
export function routeUrl(appPage: AppPage, route: string): string {
  return `${appPage.url.split('#')[0]}#${route}`
}

/** Whether a failed load is only a navigation that a newer one replaced (Chromium's ERR_ABORTED). */
export function isAbortedLoad(err: unknown): boolean {
  const e = err as { code?: unknown; errno?: unknown } | null
  return e?.code === 'ERR_ABORTED' || e?.errno === -3
}

/** The window's size and place now, to open with next time (its normal bounds when maximized). */
export function windowState(win: BrowserWindow): WindowState {
  const b = win.getNormalBounds()
  return { width: Math.round(b.width), height: Math.round(b.height), x: Math.round(b.x), y: Math.round(b.y), maximized: win.isMaximized() }
}

/** Brings an existing window to the front (second instance, dock click). */
export function focusWindow(win: BrowserWindow | null): void {
  if (!win || win.isDestroyed()) return
  if (win.isMinimized()) win.restore()
  if (!win.isVisible()) win.show()
  win.focus()
}
