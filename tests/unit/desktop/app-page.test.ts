import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { createAppPage } from '../../../src/main/desktop/app-page'

const indexHtml = '/opt/DB Taxi/out/renderer/index.html'
const fileUrl = pathToFileURL(indexHtml).href

describe('createAppPage', () => {
  it('loads the built index.html and recognises it with any hash or query', () => {
    const page = createAppPage({ indexHtml })
    expect(page.url).toBe(fileUrl)
    expect(page.isAppUrl(fileUrl)).toBe(true)
    expect(page.isAppUrl(`${fileUrl}#/settings`)).toBe(true)
    expect(page.isAppUrl(`${fileUrl}?x=1#/jobs`)).toBe(true)
  })

  it('rejects other files, other schemes and junk', () => {
    const page = createAppPage({ indexHtml })
    expect(page.isAppUrl(pathToFileURL('/etc/passwd').href)).toBe(false)
    expect(page.isAppUrl(pathToFileURL('/opt/DB Taxi/out/renderer/other.html').href)).toBe(false)
    expect(page.isAppUrl('file://evil.example/opt/DB%20Taxi/out/renderer/index.html')).toBe(false)
    expect(page.isAppUrl('https://example.com/')).toBe(false)
    expect(page.isAppUrl('not a url')).toBe(false)
    expect(page.isAppUrl('file:///opt/DB%ZZTaxi/out/renderer/index.html')).toBe(false)
  })

  it('in development, accepts the dev server origin only', () => {
    const page = createAppPage({ rendererUrl: 'http://localhost:5173', indexHtml })
    expect(page.url).toBe('http://localhost:5173/')
    expect(page.isAppUrl('http://localhost:5173/#/jobs')).toBe(true)
    expect(page.isAppUrl('http://localhost:5173/src/main.tsx')).toBe(true)
    expect(page.isAppUrl('http://localhost:5174/')).toBe(false)
    expect(page.isAppUrl('http://127.0.0.1:5173/')).toBe(false)
    expect(page.isAppUrl(fileUrl)).toBe(false)
  })

  it('refuses a dev server URL that is not http(s)', () => {
    expect(() => createAppPage({ rendererUrl: 'javascript:alert(1)', indexHtml })).toThrow(/ELECTRON_RENDERER_URL/)
    expect(() => createAppPage({ rendererUrl: 'nonsense', indexHtml })).toThrow(/ELECTRON_RENDERER_URL/)
  })
})
