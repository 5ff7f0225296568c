import { z } from 'zod'
import { CHUNK_ROWS_RANGE, parseWholeNumber, shown } from './bounded-input'
import { formatDuration, MAX_DURATION_MS, MAX_TIMER_MS, readDuration } from './duration'

/**
 * Every configuration key DB-Taxi knows, in one table: its type, default, and how the layers treat it.
 * The config loader (main), `config print`, the Settings page and the README are all driven from here,
 * so a key cannot be documented in one place and forgotten in another.
 */
export type ConfigKind = 'string' | 'int' | 'bool' | 'duration' | 'enum'

export interface ConfigKeySpec {
  kind: ConfigKind
  default: string | number | boolean
  description: string
  /** Allowed values for enum keys. */
  values?: readonly string[]
  /** Bounds of int keys, and of duration keys in milliseconds: every int and duration key has both. */
  min?: number
  max?: number
  /** A string key that must not be empty (an empty host would bind every interface). */
  nonEmpty?: boolean
  /** Never shown in clear anywhere (config print, settings, logs). */
  secret?: boolean
  /** Can be saved from the Settings page (the "settings" layer). */
  editable?: boolean
  /** Takes effect only after a restart. */
  restart?: boolean
}

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
/** Whole days a timer can wait (24d): longer and Node fires it after 1 ms instead. */
const TIMER_DAYS = Math.floor(MAX_TIMER_MS / DAY) * DAY

export const CONFIG_KEYS = {
  data_dir: {
    kind: 'string',
    default: '~/.db-taxi',
    description: 'Directory holding the metadata store, logs, the server token and the secret key (headless).',
    nonEmpty: true,
    restart: true
  },
  'server.host': {
    kind: 'string',
    default: '127.0.0.1',
    description: 'Address `db-taxi serve` binds to. Keep it on loopback unless you front it with TLS.',
    nonEmpty: true,
    editable: true,
    restart: true
  },
  'server.port': {
    kind: 'int',
    default: 8080,
    min: 0,
    max: 65535,
    description: 'Port `db-taxi serve` listens on; 0 picks a free one (the printed URL says which).',
    editable: true,
    restart: true
  },
  'server.read_timeout': {
    kind: 'duration',
    default: 30_000,
    min: SECOND,
    max: HOUR,
    description: 'Longest time a client may take to send a request.',
    editable: true,
    restart: true
  },
  'server.write_timeout': {
    kind: 'duration',
    default: 30_000,
    min: SECOND,
    max: HOUR,
    description: 'Longest time a (non-streaming) response may take.',
    editable: true,
    restart: true
  },
  'server.token': {
    kind: 'string',
    default: '',
    description: 'Bearer token for /api. Empty: generated at first start into <data_dir>/server-token.',
    secret: true,
    restart: true
  },
  'server.allow_sealed_export': {
    kind: 'bool',
    default: false,
    description:
      'Allow `mappings.export` with sealed secrets over HTTP. Off: whoever holds the API token could read every saved password that way; `db-taxi export --seal` on the data dir and the desktop app still can.'
  },
  'sync.enabled': {
    kind: 'bool',
    default: true,
    description: 'Run jobs and schedules. Off: the API and UI work, but no job starts.',
    editable: true
  },
  'sync.max_concurrency': {
    kind: 'int',
    default: 2,
    min: 1,
    max: 64,
    description: 'How many jobs run at the same time.',
    editable: true
  },
  'sync.batch_size': {
    kind: 'int',
    default: 10_000,
    // The contract's own chunkRows limits: this is the chunkRows a sync gets when it sets none.
    min: CHUNK_ROWS_RANGE.min,
    max: CHUNK_ROWS_RANGE.max,
    description: 'Default rows per chunk when a sync config does not set chunkRows.',
    editable: true
  },
  'sync.retry_attempts': {
    kind: 'int',
    default: 3,
    min: 0,
    max: 100,
    description: 'Retries of a chunk after a transient error (connection lost, deadlock, ...).',
    editable: true
  },
  'sync.retry_delay': {
    kind: 'duration',
    default: 2_000,
    min: 0,
    max: MINUTE,
    description: 'First retry delay; doubles with jitter on each further attempt.',
    editable: true
  },
  'sync.job_timeout': {
    kind: 'duration',
    default: 3_600_000,
    min: 100,
    max: TIMER_DAYS,
    description: 'A job still running after this long is stopped and marked failed.',
    editable: true
  },
  'sync.incremental_lag': {
    kind: 'duration',
    default: 60_000,
    min: 0,
    max: TIMER_DAYS,
    description:
      'How far an incremental watermark stays below the newest cursor value read, beyond the oldest open transaction, for clocks that disagree; rows in that window are read again (unchanged ones are not rewritten).',
    editable: true
  },
  'sync.resume_interrupted': {
    kind: 'bool',
    default: true,
    description: 'Resume jobs interrupted by a crash or shutdown automatically at start.',
    editable: true
  },
  'sync.cleanup_age': {
    kind: 'duration',
    default: 30 * 86_400_000,
    min: 0,
    max: MAX_DURATION_MS,
    description: 'Finished jobs and their logs older than this are deleted.',
    editable: true
  },
  'connections.health_interval': {
    kind: 'duration',
    default: 15_000,
    min: 100,
    max: DAY,
    description:
      'How often open connection pools are checked in the background; retries back off from a quarter of this while a server is down.',
    editable: true
  },
  'logging.level': {
    kind: 'enum',
    default: 'info',
    values: ['error', 'warn', 'info', 'debug'],
    description: 'Lowest level written to the console and the log files.',
    editable: true
  },
  'logging.format': {
    kind: 'enum',
    default: 'text',
    values: ['text', 'json'],
    description: 'Console log format (files are always JSON lines).',
    editable: true,
    restart: true
  }
} as const satisfies Record<string, ConfigKeySpec>

export type ConfigKey = keyof typeof CONFIG_KEYS
export const CONFIG_KEY_NAMES = Object.keys(CONFIG_KEYS) as ConfigKey[]

type ValueOf<K extends ConfigKey> = (typeof CONFIG_KEYS)[K]['kind'] extends 'bool'
  ? boolean
  : (typeof CONFIG_KEYS)[K]['kind'] extends 'int' | 'duration'
    ? number
    : string

/** The effective configuration, flat, durations in milliseconds. */
export type Config = { [K in ConfigKey]: ValueOf<K> }

export type ConfigSource = 'flag' | 'env' | 'settings' | 'file' | 'default'

/** `server.port` -> `DBT_SERVER_PORT`, `data_dir` -> `DBT_DATA_DIR`. */
export function envVarFor(key: ConfigKey): string {
  return 'DBT_' + key.toUpperCase().replace(/\./g, '_')
}

/** Variables with the DBT_ prefix that are not config keys but are still ours. */
export const RESERVED_ENV_VARS = ['DBT_SECRET_KEY', 'DBT_SOURCE_URL', 'DBT_TARGET_URL', 'DBT_TEST_MYSQL_URL', 'DBT_PASSPHRASE'] as const

/**
 * Prefixes of the variables `db-taxi export` names for a document's secrets (`${DBT_PW_PROD}`): they
 * hold secrets for `import` and `apply`, not settings, so they are not warned about as unknown keys.
 */
export const SECRET_REFERENCE_ENV_PREFIXES = ['DBT_PW_', 'DBT_TLS_KEY_', 'DBT_SSH_PW_', 'DBT_SSH_KEY_', 'DBT_SSH_PASSPHRASE_'] as const

/**
 * Where a value is read from decides its accepted form: flags and environment are text; YAML is typed
 * but a duration must carry its unit (`30` alone is ambiguous); settings saved from the UI are typed
 * and hold durations as milliseconds.
 */
export type ValueForm = 'text' | 'yaml' | 'settings'

/** The range of an int or duration key (every one has both bounds). */
export function rangeOf(key: ConfigKey): { min: number; max: number } {
  const spec: ConfigKeySpec = CONFIG_KEYS[key]
  if (spec.min === undefined || spec.max === undefined) throw new Error(`${key} has no range`)
  return { min: spec.min, max: spec.max }
}

/** `1 to 64`, `100ms to 24d`: the range as the docs and error messages show it. */
export function rangeText(key: ConfigKey): string {
  const spec: ConfigKeySpec = CONFIG_KEYS[key]
  const { min, max } = rangeOf(key)
  const show = (n: number): string => (spec.kind === 'duration' ? formatDuration(n) : String(n))
  return `${show(min)} to ${show(max)}`
}

/** The zod schema of one key's value in the given form. Durations come back in milliseconds. */
export function valueSchema(key: ConfigKey, form: ValueForm): z.ZodType<unknown> {
  const fromText = form === 'text'
  const spec: ConfigKeySpec = CONFIG_KEYS[key]
  switch (spec.kind) {
    case 'string':
      return spec.nonEmpty ? z.string().refine((s) => s.trim() !== '', { message: 'must not be empty' }) : z.string()
    case 'enum':
      return z.enum(spec.values as [string, ...string[]])
    case 'bool': {
      const bool = z.boolean()
      if (!fromText) return bool
      return z
        .string()
        .transform((s, ctx) => {
          const t = s.trim().toLowerCase()
          if (['true', '1', 'yes', 'on'].includes(t)) return true
          if (['false', '0', 'no', 'off'].includes(t)) return false
          ctx.addIssue({ code: 'custom', message: `expected true or false, got ${shown(s)}` })
          return z.NEVER
        })
    }
    case 'int': {
      const range = rangeOf(key)
      const message = `expected a whole number from ${range.min} to ${range.max}`
      if (!fromText) return z.number({ message }).int({ message }).min(range.min, { message }).max(range.max, { message })
      // Text (flags, variables): decimal digits only, read by the same rule as the CLI's own numbers.
      return z.string().transform((s, ctx) => {
        const r = parseWholeNumber(s, range)
        if (r.ok) return r.value
        ctx.addIssue({ code: 'custom', message: r.message })
        return z.NEVER
      })
    }
    case 'duration': {
      const range = rangeOf(key)
      const expected = `a duration from ${rangeText(key)} (written like 500ms, 30s, 5m or 1h30m)`
      return z.union([z.string(), z.number()]).transform((v, ctx) => {
        let ms: number
        if (typeof v === 'number') {
          // Settings saved from the UI hold milliseconds; a file must say its unit.
          if (form !== 'settings' || !Number.isSafeInteger(v)) {
            ctx.addIssue({ code: 'custom', message: `expected ${expected}` })
            return z.NEVER
          }
          ms = v
        } else {
          // A flag or variable is read exactly as typed (as numbers are): no spaces around it.
          const read = fromText && v.trim() !== v ? ({ ok: false } as const) : readDuration(v)
          if (!read.ok) {
            ctx.addIssue({ code: 'custom', message: `expected ${expected}, got ${shown(v)}` })
            return z.NEVER
          }
          ms = read.ms
        }
        if (ms < range.min || ms > range.max) {
          ctx.addIssue({ code: 'custom', message: `expected ${expected}, got ${typeof v === 'number' ? `${v} ms` : shown(v)}` })
          return z.NEVER
        }
        return ms
      })
    }
  }
}
