import { pathToFileURL } from 'node:url'

/**
 * The app's own page: the one URL the window loads, the only place navigation may go, and the only
 * frame whose IPC calls are answered. In development it is electron-vite's dev server
 * (ELECTRON_RENDERER_URL, any path on that origin); otherwise the built out/renderer/index.html.
 */
export interface AppPage {
  /** What the window loads. */
  readonly url: string
  /** True when `url` is the app's own page (query string and hash ignored). */
  isAppUrl(url: string): boolean
}

export function createAppPage(opts: { rendererUrl?: string; indexHtml: string }): AppPage {
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
  const file = pathToFileURL(opts.indexHtml)
  const wanted = decodedPath(file)
  return {
    url: file.href,
    isAppUrl(url) {
      const u = parse(url)
      return wanted !== null && u !== null && u.protocol === 'file:' && u.host === '' && decodedPath(u) === wanted
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

function decodedPath(u: URL): string | null {
  try {
    return decodeURIComponent(u.pathname)
  } catch {
    return null
  }
}
