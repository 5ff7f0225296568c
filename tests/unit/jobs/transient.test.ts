import { describe, expect, it } from 'vitest'
import { backoffDelay, isConnectionLoss, isTransientError } from '../../../src/main/sync/engine/session/transient'
import { errorBody } from '../../../src/main/sync/engine/modes/full'
import { AppError } from '../../../src/shared/errors'

const driver = (code: string, errno?: number, message = code): Error => Object.assign(new Error(message), { code, errno })

describe('which failures are retried', () => {
  it('retries lost, reset and refused connections, gone-away servers, deadlocks and lock waits', () => {
    for (const e of [
      driver('ECONNRESET'),
      driver('ECONNREFUSED'),
      driver('EPIPE'),
      driver('PROTOCOL_CONNECTION_LOST'),
      driver('ER_LOCK_DEADLOCK', 1213),
      driver('ER_LOCK_WAIT_TIMEOUT', 1205),
      driver('ER_SERVER_SHUTDOWN', 1053),
      driver('X', 2006, 'MySQL server has gone away'),
      driver('X', 2013, 'Lost connection to server during query'),
      new Error("Can't add new command when connection is in closed state"),
      new AppError('CONNECTION_REFUSED', 'refused'),
      new AppError('HOST_UNREACHABLE', 'unreachable')
    ]) {
      expect(isTransientError(e), e.message).toBe(true)
    }
  })

  it('fails at once on credentials, schema, validation, missing tables, mismatches and cancels', () => {
    for (const e of [
      new AppError('AUTH_FAILED', 'denied'),
      new AppError('SCHEMA_MISMATCH', 'differs'),
      new AppError('VALIDATION', 'bad filter'),
      new AppError('TABLE_NOT_FOUND', 'gone'),
      new AppError('VERIFY_MISMATCH', 'different'),
      new AppError('TLS_FAILED', 'tls'),
      driver('ER_NO_SUCH_TABLE', 1146),
      driver('ER_PARSE_ERROR', 1064),
      Object.assign(new Error('Cancelled.'), { name: 'AbortError' }),
      'a string',
      null
    ]) {
      expect(isTransientError(e), String(e)).toBe(false)
    }
  })

  it('judges UNAVAILABLE while connecting by the driver error behind it', () => {
    const full = new AppError('UNAVAILABLE', 'too many connections')
    Object.defineProperty(full, 'cause', { value: driver('ER_CON_COUNT_ERROR', 1040) })
    const odd = new AppError('UNAVAILABLE', 'something else')
    Object.defineProperty(odd, 'cause', { value: driver('ER_SOMETHING', 1999) })
    expect(isTransientError(full)).toBe(true)
    expect(isTransientError(odd)).toBe(false)
    expect(isTransientError(driver('X', 4031, 'disconnected for inactivity'))).toBe(true)
  })

  it('reports a dropped session as CONNECTION_LOST, a deadlock as COPY_FAILED', () => {
    expect(isConnectionLoss(driver('ECONNRESET'))).toBe(true)
    expect(errorBody(driver('PROTOCOL_CONNECTION_LOST', undefined, 'Connection lost: The server closed the connection.')).code).toBe('CONNECTION_LOST')
    expect(isConnectionLoss(driver('ER_LOCK_DEADLOCK', 1213))).toBe(false)
    expect(errorBody(driver('ER_LOCK_DEADLOCK', 1213)).code).toBe('COPY_FAILED')
  })
})

describe('backoff', () => {
  it('doubles from the base with jitter between 0.5x and 1.5x, capped', () => {
    expect(backoffDelay(1, 1000, 60_000, () => 0)).toBe(500)
    expect(backoffDelay(1, 1000, 60_000, () => 0.5)).toBe(1000)
    expect(backoffDelay(3, 1000, 60_000, () => 0.5)).toBe(4000)
    expect(backoffDelay(3, 1000, 60_000, () => 0.999)).toBeLessThan(6000)
    expect(backoffDelay(30, 1000, 60_000, () => 0.5)).toBe(60_000)
  })
})
