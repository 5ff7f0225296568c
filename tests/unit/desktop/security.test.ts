import { pathToFileURL } from 'node:url'
import { describe, expect, it, vi } from 'vitest'
import { createAppPage } from '../../../src/main/desktop/app-page'
import {
  applyContentSecurityPolicy,
  CONTENT_SECURITY_POLICY,
  denyPermissions,
  DEV_CONTENT_SECURITY_POLICY,
  guardWebContents,
  isSafeExternalUrl,
  secureWebPreferences
} from '../../../src/main/desktop/security'
import { asWebContents, FakeWebContents, fakeSession } from './fakes'

const indexHtml = '/app/out/renderer/index.html'
const appUrl = pathToFileURL(indexHtml).href

describe('secureWebPreferences', () => {
  it('isolates and sandboxes the renderer with the preload as the only bridge', () => {
    const prefs = secureWebPreferences('/app/out/preload/index.cjs')
    expect(prefs).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false
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
  const setup = (rendererUrl?: string) => {
    const wc = new FakeWebContents()
    const shell = { openExternal: vi.fn(async () => {}) }
    guardWebContents(asWebContents(wc), createAppPage({ rendererUrl, indexHtml }), shell)
    return { wc, shell }
  }

  it('prevents navigation and redirects to another origin or file', () => {
    const { wc } = setup()
    expect(wc.navigate('will-navigate', 'https://evil.example/')).toBe(true)
    expect(wc.navigate('will-navigate', 'file:///etc/passwd')).toBe(true)
    expect(wc.navigate('will-redirect', 'https://evil.example/')).toBe(true)
    expect(wc.navigate('will-frame-navigate', 'https://evil.example/')).toBe(true)
  })

  it('allows navigation within the app page', () => {
    const { wc } = setup()
    expect(wc.navigate('will-navigate', `${appUrl}#/settings`)).toBe(false)
    expect(wc.navigate('will-redirect', appUrl)).toBe(false)
  })

  it('allows the dev server origin in development only', () => {
    expect(setup('http://localhost:5173').wc.navigate('will-navigate', 'http://localhost:5173/')).toBe(false)
    expect(setup('http://localhost:5173').wc.navigate('will-navigate', 'http://localhost:8080/')).toBe(true)
    expect(setup().wc.navigate('will-navigate', 'http://localhost:5173/')).toBe(true)
  })

  it('denies window.open, sending only http(s) links to the system browser', () => {
    const { wc, shell } = setup()
    expect(wc.windowOpenHandler!({ url: 'https://mariadb.com/kb/' })).toEqual({ action: 'deny' })
    expect(wc.windowOpenHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' })
    expect(wc.windowOpenHandler!({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' })
    expect(wc.windowOpenHandler!({ url: appUrl })).toEqual({ action: 'deny' })
    expect(shell.openExternal.mock.calls).toEqual([['https://mariadb.com/kb/']])
  })

  it('refuses to attach a webview', () => {
    const { wc } = setup()
    const preventDefault = vi.fn()
    wc.emit('will-attach-webview', { preventDefault }, {}, { src: 'https://evil.example/' })
    expect(preventDefault).toHaveBeenCalled()
  })
})

describe('isSafeExternalUrl', () => {
  it('accepts http(s) only, without credentials', () => {
    expect(isSafeExternalUrl('https://example.com/a?b#c')).toBe(true)
    expect(isSafeExternalUrl('http://example.com/')).toBe(true)
    expect(isSafeExternalUrl('https://user:pw@example.com/')).toBe(false)
    expect(isSafeExternalUrl('file:///etc/passwd')).toBe(false)
    expect(isSafeExternalUrl('smb://host/share')).toBe(false)
    expect(isSafeExternalUrl('javascript:alert(1)')).toBe(false)
    expect(isSafeExternalUrl('mailto:a@b.c')).toBe(false)
    expect(isSafeExternalUrl('')).toBe(false)
  })
})
