import type { BrowserWindow, BrowserWindowConstructorOptions, Shell } from 'electron'
import type { Logger } from '../sync/logging/logger'
import type { AppPage } from './app-page'
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
}

/**
 * Creates the main window hidden, locks it to the app page, loads the page and shows it when ready.
 * A main-frame load that fails calls onLoadFailed and shows the window (a page that never loads may
 * never be ready to show; hidden, it would leave the app running with nothing on screen to reload or
 * close).
 */
export function createMainWindow(opts: MainWindowOptions): BrowserWindow {
  const win = newSecureWindow(opts.BrowserWindow, opts.preloadPath, {
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'DB-Taxi',
    autoHideMenuBar: true
  })
  guardWebContents(win.webContents, { appPage: opts.appPage, shell: opts.shell, logger: opts.logger, externalHosts: opts.externalHosts })
  win.once('ready-to-show', () => win.show())
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

/** Brings an existing window to the front (second instance, dock click). */
export function focusWindow(win: BrowserWindow | null): void {
  if (!win || win.isDestroyed()) return
  if (win.isMinimized()) win.restore()
  if (!win.isVisible()) win.show()
  win.focus()
}
