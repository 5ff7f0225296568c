import { describe, expect, it } from 'vitest'
import type { SettingEntry } from '../../../src/shared/contract'
import { CONFIG_KEYS, type ConfigKeySpec } from '../../../src/shared/config-keys'
import {
  displayValue,
  fromDraft,
  isChanged,
  secretState,
  toDraft,
  validationMessage
} from '../../../src/renderer/src/settings/values'

function entry(partial: Partial<SettingEntry> & Pick<SettingEntry, 'key' | 'value'>): SettingEntry {
  return {
    saved: null,
    source: 'default',
    overridden: false,
    editable: true,
    restartRequired: false,
    ...partial
  }
}

describe('toDraft', () => {
  it('shows durations in their shortest unit, other kinds as their own type', () => {
    expect(toDraft(entry({ key: 'sync.retry_delay', value: 2000 }))).toBe('2s')
    expect(toDraft(entry({ key: 'sync.job_timeout', value: 5_400_000 }))).toBe('1h30m')
    expect(toDraft(entry({ key: 'sync.max_concurrency', value: 4 }))).toBe(4)
    expect(toDraft(entry({ key: 'sync.enabled', value: false }))).toBe(false)
    expect(toDraft(entry({ key: 'logging.level', value: 'debug' }))).toBe('debug')
    expect(toDraft(entry({ key: 'server.host', value: '0.0.0.0' }))).toBe('0.0.0.0')
  })
})

describe('fromDraft', () => {
  it('sends durations as milliseconds', () => {
    expect(fromDraft('sync.retry_delay', '30s')).toEqual({ ok: true, value: 30_000 })
    expect(fromDraft('sync.job_timeout', ' 5m ')).toEqual({ ok: true, value: 300_000 })
    expect(fromDraft('sync.cleanup_age', '1h30m')).toEqual({ ok: true, value: 5_400_000 })
  })

  it('refuses durations without a unit or with garbage', () => {
    for (const bad of ['30', '', 'soon', '5 minutes', '-1s']) {
      const r = fromDraft('sync.retry_delay', bad)
      expect(r.ok, bad).toBe(false)
    }
  })

  it('checks ints for wholeness and the key range', () => {
    expect(fromDraft('server.port', 8081)).toEqual({ ok: true, value: 8081 })
    expect(fromDraft('server.port', '9000')).toEqual({ ok: true, value: 9000 })
    // Range from the shared spec, so the test follows CONFIG_KEYS instead of copying it.
    const { min, max } = CONFIG_KEYS['server.port'] as ConfigKeySpec
    expect(fromDraft('server.port', max! + 1)).toMatchObject({ ok: false, message: expect.stringContaining(String(max)) })
    expect(fromDraft('server.port', min! - 1).ok).toBe(false)
    expect(fromDraft('server.port', min!)).toEqual({ ok: true, value: min })
    expect(fromDraft('server.port', '').ok).toBe(false)
    expect(fromDraft('sync.max_concurrency', 1.5).ok).toBe(false)
    expect(fromDraft('sync.retry_attempts', 0)).toEqual({ ok: true, value: 0 })
  })

  it('passes booleans, enum values and strings through, refusing unknown enum values', () => {
    expect(fromDraft('sync.enabled', false)).toEqual({ ok: true, value: false })
    expect(fromDraft('logging.level', 'warn')).toEqual({ ok: true, value: 'warn' })
    expect(fromDraft('logging.level', 'verbose').ok).toBe(false)
    expect(fromDraft('server.host', '::1')).toEqual({ ok: true, value: '::1' })
  })
})

describe('isChanged', () => {
  it('compares the converted draft with the effective value', () => {
    const e = entry({ key: 'sync.retry_delay', value: 2000 })
    expect(isChanged(e, fromDraft('sync.retry_delay', '2s'))).toBe(false)
    expect(isChanged(e, fromDraft('sync.retry_delay', '2000ms'))).toBe(false)
    expect(isChanged(e, fromDraft('sync.retry_delay', '3s'))).toBe(true)
    expect(isChanged(e, fromDraft('sync.retry_delay', 'x'))).toBe(false)
  })
})

describe('secrets and display', () => {
  it('never shows a secret, only whether it is set', () => {
    const unset = entry({ key: 'server.token', value: null, editable: false })
    const set = entry({ key: 'server.token', value: null, editable: false, source: 'env', overridden: true })
    expect(secretState(unset)).toBe('not set')
    expect(displayValue(unset)).toBe('not set')
    expect(displayValue(set)).toBe('set')
  })

  it('formats read-only values', () => {
    expect(displayValue(entry({ key: 'server.read_timeout', value: 30_000 }))).toBe('30s')
    expect(displayValue(entry({ key: 'sync.enabled', value: true }))).toBe('on')
    expect(displayValue(entry({ key: 'data_dir', value: '/var/lib/db-taxi' }))).toBe('/var/lib/db-taxi')
  })
})

describe('validationMessage', () => {
  it('prefers the issues that name the key', () => {
    const err = {
      code: 'VALIDATION' as const,
      message: 'invalid input',
      details: [
        { path: ['values', 'server.port'], message: 'Too big: expected number to be <=65535' },
        { path: ['values', 'other'], message: 'nope' }
      ]
    }
    expect(validationMessage(err, 'server.port')).toBe('Too big: expected number to be <=65535')
  })

  it('understands the dispatcher shape: details.issues with dotted paths', () => {
    const err = {
      code: 'VALIDATION' as const,
      message: 'values.server.port: Too big',
      details: {
        issues: [
          { path: 'values.sync.enabled', message: 'other' },
          { path: 'values.server.port', message: 'Too big' }
        ]
      }
    }
    expect(validationMessage(err, 'server.port')).toBe('Too big')
    expect(validationMessage(err, 'logging.level')).toBe('other Too big')
  })

  it('reads issues nested under details.issues, else falls back to the message', () => {
    expect(
      validationMessage({ code: 'VALIDATION', message: 'm', details: { issues: [{ path: [], message: 'a' }] } }, 'k')
    ).toBe('a')
    expect(validationMessage({ code: 'VALIDATION', message: 'plain' }, 'k')).toBe('plain')
  })
})
