import type { BrowserWindow as BrowserWindowInstance, BrowserWindowConstructorOptions, Session, Shell, WebContents } from 'electron'
import type { Logger } from '../sync/logging/logger'
import type { AppPage } from './app-page'

/**
 * Every Electron security setting in one place (design notes, section 5). Each function takes the
 * Electron objects it configures, so unit tests can hand in fakes; nothing here imports electron at
 * runtime.
 */

/**
 * Creates a window whose renderer is an ordinary web page: isolated, sandboxed, no Node, one preload
 * bridge, and no middle-click (auxclick) shortcut to opening windows. The webPreferences literal is
 * written inline in the constructor call on purpose: that is the shape electronegativity's window
 * checks can read (a settings object built elsewhere looks to it like no settings at all).
 */
export function newSecureWindow(
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => BrowserWindowInstance,
  preloadPath: string,
  options: Omit<BrowserWindowConstructorOptions, 'webPreferences'>
): BrowserWindowInstance {
  return new BrowserWindow({
    ...options,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick'
    }
  })
}

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'"
].join('; ')

/**
 * The same policy for the dev server: @vitejs/plugin-react injects an inline module script (the
 * React Refresh preamble) into index.html, which `script-src 'self'` would block. Only used when the
 * window loads ELECTRON_RENDERER_URL, never for the built app.
 */
export const DEV_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")

/** Adds the CSP header to every response the session receives (replacing any the server sent). */
export function applyContentSecurityPolicy(session: Session, policy: string = CONTENT_SECURITY_POLICY): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers: Record<string, string[]> = {}
    for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
      if (name.toLowerCase() !== 'content-security-policy') headers[name] = value
    }
    headers['Content-Security-Policy'] = [policy]
    callback({ responseHeaders: headers })
  })
}

/** No camera, notifications API, clipboard read, geolocation, USB, ... for web content. */
export function denyPermissions(session: Session): void {
  session.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
  session.setDevicePermissionHandler(() => false)
}

/**
 * The hosts the app may send the user to, in the system browser. Empty: the renderer has no external
 * links today (it links only to its own #/ routes). Add a host here (ASCII, lower case, punycode for
 * IDNs: it is compared with the parsed URL's hostname exactly) together with the link that needs it.
 */
export const EXTERNAL_LINK_HOSTS: readonly string[] = []

export type ExternalUrlVerdict = { ok: true; href: string } | { ok: false; reason: string }

/**
 * Whether a URL may be opened with shell.openExternal: https only, no user info, default port, and a
 * hostname that is on `hosts` exactly as the URL parser reads it (so `https://allowed@evil.com` is
 * evil.com, `https://evil.com/?https://allowed` is evil.com, and a look-alike IDN is its punycode).
 * On success `href` is the parsed URL: what was checked is what gets opened.
 */
export function checkExternalUrl(url: string, hosts: readonly string[] = EXTERNAL_LINK_HOSTS): ExternalUrlVerdict {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return { ok: false, reason: 'not a URL' }
  }
  if (u.protocol !== 'https:') return { ok: false, reason: `scheme ${u.protocol} is not https:` }
  if (u.username !== '' || u.password !== '') return { ok: false, reason: 'URL carries user info' }
  if (u.port !== '') return { ok: false, reason: 'non-default port' }
  if (!hosts.includes(u.hostname)) return { ok: false, reason: 'host not on the external link allowlist' }
  return { ok: true, href: u.href }
}

/** What a log line may say about a refused URL: its scheme and host, never a path, query or user info. */
export function describeUrl(url: string): { scheme: string; host: string } {
  try {
    const u = new URL(url)
    return { scheme: u.protocol, host: u.hostname }
  } catch {
    return { scheme: 'invalid', host: '' }
  }
}

export interface GuardOptions {
  appPage: AppPage
  shell: Pick<Shell, 'openExternal'>
  logger: Pick<Logger, 'warn'>
  /** The external link allowlist; EXTERNAL_LINK_HOSTS unless a test hands in its own. */
  externalHosts?: readonly string[]
}

/**
 * The window never leaves the app's origin: navigations and redirects elsewhere (another site,
 * file://, another app:// host) are cancelled and logged, `window.open` is always denied (an https
 * link to an allowlisted host opens in the system browser instead; anything else is logged), and no
 * `<webview>` may attach.
 */
export function guardWebContents(webContents: WebContents, opts: GuardOptions): void {
  const { appPage, shell, logger } = opts
  const externalHosts = opts.externalHosts ?? EXTERNAL_LINK_HOSTS
  const keepOnAppPage = (kind: string, event: { preventDefault(): void; url: string }): void => {
    if (appPage.isAppUrl(event.url)) return
    event.preventDefault()
    logger.warn('navigation away from the app refused', { event: kind, ...describeUrl(event.url) })
  }
  webContents.on('will-navigate', (event) => keepOnAppPage('will-navigate', event))
  webContents.on('will-redirect', (event) => keepOnAppPage('will-redirect', event))
  webContents.on('will-frame-navigate', (event) => keepOnAppPage('will-frame-navigate', event))
  webContents.on('will-attach-webview', (event) => {
    event.preventDefault()
    logger.warn('webview attachment refused')
  })
  webContents.setWindowOpenHandler(({ url }) => {
    const verdict = checkExternalUrl(url, externalHosts)
    if (verdict.ok) {
      shell.openExternal(verdict.href).catch((err: unknown) => logger.warn('opening a link in the browser failed', { ...describeUrl(url), err }))
    } else {
      logger.warn('window.open refused', { reason: verdict.reason, ...describeUrl(url) })
    }
    return { action: 'deny' }
  })
}
