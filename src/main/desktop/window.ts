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
  onLoadFailed?: (err: unknown) => void
  /** What to load instead of the app page's start (the same page at a route, e.g. a job). */
  url?: string
}

/** Creates the main window hidden, locks it to the app page, loads the page and shows it when ready. */
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
  win.loadURL(opts.url ?? opts.appPage.url).catch((err: unknown) => opts.onLoadFailed?.(err))
  return win
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
