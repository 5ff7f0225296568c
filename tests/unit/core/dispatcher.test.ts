import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createDispatcher } from '../../../src/main/api/dispatcher'
import type { Handlers } from '../../../src/main/api/handlers'
import { silentLogger } from '../../../src/main/sync/logging/logger'
import { AppError, httpStatusFor, ERROR_CODES } from '../../../src/shared/errors'
import { methods } from '../../../src/shared/contract'
import type { SettingsView, SystemStatus } from '../../../src/shared/contract'

const view: SettingsView = { settings: [], pendingRestart: [] }

function handlers(overrides: Partial<Handlers> = {}): Handlers {
  return {
    'system.status': () => ({ version: 'x' }) as SystemStatus,
    'settings.get': () => view,
    'settings.update': () => view,
    ...overrides
  } as Handlers
}

describe('dispatcher', () => {
  it('answers ok with the handler data', async () => {
    const dispatch = createDispatcher(handlers(), silentLogger())
    expect(await dispatch('system.status', {})).toEqual({ ok: true, data: { version: 'x' } })
    expect(await dispatch('system.status', undefined)).toEqual({ ok: true, data: { version: 'x' } })
    expect(await dispatch('system.status', null)).toEqual({ ok: true, data: { version: 'x' } })
  })

  it('maps an unknown method to NOT_FOUND', async () => {
    const dispatch = createDispatcher(handlers(), silentLogger())
    const r = await dispatch('system.shutdown', {})
    expect(r).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'Unknown method "system.shutdown".' } })
    expect((await dispatch('__proto__', {})).ok).toBe(false)
    expect((await dispatch('toString', {})).ok).toBe(false)
  })

  it('validates input with the method schema before calling the handler', async () => {
    let called = false
    const dispatch = createDispatcher(handlers({ 'settings.update': () => ((called = true), view) }), silentLogger())
    const r = await dispatch('settings.update', { values: { 'no.such.key': 1 } })
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.error.code).toBe('VALIDATION')
      expect(r.error.message).toMatch(/no\.such\.key/)
      expect(r.error.details).toEqual({ issues: [expect.objectContaining({ path: 'values.no.such.key' })] })
    }
    const r2 = await dispatch('system.status', { extra: true })
    expect(r2.ok).toBe(false)
    const r3 = await dispatch('settings.update', 'not an object')
    expect(r3.ok).toBe(false)
    expect(called).toBe(false)
  })

  it('refuses settings that cannot be edited from the UI', async () => {
    const dispatch = createDispatcher(handlers(), silentLogger())
    for (const key of ['server.token', 'data_dir']) {
      const r = await dispatch('settings.update', { values: { [key]: 'x' } })
      expect(r.ok).toBe(false)
      if (!r.ok) expect(r.error.message).toMatch(/cannot be changed from the UI/)
    }
  })

  it('passes AppError codes through with their details', async () => {
    const dispatch = createDispatcher(
      handlers({
        'settings.get': () => {
          throw new AppError('CONFLICT', 'A connection named "prod" exists.', { field: 'name' })
        }
      }),
      silentLogger()
    )
    expect(await dispatch('settings.get', {})).toEqual({
      ok: false,
      error: { code: 'CONFLICT', message: 'A connection named "prod" exists.', details: { field: 'name' } }
    })
  })

  it('hides unexpected errors behind INTERNAL and logs them', async () => {
    const logged: unknown[] = []
    const logger = { ...silentLogger(), error: (m: string, meta?: unknown) => void logged.push([m, meta]) }
    const dispatch = createDispatcher(
      handlers({
        'system.status': async () => {
          throw new TypeError('secret internals at /home/x/file.ts:10')
        }
      }),
      logger
    )
    const r = await dispatch('system.status', {})
    expect(r).toEqual({ ok: false, error: { code: 'INTERNAL', message: expect.not.stringContaining('secret internals') } })
    expect(JSON.stringify(r)).not.toContain('file.ts')
    expect(logged).toHaveLength(1)
  })

  it('maps a ZodError thrown inside a handler to VALIDATION', async () => {
    const dispatch = createDispatcher(
      handlers({ 'settings.get': () => z.object({ a: z.string() }).parse({}) as never }),
      silentLogger()
    )
    const r = await dispatch('settings.get', {})
    expect(r.ok === false && r.error.code).toBe('VALIDATION')
  })
})

describe('contract', () => {
  it('every method has a zod input schema', () => {
    for (const [name, m] of Object.entries(methods)) {
      expect(name).toMatch(/^[a-z]+\.[a-zA-Z]+$/)
      expect(m.input).toBeInstanceOf(z.ZodType)
    }
  })

  it('maps error codes to HTTP statuses as the contract rules say', () => {
    expect(httpStatusFor('VALIDATION')).toBe(400)
    expect(httpStatusFor('UNAUTHORIZED')).toBe(401)
    expect(httpStatusFor('FORBIDDEN')).toBe(403)
    expect(httpStatusFor('NOT_FOUND')).toBe(404)
    expect(httpStatusFor('CONFLICT')).toBe(409)
    expect(httpStatusFor('IN_USE')).toBe(409)
    expect(httpStatusFor('JOB_ALREADY_ACTIVE')).toBe(409)
    expect(httpStatusFor('INTERNAL')).toBe(500)
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length)
  })
})
