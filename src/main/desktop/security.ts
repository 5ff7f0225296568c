import type { Session, Shell, WebContents, WebPreferences } from 'electron'
import type { AppPage } from './app-page'

/**
 * Every Electron security setting in one place (design notes, section 5). Each function takes the
 * Electron objects it configures, so unit tests can hand in fakes; nothing here imports electron at
 * runtime.
 */

/** The renderer is an ordinary web page: isolated, sandboxed, no Node, one preload bridge. */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
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
    spellcheck: false
  }
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

/** Only plain web links may leave the app, and only to the system browser. */
export function isSafeExternalUrl(url: string): boolean {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return false
  }
  return (u.protocol === 'https:' || u.protocol === 'http:') && u.username === '' && u.password === ''
}

/**
 * The window never leaves the app's page: navigations and redirects elsewhere are cancelled,
 * `window.open` is always denied (an http(s) link opens in the system browser instead), and no
 * `<webview>` may attach.
 */
export function guardWebContents(webContents: WebContents, appPage: AppPage, shell: Pick<Shell, 'openExternal'>): void {
  const keepOnAppPage = (event: { preventDefault(): void; url: string }): void => {
    if (!appPage.isAppUrl(event.url)) event.preventDefault()
  }
  webContents.on('will-navigate', (event) => keepOnAppPage(event))
  webContents.on('will-redirect', (event) => keepOnAppPage(event))
  webContents.on('will-frame-navigate', (event) => keepOnAppPage(event))
  webContents.on('will-attach-webview', (event) => event.preventDefault())
  webContents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) {
      shell.openExternal(url).catch(() => undefined)
    }
    return { action: 'deny' }
  })
}
