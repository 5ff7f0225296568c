import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { createAppPage } from '../../../src/main/desktop/app-page'

const fileUrl = pathToFileURL('/opt/DB Taxi/out/renderer/index.html').href

describe('createAppPage', () => {
  it('loads the built renderer from app://db-taxi, never from file://', () => {
    const page = createAppPage({})
    expect(page.url).toBe('app://db-taxi/index.html')
    expect(page.url).not.toMatch(/^file:/)
  })

  it('recognises the app:// origin with any path, query or hash', () => {
    const page = createAppPage({})
    expect(page.isAppUrl('app://db-taxi/index.html')).toBe(true)
    expect(page.isAppUrl('app://db-taxi/index.html#/settings')).toBe(true)
    expect(page.isAppUrl('app://db-taxi/index.html?x=1#/jobs')).toBe(true)
    expect(page.isAppUrl('app://db-taxi/')).toBe(true)
  })

  it('rejects file://, other app:// hosts, other schemes and junk', () => {
    const page = createAppPage({})
    expect(page.isAppUrl(fileUrl)).toBe(false)
    expect(page.isAppUrl('file:///etc/passwd')).toBe(false)
    expect(page.isAppUrl('app://evil/index.html')).toBe(false)
    expect(page.isAppUrl('app://db-taxi.evil.example/index.html')).toBe(false)
    expect(page.isAppUrl('app://db-taxi:8080/index.html')).toBe(false)
    expect(page.isAppUrl('app://user@db-taxi/index.html')).toBe(false)
    expect(page.isAppUrl('app:///index.html')).toBe(false)
    expect(page.isAppUrl('https://db-taxi/index.html')).toBe(false)
    expect(page.isAppUrl('https://example.com/')).toBe(false)
    expect(page.isAppUrl('not a url')).toBe(false)
  })

  it('in development, accepts the dev server origin only (not app:// or file://)', () => {
    const page = createAppPage({ rendererUrl: 'http://localhost:5173' })
    expect(page.url).toBe('http://localhost:5173/')
    expect(page.isAppUrl('http://localhost:5173/#/jobs')).toBe(true)
    expect(page.isAppUrl('http://localhost:5173/src/main.tsx')).toBe(true)
    expect(page.isAppUrl('http://localhost:5174/')).toBe(false)
    expect(page.isAppUrl('http://127.0.0.1:5173/')).toBe(false)
    expect(page.isAppUrl('app://db-taxi/index.html')).toBe(false)
    expect(page.isAppUrl(fileUrl)).toBe(false)
  })

  it('refuses a dev server URL that is not http(s)', () => {
    expect(() => createAppPage({ rendererUrl: 'javascript:alert(1)' })).toThrow(/ELECTRON_RENDERER_URL/)
    expect(() => createAppPage({ rendererUrl: 'nonsense' })).toThrow(/ELECTRON_RENDERER_URL/)
  })
})
