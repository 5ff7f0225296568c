import { z } from 'zod'
import { parseDuration } from './duration'

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
  min?: number
  max?: number
  /** Never shown in clear anywhere (config print, settings, logs). */
  secret?: boolean
  /** Can be saved from the Settings page (the "settings" layer). */
  editable?: boolean
  /** Takes effect only after a restart. */
  restart?: boolean
}

export const CONFIG_KEYS = {
  data_dir: {
    kind: 'string',
    default: '~/.db-taxi',
    description: 'Directory holding the metadata store, logs, the server token and the secret key (headless).',
    restart: true
  },
  'server.host': {
    kind: 'string',
    default: '127.0.0.1',
    description: 'Address `db-taxi serve` binds to. Keep it on loopback unless you front it with TLS.',
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
    description: 'Longest time a client may take to send a request.',
    editable: true,
    restart: true
  },
  'server.write_timeout': {
    kind: 'duration',
    default: 30_000,
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
    min: 1,
    max: 10_000_000,
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
    description: 'First retry delay; doubles with jitter on each further attempt.',
    editable: true
  },
  'sync.job_timeout': {
    kind: 'duration',
    default: 3_600_000,
    description: 'A job still running after this long is stopped and marked failed.',
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
    description: 'Finished jobs and their logs older than this are deleted.',
    editable: true
  },
  'connections.health_interval': {
    kind: 'duration',
    default: 15_000,
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
export const RESERVED_ENV_VARS = ['DBT_SECRET_KEY', 'DBT_SOURCE_URL', 'DBT_TARGET_URL', 'DBT_TEST_MYSQL_URL'] as const

/**
 * Where a value is read from decides its accepted form: flags and environment are text; YAML is typed
 * but a duration must carry its unit (`30` alone is ambiguous); settings saved from the UI are typed
 * and hold durations as milliseconds.
 */
export type ValueForm = 'text' | 'yaml' | 'settings'

/** The zod schema of one key's value in the given form. Durations come back in milliseconds. */
export function valueSchema(key: ConfigKey, form: ValueForm): z.ZodType<unknown> {
  const fromText = form === 'text'
  const spec: ConfigKeySpec = CONFIG_KEYS[key]
  switch (spec.kind) {
    case 'string':
      return z.string()
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
          ctx.addIssue({ code: 'custom', message: `expected true or false, got "${s}"` })
          return z.NEVER
        })
    }
    case 'int': {
      const int = z
        .number()
        .int()
        .min(spec.min ?? Number.MIN_SAFE_INTEGER)
        .max(spec.max ?? Number.MAX_SAFE_INTEGER)
      if (!fromText) return int
      return z
        .string()
        .regex(/^\s*-?\d+\s*$/, { message: 'expected a whole number' })
        .transform(Number)
        .pipe(int)
    }
    case 'duration':
      return z.union([z.string(), z.number()]).transform((v, ctx) => {
        if (typeof v === 'number') {
          if (form !== 'settings' || !Number.isInteger(v) || v < 0) {
            ctx.addIssue({ code: 'custom', message: 'expected a duration such as 30s, 5m or 1h' })
            return z.NEVER
          }
          return v
        }
        const ms = parseDuration(v)
        if (ms === null) {
          ctx.addIssue({ code: 'custom', message: `expected a duration such as 30s, 5m or 1h, got "${v}"` })
          return z.NEVER
        }
        return ms
      })
  }
}
