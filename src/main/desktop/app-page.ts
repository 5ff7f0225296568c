import { APP_HOST, APP_INDEX_URL, APP_SCHEME } from './app-protocol'

/**
 * The app's own page: the one URL the window loads, the only place navigation may go, and the only
 * frame whose IPC calls are answered. In development it is electron-vite's dev server
 * (ELECTRON_RENDERER_URL, any path on that origin); otherwise the built renderer on the privileged
 * app:// scheme (app-protocol.ts), any path on app://db-taxi. Never file://.
 */
export interface AppPage {
  /** What the window loads. */
  readonly url: string
  /** True when `url` is on the app's own origin (path, query string and hash not considered). */
  isAppUrl(url: string): boolean
}

export function createAppPage(opts: { rendererUrl?: string }): AppPage {
  const dev = opts.rendererUrl ? parse(opts.rendererUrl) : null
  if (opts.rendererUrl && (!dev || (dev.protocol !== 'http:' && dev.protocol !== 'https:'))) {
    throw new Error(`ELECTRON_RENDERER_URL must be an http(s) URL, got "${opts.rendererUrl}"`)
  }
  if (dev) {
    return {
      url: dev.href,
      isAppUrl: (url) => parse(url)?.origin === dev.origin
    }
  }
  return {
    url: APP_INDEX_URL,
    // WHATWG URL gives non-special schemes an opaque origin ("null"), so compare the parts: exactly
    // app: and host db-taxi, no port, no user info.
    isAppUrl(url) {
      const u = parse(url)
      return u !== null && u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === ''
    }
  }
}

function parse(url: string): URL | null {
  try {
    return new URL(url)
  } catch {
    return null
  }
}
