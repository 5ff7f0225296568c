import { describe, expect, it } from 'vitest'
import { servingBanner } from '../../../src/main/headless/server-token'

/** Issue 10 item 9: `serve` prints its token only to a terminal, never into a pipe (journald, containers). */

const base = { url: 'http://127.0.0.1:8080/', token: 'tok-secret-0123456789', tokenFile: '/data/server-token' }

describe('the banner serve prints', () => {
  it('on a terminal: the URL with the token in its fragment, and where the token lives', () => {
    expect(servingBanner({ ...base, source: 'generated', isTTY: true })).toBe(
      'DB-Taxi is serving at http://127.0.0.1:8080/#token=tok-secret-0123456789\nToken file: /data/server-token\n'
    )
    expect(servingBanner({ ...base, source: 'config', origin: 'DBT_SERVER_TOKEN', isTTY: true })).toBe(
      'DB-Taxi is serving at http://127.0.0.1:8080/#token=tok-secret-0123456789\nToken from: DBT_SERVER_TOKEN\n'
    )
  })

  it('into a pipe: the URL without the token, plus the token file or what set the token', () => {
    for (const source of ['generated', 'file'] as const) {
      const text = servingBanner({ ...base, source, isTTY: false })
      expect(text).not.toContain(base.token)
      expect(text).toMatch(/^DB-Taxi is serving at http:\/\/127\.0\.0\.1:8080\/\n/)
      expect(text).toContain('\nToken file: /data/server-token\n')
      expect(text).toContain('not a terminal')
    }
    for (const origin of ['--token', 'DBT_SERVER_TOKEN', '/etc/db-taxi.yaml:4']) {
      const text = servingBanner({ ...base, source: 'config', origin, isTTY: false })
      expect(text).not.toContain(base.token)
      expect(text).toContain(`\nToken from: ${origin}\n`)
    }
  })
})
