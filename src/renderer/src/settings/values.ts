import type { SettingEntry } from '../../../shared/contract'
import { CONFIG_KEYS, valueSchema, type ConfigKey, type ConfigKeySpec } from '../../../shared/config-keys'
import { formatDuration, parseDuration } from '../../../shared/duration'
import type { ErrorBody } from '../../../shared/errors'

/**
 * Conversions between a setting's contract value and what its input holds. Pure, so the rules the
 * Settings page applies (durations as "30s" on screen but milliseconds on the wire, ints in range,
 * secrets never shown) are unit-tested without a DOM.
 */

/** What an input holds: NumberInput gives number or the raw text, Switch a boolean, the rest text. */
export type Draft = string | number | boolean
export type SettingValue = string | number | boolean

/** The spec of a key, or undefined for a key a newer server knows and this renderer does not. */
export function specFor(key: string): ConfigKeySpec | undefined {
  return Object.prototype.hasOwnProperty.call(CONFIG_KEYS, key) ? CONFIG_KEYS[key as ConfigKey] : undefined
}

export function toDraft(entry: SettingEntry): Draft {
  const spec = specFor(entry.key)
  const value = entry.value ?? spec?.default ?? ''
  switch (spec?.kind) {
    case 'duration':
      return typeof value === 'number' ? formatDuration(value) : String(value)
    case 'int':
      return typeof value === 'number' ? value : String(value)
    case 'bool':
      return value === true || value === 'true'
    default:
      return String(value)
  }
}

export type Converted = { ok: true; value: SettingValue } | { ok: false; message: string }

/** The value to send in `settings.update` (durations in ms), or why the draft cannot be sent. */
export function fromDraft(key: ConfigKey, draft: Draft): Converted {
  const spec: ConfigKeySpec = CONFIG_KEYS[key]
  let value: SettingValue
  switch (spec.kind) {
    case 'duration': {
      if (typeof draft === 'number') {
        value = draft
        break
      }
      const ms = parseDuration(String(draft))
      if (ms === null) return { ok: false, message: 'Enter a duration such as 500ms, 30s, 5m, 1h or 1h30m.' }
      value = ms
      break
    }
    case 'int': {
      const n = typeof draft === 'number' ? draft : String(draft).trim() === '' ? NaN : Number(String(draft).trim())
      if (!Number.isInteger(n)) return { ok: false, message: 'Enter a whole number.' }
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
        return { ok: false, message: `Enter a number from ${spec.min ?? '-∞'} to ${spec.max ?? '∞'}.` }
      }
      value = n
      break
    }
    case 'bool':
      value = draft === true || draft === 'true'
      break
    case 'enum':
    case 'string':
      value = String(draft)
      break
  }
  // The same schema the server applies, so the page never offers a Save the server would refuse.
  const parsed = valueSchema(key, 'settings').safeParse(value)
  if (!parsed.success) return { ok: false, message: parsed.error.issues[0]?.message ?? 'Invalid value.' }
  return { ok: true, value }
}

/** True when saving the draft would change the effective value. */
export function isChanged(entry: SettingEntry, converted: Converted): boolean {
  return converted.ok && converted.value !== entry.value
}

/**
 * Secrets are reported as null by the core; only whether one is configured is shown. A secret set at
 * any layer above the built-in default counts as set.
 */
export function secretState(entry: SettingEntry): 'set' | 'not set' {
  return entry.source === 'default' ? 'not set' : 'set'
}

/** Text for a value that is shown, not edited (overridden, read-only or secret). */
export function displayValue(entry: SettingEntry): string {
  const spec = specFor(entry.key)
  if (spec?.secret) return secretState(entry)
  const value = entry.value
  if (value === null) return '—'
  if (spec?.kind === 'duration' && typeof value === 'number') return formatDuration(value)
  if (typeof value === 'boolean') return value ? 'on' : 'off'
  if (value === '') return '(empty)'
  return String(value)
}

/**
 * Human text for a refused update. VALIDATION details are zod-style issues (`{path, message}`, the path
 * either an array or dotted text such as `values.server.port`), under `issues` or bare; the ones naming
 * this key win, else all of them, else the error's own message.
 */
export function validationMessage(error: ErrorBody, key: string): string {
  const issues = issuesOf(error.details)
  const mine = issues.filter((i) => namesKey(i.path, key))
  const chosen = mine.length > 0 ? mine : issues
  return chosen.length > 0 ? chosen.map((i) => i.message).join(' ') : error.message
}

interface Issue {
  message: string
  path?: unknown
}

function namesKey(path: unknown, key: string): boolean {
  if (Array.isArray(path)) return path.map(String).includes(key)
  if (typeof path === 'string') return path === key || path.endsWith(`.${key}`)
  return false
}

function issuesOf(details: unknown): Issue[] {
  const list = Array.isArray(details)
    ? details
    : typeof details === 'object' && details !== null && Array.isArray((details as { issues?: unknown }).issues)
      ? (details as { issues: unknown[] }).issues
      : []
  return list.filter(
    (i): i is Issue => typeof i === 'object' && i !== null && typeof (i as { message?: unknown }).message === 'string'
  )
}
