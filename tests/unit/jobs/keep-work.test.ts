import { describe, expect, it } from 'vitest'
import { worthRetrying } from '../../../src/main/sync/jobs/job-engine'
import { errorBody } from '../../../src/main/sync/engine/modes/full'
import { AppError } from '../../../src/shared/errors'

/**
 * What the job engine keeps for its next attempt. The tables a run calls off (ready, not switched in
 * because another table failed) are judged by the failed table's ErrorBody, not its error: a lost
 * connection must keep their work whichever way the driver reported it (found by
 * tests/integration/jobs/retries-exhausted.test.ts, where a cut seen as ECONNRESET dropped the
 * ready table's shadow at the first attempt).
 */
describe('worthRetrying', () => {
  const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104 })
  const closed = Object.assign(new Error('Connection lost: The server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST' })
  const deniedBody = { code: 'AUTH_FAILED', message: "127.0.0.1:3306 refused the login: Access denied for user 'u'@'127.0.0.1' (using password: YES)." }

  it('judges errors as isTransientError does', () => {
    expect(worthRetrying(reset)).toBe(true)
    expect(worthRetrying(closed)).toBe(true)
    expect(worthRetrying(new AppError('CONNECTION_REFUSED', 'Nothing accepts connections'))).toBe(true)
    expect(worthRetrying(new AppError('VERIFY_MISMATCH', 'differs'))).toBe(false)
    expect(worthRetrying(Object.assign(new Error("Unknown column 'x'"), { code: 'ER_BAD_FIELD_ERROR', errno: 1054 }))).toBe(false)
  })

  it('judges the ErrorBody of a lost connection as the loss it stands for, however the driver reported it', () => {
    // errorBody() is how the failed table's error reaches the tables called off with it.
    expect(errorBody(reset)).toEqual({ code: 'CONNECTION_LOST', message: 'ECONNRESET: read ECONNRESET' })
    expect(worthRetrying(errorBody(reset))).toBe(true)
    expect(worthRetrying(errorBody(closed))).toBe(true)
    expect(worthRetrying({ code: 'CONNECTION_REFUSED', message: 'Nothing accepts connections at 127.0.0.1:1 (connection refused).' })).toBe(true)
  })

  it('does not keep work for a body that would fail the same way again', () => {
    expect(worthRetrying(deniedBody)).toBe(false)
    expect(worthRetrying({ code: 'VERIFY_MISMATCH', message: 'Verification failed for orders' })).toBe(false)
    expect(worthRetrying({ code: 'CONNECTION_LOST' })).toBe(false)
    expect(worthRetrying(null)).toBe(false)
    expect(worthRetrying('CONNECTION_LOST')).toBe(false)
  })
})
