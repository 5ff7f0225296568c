import { pathToFileURL } from 'node:url'
import { describe, expect, it, vi } from 'vitest'
import { createAppPage } from '../../../src/main/desktop/app-page'
import {
  applyContentSecurityPolicy,
  CONTENT_SECURITY_POLICY,
  denyPermissions,
  DEV_CONTENT_SECURITY_POLICY,
  checkExternalUrl,
  describeUrl,
  EXTERNAL_LINK_HOSTS,
  guardWebContents,
  newSecureWindow
} from '../../../src/main/desktop/security'
import { asWebContents, FakeBrowserWindow, FakeBrowserWindowClass, FakeWebContents, fakeLogger, fakeSession } from './fakes'

const appUrl = 'app://db-taxi/index.html'

describe('newSecureWindow', () => {
  it('isolates and sandboxes the renderer with the preload as the only bridge, whatever the caller passes', () => {
    FakeBrowserWindow.created = []
    const options = { show: false, webPreferences: { sandbox: false, nodeIntegration: true } } as unknown as Parameters<typeof newSecureWindow>[2]
    newSecureWindow(FakeBrowserWindowClass, '/app/out/preload/index.cjs', options)
    expect(FakeBrowserWindow.created[0]!.options).toEqual({
      show: false,
      webPreferences: {
        preload: '/app/out/preload/index.cjs',
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
  })
})

describe('content security policy', () => {
  it('is strict: self only, no objects, no base, no framing', () => {
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'"
    ]) {
      expect(CONTENT_SECURITY_POLICY.split('; ')).toContain(directive)
    }
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval/)
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/script-src[^;]*unsafe-inline/)
  })

  it('is added to every response, replacing a CSP the server sent', () => {
    const { session, state } = fakeSession()
    applyContentSecurityPolicy(session)
    const cb = vi.fn()
    state.headersListener!({ responseHeaders: { 'Content-Type': ['text/html'], 'content-security-policy': ["default-src *"] } }, cb)
    expect(cb).toHaveBeenCalledWith({
      responseHeaders: { 'Content-Type': ['text/html'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] }
    })
    const cb2 = vi.fn()
    state.headersListener!({}, cb2)
    expect(cb2).toHaveBeenCalledWith({ responseHeaders: { 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } })
  })

  it('relaxes only script-src inline for the dev server', () => {
    expect(DEV_CONTENT_SECURITY_POLICY).toContain("script-src 'self' 'unsafe-inline'")
    expect(DEV_CONTENT_SECURITY_POLICY.replace("script-src 'self' 'unsafe-inline'", "script-src 'self'")).toBe(CONTENT_SECURITY_POLICY)
  })
})

describe('denyPermissions', () => {
  it('refuses every permission request and check', () => {
    const { session, state } = fakeSession()
    denyPermissions(session)
    const granted = vi.fn()
    state.permissionRequest!({}, 'media', granted)
    state.permissionRequest!({}, 'notifications', granted)
    expect(granted.mock.calls).toEqual([[false], [false]])
    expect(state.permissionCheck!({}, 'clipboard-read', 'file://')).toBe(false)
    expect(state.devicePermission!({ deviceType: 'usb' })).toBe(false)
  })
})

describe('guardWebContents', () => {
  const ALLOWED = ['docs.example.org']
  const setup = (rendererUrl?: string) => {
    const wc = new FakeWebContents()
    const shell = { openExternal: vi.fn(async (_url: string) => {}) }
    const logger = fakeLogger()
    guardWebContents(asWebContents(wc), { appPage: createAppPage({ rendererUrl }), shell, logger, externalHosts: ALLOWED })
    return { wc, shell, logger }
  }

  it('prevents navigation and redirects to other origins, file:// and other app:// hosts, and logs them', () => {
    const { wc, logger } = setup()
    expect(wc.navigate('will-navigate', 'https://evil.example/')).toBe(true)
    expect(wc.navigate('will-navigate', 'file:///etc/passwd')).toBe(true)
    expect(wc.navigate('will-navigate', pathToFileURL('/app/out/renderer/index.html').href)).toBe(true)
    expect(wc.navigate('will-navigate', 'app://evil/index.html')).toBe(true)
    expect(wc.navigate('will-navigate', 'https://docs.example.org/')).toBe(true)
    expect(wc.navigate('will-redirect', 'https://evil.example/')).toBe(true)
    expect(wc.navigate('will-frame-navigate', 'https://evil.example/')).toBe(true)
    expect(logger.warn).toHaveBeenCalledWith('navigation away from the app refused', { event: 'will-navigate', scheme: 'file:', host: '' })
    expect(logger.warn).toHaveBeenCalledWith('navigation away from the app refused', { event: 'will-redirect', scheme: 'https:', host: 'evil.example' })
    expect(logger.warn).toHaveBeenCalledTimes(7)
  })

  it('allows navigation within the app:// origin', () => {
    const { wc, logger } = setup()
    expect(wc.navigate('will-navigate', `${appUrl}#/settings`)).toBe(false)
    expect(wc.navigate('will-redirect', appUrl)).toBe(false)
    expect(wc.navigate('will-frame-navigate', 'app://db-taxi/index.html?x=1')).toBe(false)
    expect(logger.warn).not.toHaveBeenCalled()
  })

  it('allows the dev server origin in development only, and then not app://', () => {
    expect(setup('http://localhost:5173').wc.navigate('will-navigate', 'http://localhost:5173/')).toBe(false)
    expect(setup('http://localhost:5173').wc.navigate('will-navigate', 'http://localhost:8080/')).toBe(true)
    expect(setup('http://localhost:5173').wc.navigate('will-navigate', appUrl)).toBe(true)
    expect(setup().wc.navigate('will-navigate', 'http://localhost:5173/')).toBe(true)
  })

  it('denies every window.open; only an https link to an allowlisted host goes to the system browser', () => {
    const { wc, shell, logger } = setup()
    expect(wc.windowOpenHandler!({ url: 'https://docs.example.org/guide?x=1#y' })).toEqual({ action: 'deny' })
    expect(shell.openExternal.mock.calls).toEqual([['https://docs.example.org/guide?x=1#y']])
    for (const url of ['https://mariadb.com/kb/', 'http://docs.example.org/', 'file:///etc/passwd', 'javascript:alert(1)', appUrl, 'https://docs.example.org@evil.com/']) {
      expect(wc.windowOpenHandler!({ url })).toEqual({ action: 'deny' })
    }
    expect(shell.openExternal).toHaveBeenCalledTimes(1)
    expect(logger.warn).toHaveBeenCalledTimes(6)
    expect(logger.warn).toHaveBeenCalledWith('window.open refused', { reason: 'host not on the external link allowlist', scheme: 'https:', host: 'mariadb.com' })
    expect(logger.warn).toHaveBeenCalledWith('window.open refused', { reason: 'scheme javascript: is not https:', scheme: 'javascript:', host: '' })
  })

  it('opens nothing with the shipped allowlist (the renderer has no external links)', () => {
    const wc = new FakeWebContents()
    const shell = { openExternal: vi.fn(async (_url: string) => {}) }
    guardWebContents(asWebContents(wc), { appPage: createAppPage({}), shell, logger: fakeLogger() })
    expect(wc.windowOpenHandler!({ url: 'https://mariadb.com/kb/' })).toEqual({ action: 'deny' })
    expect(shell.openExternal).not.toHaveBeenCalled()
  })

  it('logs a failing openExternal instead of leaving a rejected promise', async () => {
    const { wc, shell, logger } = setup()
    shell.openExternal.mockRejectedValueOnce(new Error('no browser'))
    wc.windowOpenHandler!({ url: 'https://docs.example.org/' })
    await vi.waitFor(() => expect(logger.warn).toHaveBeenCalledWith('opening a link in the browser failed', expect.objectContaining({ host: 'docs.example.org' })))
  })

  it('refuses to attach a webview', () => {
    const { wc } = setup()
    const preventDefault = vi.fn()
    wc.emit('will-attach-webview', { preventDefault }, {}, { src: 'https://evil.example/' })
    expect(preventDefault).toHaveBeenCalled()
  })
})

describe('checkExternalUrl', () => {
  const hosts = ['docs.example.org']

  it('accepts https to an allowlisted host and hands back the parsed URL', () => {
    expect(checkExternalUrl('https://docs.example.org/a?b#c', hosts)).toEqual({ ok: true, href: 'https://docs.example.org/a?b#c' })
    expect(checkExternalUrl('https://DOCS.Example.ORG/x', hosts)).toEqual({ ok: true, href: 'https://docs.example.org/x' })
    expect(checkExternalUrl('https://docs.example.org:443/', hosts)).toEqual({ ok: true, href: 'https://docs.example.org/' })
  })

  it.each([
    ['user info hiding the real host', 'https://docs.example.org@evil.com/'],
    ['the allowed host in the query', 'https://evil.com/?https://docs.example.org'],
    ['the allowed host in the hash', 'https://evil.com/#docs.example.org'],
    ['the allowed host as a subdomain', 'https://docs.example.org.evil.com/'],
    ['a subdomain of the allowed host', 'https://sub.docs.example.org/'],
    ['a trailing dot', 'https://docs.example.org./'],
    ['an IDN look-alike (Cyrillic о)', 'https://d\u043Ecs.example.org/'],
    ['an IDN look-alike in punycode', 'https://xn--dcs-sed.example.org/'],
    ['credentials on the allowed host', 'https://user:pw@docs.example.org/'],
    ['a non-default port', 'https://docs.example.org:8443/'],
    ['http to the allowed host', 'http://docs.example.org/'],
    ['javascript:', 'javascript:alert(1)'],
    ['javascript: naming the host', 'javascript://docs.example.org/%0aalert(1)'],
    ['file:', 'file:///etc/passwd'],
    ['file: naming the host', 'file://docs.example.org/share'],
    ['smb:', 'smb://docs.example.org/share'],
    ['mailto:', 'mailto:a@docs.example.org'],
    ['the app itself', 'app://db-taxi/index.html'],
    ['junk', 'not a url'],
    ['nothing', '']
  ])('refuses %s', (_name, url) => {
    expect(checkExternalUrl(url, hosts).ok).toBe(false)
  })

  it('refuses everything with the shipped (empty) allowlist', () => {
    expect(EXTERNAL_LINK_HOSTS).toEqual([])
    expect(checkExternalUrl('https://mariadb.com/kb/').ok).toBe(false)
  })

  it('lists hosts as the URL parser spells them (else they could never match)', () => {
    for (const host of EXTERNAL_LINK_HOSTS) expect(new URL(`https://${host}/`).hostname).toBe(host)
  })
})

describe('describeUrl', () => {
  it('keeps only scheme and host for log lines', () => {
    expect(describeUrl('https://user:pw@evil.example/path?token=abc#x')).toEqual({ scheme: 'https:', host: 'evil.example' })
    expect(describeUrl('nonsense')).toEqual({ scheme: 'invalid', host: '' })
  })
})
