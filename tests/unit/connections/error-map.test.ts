import { describe, expect, it } from 'vitest'
import { classifyConnectError } from '../../../src/main/sync/connections/error-map'
import { AppError } from '../../../src/shared/errors'

const at = { host: '127.0.0.1', port: 3306, user: 'app', database: 'shop' }
const err = (code: string, message = code, extra: Record<string, unknown> = {}): Error => Object.assign(new Error(message), { code, ...extra })

describe('classifyConnectError', () => {
  it('maps driver and socket errors to contract codes', () => {
    const cases: [Error, string][] = [
      [err('ER_ACCESS_DENIED_ERROR', "Access denied for user 'app'@'localhost' (using password: YES)"), 'AUTH_FAILED'],
      [err('ER_DBACCESS_DENIED_ERROR'), 'AUTH_FAILED'],
      [err('ER_BAD_DB_ERROR', "Unknown database 'shop'"), 'UNKNOWN_DATABASE'],
      [err('ECONNREFUSED'), 'CONNECTION_REFUSED'],
      [err('ETIMEDOUT'), 'TIMEOUT'],
      [err('EHOSTUNREACH'), 'HOST_UNREACHABLE'],
      [err('ENETUNREACH'), 'HOST_UNREACHABLE'],
      [err('ENOTFOUND'), 'HOST_UNREACHABLE'],
      [err('HANDSHAKE_NO_SSL_SUPPORT'), 'TLS_FAILED'],
      [err('SELF_SIGNED_CERT_IN_CHAIN'), 'TLS_FAILED'],
      [err('ERR_TLS_CERT_ALTNAME_INVALID'), 'TLS_FAILED'],
      [err('ERR_SSL_SOMETHING_NEW'), 'TLS_FAILED'],
      [err('PROTOCOL_CONNECTION_LOST'), 'CONNECTION_REFUSED'],
      [err('WHATEVER'), 'UNAVAILABLE']
    ]
    for (const [e, code] of cases) expect(classifyConnectError(e, at).code, e.message).toBe(code)
  })

  it('writes plain messages naming the server', () => {
    expect(classifyConnectError(err('ECONNREFUSED'), at).message).toContain('127.0.0.1:3306')
    expect(classifyConnectError(err('ER_BAD_DB_ERROR'), at).message).toBe('Database "shop" does not exist on 127.0.0.1:3306.')
    expect(classifyConnectError(err('ENOTFOUND'), { ...at, host: 'nope.invalid' }).message).toContain('cannot resolve')
    expect(classifyConnectError(err('ECONNREFUSED'), { ...at, viaSsh: 'o@b:22' }).message).toContain('SSH tunnel via o@b:22')
  })

  it('passes AppErrors through', () => {
    expect(classifyConnectError(new AppError('SSH_AUTH_FAILED', 'no'), at)).toEqual({ code: 'SSH_AUTH_FAILED', message: 'no' })
  })
})
