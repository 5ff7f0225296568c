import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  APP_INDEX_URL,
  APP_SCHEME_PRIVILEGES,
  appRequestTarget,
  contentTypeFor,
  createAppProtocolHandler,
  registerAppProtocol
} from '../../../src/main/desktop/app-protocol'
import { CONTENT_SECURITY_POLICY } from '../../../src/main/desktop/security'
import { asProtocol, fakeLogger, FakeProtocol } from './fakes'

const SECRET = 'TOP SECRET: outside the renderer directory'
const INDEX = '<!doctype html><title>DB-Taxi</title>'

let base: string
let root: string
let outsideFile: string

beforeAll(() => {
  // base/secret.txt, base/out/renderer/{index.html,assets/...}, with links into and out of the root
  base = mkdtempSync(join(tmpdir(), 'dbt-app-protocol-'))
  outsideFile = join(base, 'secret.txt')
  writeFileSync(outsideFile, SECRET)
  mkdirSync(join(base, 'elsewhere'))
  writeFileSync(join(base, 'elsewhere', 'x.js'), SECRET)
  root = join(base, 'out', 'renderer')
  mkdirSync(join(root, 'assets'), { recursive: true })
  writeFileSync(join(root, 'index.html'), INDEX)
  writeFileSync(join(root, 'assets', 'index-abc.js'), 'console.log(1)')
  writeFileSync(join(root, 'assets', 'index-abc.css'), 'body{}')
  writeFileSync(join(root, 'assets', 'data.bin'), 'bytes')
  symlinkSync(outsideFile, join(root, 'assets', 'leak.txt'))
  symlinkSync(join(base, 'elsewhere'), join(root, 'linked-dir'))
  symlinkSync(join(root, 'assets', 'index-abc.js'), join(root, 'assets', 'alias.js'))
  symlinkSync(root, join(base, 'renderer-link'))
})

afterAll(() => rmSync(base, { recursive: true, force: true }))

function handler(opts: { root?: string } = {}) {
  const logger = fakeLogger()
  const protocol = new FakeProtocol()
  registerAppProtocol(asProtocol(protocol), { root: opts.root ?? root, logger })
  return { protocol, logger }
}

/** Every spelling of "a file outside the renderer directory" a request could carry. */
const TRAVERSALS = [
  'app://db-taxi/../secret.txt',
  'app://db-taxi/../../secret.txt',
  'app://db-taxi/assets/../../secret.txt',
  'app://db-taxi/./../secret.txt',
  'app://db-taxi/%2e%2e/secret.txt',
  'app://db-taxi/%2E%2E/secret.txt',
  'app://db-taxi/.%2e/secret.txt',
  'app://db-taxi/%2e./secret.txt',
  'app://db-taxi/..%2fsecret.txt',
  'app://db-taxi/..%2Fsecret.txt',
  'app://db-taxi/%2e%2e%2fsecret.txt',
  'app://db-taxi/assets%2f..%2f..%2fsecret.txt',
  'app://db-taxi/..%5csecret.txt',
  'app://db-taxi/..\\secret.txt',
  'app://db-taxi/assets\\..\\..\\secret.txt',
  'app://db-taxi/..',
  'app://db-taxi/%2fetc%2fpasswd',
  'app://db-taxi//etc/passwd',
  'app://db-taxi/C:/Windows/win.ini',
  'app://db-taxi/C%3A%5CWindows%5Cwin.ini',
  'app://db-taxi/%00index.html',
  'app://db-taxi/index.html%00.js'
]

const OTHER_HOSTS = [
  'app://evil/index.html',
  'app://db-taxi.evil.example/index.html',
  'app://evil.example/db-taxi/index.html',
  'app://db-taxi:8080/index.html',
  'app://user@db-taxi/index.html',
  'app://db-taxi@evil/index.html',
  'app:///index.html',
  'app:index.html',
  'file:///etc/passwd',
  'https://db-taxi/index.html'
]

describe('appRequestTarget (URL -> file below the renderer directory, no file system)', () => {
  it('maps the page and its assets to path segments', () => {
    expect(appRequestTarget(APP_INDEX_URL)).toEqual({ ok: true, segments: ['index.html'], contentType: 'text/html; charset=utf-8' })
    expect(appRequestTarget('app://db-taxi/')).toMatchObject({ ok: true, segments: ['index.html'] })
    expect(appRequestTarget('app://db-taxi/index.html?x=1#/jobs')).toMatchObject({ ok: true, segments: ['index.html'] })
    expect(appRequestTarget('app://db-taxi/assets/index-abc.js')).toEqual({
      ok: true,
      segments: ['assets', 'index-abc.js'],
      contentType: 'text/javascript; charset=utf-8'
    })
    expect(appRequestTarget('app://db-taxi/assets/a%20b.css')).toMatchObject({ ok: true, segments: ['assets', 'a b.css'] })
  })

  it.each(TRAVERSALS)('refuses traversal spelled %s', (url) => {
    const t = appRequestTarget(url)
    expect(t.ok).toBe(false)
    if (!t.ok) expect([400, 403]).toContain(t.status)
  })

  it('refuses an encoded absolute path of a real file', () => {
    expect(appRequestTarget(`app://db-taxi/${encodeURIComponent(outsideFile)}`)).toMatchObject({ ok: false, status: 403 })
  })

  it.each(OTHER_HOSTS)('refuses %s (not app://db-taxi)', (url) => {
    expect(appRequestTarget(url)).toMatchObject({ ok: false, status: 403 })
  })

  it('refuses other methods, malformed escapes and directories', () => {
    expect(appRequestTarget(APP_INDEX_URL, 'POST')).toMatchObject({ ok: false, status: 405 })
    expect(appRequestTarget(APP_INDEX_URL, 'HEAD')).toMatchObject({ ok: true })
    expect(appRequestTarget('app://db-taxi/%ZZ.js')).toMatchObject({ ok: false, status: 400 })
    expect(appRequestTarget('app://db-taxi/assets/')).toMatchObject({ ok: false, status: 404 })
    expect(appRequestTarget('not a url')).toMatchObject({ ok: false, status: 400 })
  })
})

describe('contentTypeFor', () => {
  it('names the types of a web build and falls back to bytes', () => {
    expect(contentTypeFor('index.html')).toBe('text/html; charset=utf-8')
    expect(contentTypeFor('a.JS')).toBe('text/javascript; charset=utf-8')
    expect(contentTypeFor('a.css')).toBe('text/css; charset=utf-8')
    expect(contentTypeFor('a.svg')).toBe('image/svg+xml')
    expect(contentTypeFor('a.woff2')).toBe('font/woff2')
    expect(contentTypeFor('data.bin')).toBe('application/octet-stream')
    expect(contentTypeFor('Makefile')).toBe('application/octet-stream')
  })
})

describe('the app: protocol handler', () => {
  const expectHeaders = (res: Response, contentType: string) => {
    expect(res.headers.get('content-type')).toBe(contentType)
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  }

  it('serves index.html with the CSP, at /index.html and at /', async () => {
    const { protocol } = handler()
    for (const url of [APP_INDEX_URL, 'app://db-taxi/', 'app://db-taxi/index.html#/settings']) {
      const res = await protocol.request(url)
      expect(res.status).toBe(200)
      expectHeaders(res, 'text/html; charset=utf-8')
      expect(await res.text()).toBe(INDEX)
    }
  })

  it('serves assets with their content types and the CSP', async () => {
    const { protocol } = handler()
    const js = await protocol.request('app://db-taxi/assets/index-abc.js')
    expect(js.status).toBe(200)
    expectHeaders(js, 'text/javascript; charset=utf-8')
    expect(await js.text()).toBe('console.log(1)')
    const css = await protocol.request('app://db-taxi/assets/index-abc.css')
    expectHeaders(css, 'text/css; charset=utf-8')
    const bin = await protocol.request('app://db-taxi/assets/data.bin')
    expectHeaders(bin, 'application/octet-stream')
  })

  it('answers HEAD without a body', async () => {
    const res = await handler().protocol.request(APP_INDEX_URL, 'HEAD')
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('')
  })

  it.each(TRAVERSALS)('never serves a file outside the root for %s', async (url) => {
    const { protocol, logger } = handler()
    const res = await protocol.request(url)
    expect([400, 403]).toContain(res.status)
    expectHeaders(res, 'text/plain; charset=utf-8')
    expect(await res.text()).not.toContain('SECRET')
    expect(logger.warn).toHaveBeenCalledWith('app:// request refused', expect.objectContaining({ status: res.status }))
  })

  it.each(OTHER_HOSTS.filter((u) => u.startsWith('app:')))('refuses %s', async (url) => {
    const res = await handler().protocol.request(url)
    expect(res.status).toBe(403)
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
  })

  it('refuses a symlink that leads out of the root, follows one that stays inside', async () => {
    const { protocol } = handler()
    const leak = await protocol.request('app://db-taxi/assets/leak.txt')
    expect(leak.status).toBe(403)
    expect(await leak.text()).not.toContain('SECRET')
    const viaDir = await protocol.request('app://db-taxi/linked-dir/x.js')
    expect(viaDir.status).toBe(403)
    expect(await viaDir.text()).not.toContain('SECRET')
    const alias = await protocol.request('app://db-taxi/assets/alias.js')
    expect(alias.status).toBe(200)
    expect(await alias.text()).toBe('console.log(1)')
  })

  it('works when the root itself is reached through a symlink', async () => {
    const res = await handler({ root: join(base, 'renderer-link') }).protocol.request(APP_INDEX_URL)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe(INDEX)
  })

  it('answers 404 for unknown paths and directories (hash routing: no SPA fallback), 405 for POST', async () => {
    const { protocol, logger } = handler()
    for (const url of ['app://db-taxi/jobs', 'app://db-taxi/missing.js', 'app://db-taxi/assets', 'app://db-taxi/assets/', 'app://db-taxi/%252e%252e/secret.txt']) {
      const res = await protocol.request(url)
      expect(res.status, url).toBe(404)
      expectHeaders(res, 'text/plain; charset=utf-8')
    }
    expect(logger.warn).not.toHaveBeenCalled()
    expect((await protocol.request(APP_INDEX_URL, 'POST')).status).toBe(405)
    expect(logger.warn).toHaveBeenCalledTimes(1)
  })

  it('answers 404 everywhere when the renderer directory is missing', async () => {
    const res = await handler({ root: join(base, 'no-such-dir') }).protocol.request(APP_INDEX_URL)
    expect(res.status).toBe(404)
  })

  it('reads through the injected file system only inside the root', async () => {
    const fs = {
      realpath: vi.fn(async (p: string) => p),
      stat: vi.fn(async () => ({ isFile: () => true })),
      readFile: vi.fn(async () => new TextEncoder().encode('x'))
    }
    const serve = createAppProtocolHandler({ root: '/app/out/renderer', fs })
    expect((await serve({ url: 'app://db-taxi/assets/a.js', method: 'GET' })).status).toBe(200)
    expect(fs.readFile.mock.calls).toEqual([['/app/out/renderer/assets/a.js']])
    expect((await serve({ url: 'app://db-taxi/%2e%2e/etc/passwd', method: 'GET' })).status).toBe(403)
    expect(fs.readFile).toHaveBeenCalledTimes(1)
  })
})

describe('APP_SCHEME_PRIVILEGES', () => {
  it('is standard and secure with fetch, and never bypasses the CSP or opens CORS', () => {
    expect(APP_SCHEME_PRIVILEGES.scheme).toBe('app')
    expect(APP_SCHEME_PRIVILEGES.privileges).toEqual({ standard: true, secure: true, supportFetchAPI: true })
  })
})
