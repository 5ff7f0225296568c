import { mkdtempSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CHUNK_ROWS_RANGE } from '../../../src/shared/bounded-input'
import { CONFIG_KEYS, CONFIG_KEY_NAMES, envVarFor, rangeOf, valueSchema, type ConfigKey, type ConfigKeySpec } from '../../../src/shared/config-keys'
import { formatDuration, MAX_DURATION_MS, MAX_TIMER_MS, parseDuration, readDuration } from '../../../src/shared/duration'
import { syncOptionsSchema } from '../../../src/shared/syncs'
import {
  ConfigError,
  effectiveConfig,
  loadBootLayers,
  MAX_CONFIG_FILE_BYTES,
  parseYamlLayer,
  withSettings
} from '../../../src/main/sync/config/layers'

function yamlFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbt-cfg-'))
  const p = join(dir, 'db-taxi.yaml')
  writeFileSync(p, text)
  return p
}

describe('durations', () => {
  it.each([
    ['30s', 30_000],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['7d', 604_800_000],
    ['1.5s', 1500]
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })

  it.each(['', '30', 's', '1x', '1h 30m', '-1s', '1h30'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeNull()
  })

  it('refuses a duration no clock can use, and says it is too long rather than malformed', () => {
    expect(parseDuration('99999999999999999999d')).toBeNull()
    expect(readDuration('99999999999999999999d')).toEqual({ ok: false, reason: 'too-long' })
    expect(readDuration('9'.repeat(400) + 'ms')).toEqual({ ok: false, reason: 'too-long' })
    expect(readDuration('36500d')).toEqual({ ok: true, ms: MAX_DURATION_MS })
    expect(readDuration('36500d1ms')).toEqual({ ok: false, reason: 'too-long' })
    expect(readDuration('1e3s')).toEqual({ ok: false, reason: 'syntax' })
    expect(readDuration('１s')).toEqual({ ok: false, reason: 'syntax' })
    expect(readDuration('NaNs')).toEqual({ ok: false, reason: 'syntax' })
    expect(readDuration('Infinityms')).toEqual({ ok: false, reason: 'syntax' })
  })

  it('formats back to the shortest exact spelling', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m')
    expect(formatDuration(30_000)).toBe('30s')
    expect(formatDuration(0)).toBe('0s')
    expect(parseDuration(formatDuration(90_061_001))).toBe(90_061_001)
  })
})

describe('config layering', () => {
  it('maps keys to variables by upper-casing and joining with _', () => {
    expect(envVarFor('server.port')).toBe('DBT_SERVER_PORT')
    expect(envVarFor('data_dir')).toBe('DBT_DATA_DIR')
    expect(envVarFor('sync.max_concurrency')).toBe('DBT_SYNC_MAX_CONCURRENCY')
  })

  it('uses defaults when nothing is set', () => {
    const eff = effectiveConfig(loadBootLayers({ env: {} }))
    expect(eff.config['server.port']).toBe(8080)
    expect(eff.config['server.host']).toBe('127.0.0.1')
    expect(eff.config['sync.retry_delay']).toBe(2000)
    expect(eff.config.data_dir).toBe(join(homedir(), '.db-taxi'))
    expect(eff.sources['server.port']).toBe('default')
  })

  it('orders flags > environment > settings > file > defaults', () => {
    const file = yamlFile('server:\n  port: 9001\n  host: 127.0.0.2\nsync:\n  batch_size: 5\n  retry_delay: 1m\nlogging:\n  level: warn\n')
    const boot = loadBootLayers({
      flags: { 'server.port': { value: '9003', flag: '--port' } },
      env: { DBT_SERVER_PORT: '9002', DBT_SERVER_HOST: '127.0.0.3', DBT_SYNC_BATCH_SIZE: '6' },
      configFile: file
    })
    const layers = withSettings(boot, { 'sync.batch_size': 7, 'logging.level': 'debug', 'sync.retry_delay': 5000 })
    const eff = effectiveConfig(layers)
    expect(eff.config['server.port']).toBe(9003)
    expect(eff.sources['server.port']).toBe('flag')
    expect(eff.origins['server.port']).toBe('--port')
    expect(eff.config['server.host']).toBe('127.0.0.3')
    expect(eff.sources['server.host']).toBe('env')
    expect(eff.config['sync.batch_size']).toBe(6)
    expect(eff.config['logging.level']).toBe('debug')
    expect(eff.sources['logging.level']).toBe('settings')
    expect(eff.config['sync.retry_delay']).toBe(5000)
    expect(effectiveConfig(boot).config['sync.retry_delay']).toBe(60_000)
    expect(effectiveConfig(boot).sources['sync.retry_delay']).toBe('file')
  })

  it('expands ~ in data_dir', () => {
    const eff = effectiveConfig(loadBootLayers({ env: { DBT_DATA_DIR: '~/x/y' } }))
    expect(eff.config.data_dir).toBe(join(homedir(), 'x/y'))
  })

  it('names the variable when an environment value is bad', () => {
    expect(() => loadBootLayers({ env: { DBT_SERVER_PORT: 'abc' } })).toThrow(ConfigError)
    expect(() => loadBootLayers({ env: { DBT_SERVER_PORT: 'abc' } })).toThrow(/DBT_SERVER_PORT/)
    expect(() => loadBootLayers({ env: { DBT_SERVER_PORT: '70000' } })).toThrow(/DBT_SERVER_PORT/)
    expect(() => loadBootLayers({ env: { DBT_SYNC_ENABLED: 'maybe' } })).toThrow(/DBT_SYNC_ENABLED/)
    expect(() => loadBootLayers({ env: { DBT_SYNC_RETRY_DELAY: '30' } })).toThrow(/DBT_SYNC_RETRY_DELAY.*duration/)
  })

  it('names the flag when a flag value is bad', () => {
    expect(() => loadBootLayers({ flags: { 'server.port': { value: 'x', flag: '--port' } } })).toThrow(/--port/)
    expect(() => loadBootLayers({ flags: { 'logging.level': { value: 'loud', flag: '--log-level' } } })).toThrow(/--log-level/)
  })

  it('warns about unknown DBT_ variables but not reserved ones', () => {
    const layers = loadBootLayers({
      env: { DBT_SERVR_PORT: '1', DBT_SECRET_KEY: 'k', DBT_SOURCE_URL: 'u', DBT_TARGET_URL: 'u', DBT_TEST_MYSQL_URL: 'u', PATH: '/bin' }
    })
    expect(layers.warnings).toEqual([expect.stringContaining('DBT_SERVR_PORT')])
  })

  it('accepts booleans in the forms people type', () => {
    expect(effectiveConfig(loadBootLayers({ env: { DBT_SYNC_ENABLED: 'off' } })).config['sync.enabled']).toBe(false)
    expect(effectiveConfig(loadBootLayers({ env: { DBT_SYNC_ENABLED: 'YES' } })).config['sync.enabled']).toBe(true)
  })
})

describe('YAML config file', () => {
  it('reports an unknown key with its file and line', () => {
    const file = yamlFile('server:\n  port: 8081\n  prot: 1\n')
    expect(() => parseYamlLayer(file)).toThrow(`${file}:3: unknown config key "server.prot"`)
  })

  it('reports a bad type with its file and line', () => {
    const file = yamlFile('sync:\n  enabled: true\n  max_concurrency: lots\n')
    expect(() => parseYamlLayer(file)).toThrow(new RegExp(`${file}:3: invalid value for sync.max_concurrency`))
  })

  it('reports a bad duration, and a bare number, as a bad duration', () => {
    expect(() => parseYamlLayer(yamlFile('sync:\n  retry_delay: soon\n'))).toThrow(/:2: invalid value for sync.retry_delay: expected a duration/)
    expect(() => parseYamlLayer(yamlFile('sync:\n  retry_delay: 30\n'))).toThrow(/:2: invalid value for sync.retry_delay/)
  })

  it('refuses the reference design database section with an explanation', () => {
    const file = yamlFile('server:\n  port: 1\ndatabase:\n  host: localhost\n')
    expect(() => parseYamlLayer(file)).toThrow(/:3: the "database" section does not apply.*SQLite/)
  })

  it('reports invalid YAML with a line', () => {
    const file = yamlFile('server:\n  port: 1\n   host: [\n')
    expect(() => parseYamlLayer(file)).toThrow(/db-taxi.yaml:\d+: invalid YAML/)
  })

  it('rejects a key given twice', () => {
    expect(() => parseYamlLayer(yamlFile('server:\n  port: 1\n  port: 2\n'))).toThrow(/invalid YAML/)
  })

  it('reads every documented key', () => {
    const file = yamlFile(
      [
        'data_dir: /tmp/dbt',
        'server:',
        '  host: 127.0.0.1',
        '  port: 8080',
        '  read_timeout: 30s',
        '  write_timeout: 1m',
        '  token: abcdefabcdef',
        'sync:',
        '  enabled: false',
        '  max_concurrency: 3',
        '  batch_size: 1000',
        '  retry_attempts: 5',
        '  retry_delay: 30s',
        '  job_timeout: 1h',
        'logging:',
        '  level: debug',
        '  format: json'
      ].join('\n')
    )
    const layer = parseYamlLayer(file)
    expect(layer.get('server.write_timeout')?.value).toBe(60_000)
    expect(layer.get('sync.enabled')?.value).toBe(false)
    expect(layer.get('logging.format')?.value).toBe('json')
    expect(layer.get('server.token')?.origin).toBe(`${file}:7`)
  })

  it('an empty file is an empty layer; a missing file is an error naming it', () => {
    expect(parseYamlLayer(yamlFile('')).size).toBe(0)
    expect(() => parseYamlLayer('/nonexistent/dbt.yaml')).toThrow(/cannot read config file \/nonexistent\/dbt.yaml/)
  })

  it('skips invalid saved settings with a warning instead of refusing to start', () => {
    const layers = withSettings(loadBootLayers({ env: {} }), { 'sync.max_concurrency': 'many', gone: 1 })
    expect(effectiveConfig(layers).config['sync.max_concurrency']).toBe(2)
    expect(layers.warnings).toHaveLength(2)
  })
})

const INT_KEYS = CONFIG_KEY_NAMES.filter((k) => CONFIG_KEYS[k].kind === 'int')
const DURATION_KEYS = CONFIG_KEY_NAMES.filter((k) => CONFIG_KEYS[k].kind === 'duration')
/** Keys whose value ends up as a setTimeout delay (or a socket timeout, a timer too). */
const TIMER_KEYS: ConfigKey[] = ['server.read_timeout', 'server.write_timeout', 'sync.retry_delay', 'sync.job_timeout', 'connections.health_interval']

describe('bounded config values (issue 10 item 3)', () => {
  it('every int and duration key has both bounds, and its default inside them', () => {
    for (const key of [...INT_KEYS, ...DURATION_KEYS]) {
      const spec: ConfigKeySpec = CONFIG_KEYS[key]
      expect(spec.min, key).toBeTypeOf('number')
      expect(spec.max, key).toBeTypeOf('number')
      expect(spec.default as number, key).toBeGreaterThanOrEqual(spec.min!)
      expect(spec.default as number, key).toBeLessThanOrEqual(spec.max!)
      expect(Number.isSafeInteger(spec.max), key).toBe(true)
    }
  })

  it('no timer-driven duration can exceed what setTimeout takes (2^31-1 ms)', () => {
    for (const key of TIMER_KEYS) expect(rangeOf(key).max, key).toBeLessThanOrEqual(MAX_TIMER_MS)
    for (const key of DURATION_KEYS) expect(rangeOf(key).max, key).toBeLessThanOrEqual(MAX_DURATION_MS)
  })

  it('sync.batch_size has the contract chunkRows limits', () => {
    expect(rangeOf('sync.batch_size')).toEqual(CHUNK_ROWS_RANGE)
    expect(syncOptionsSchema.safeParse({ chunkRows: rangeOf('sync.batch_size').max }).success).toBe(true)
    expect(syncOptionsSchema.safeParse({ chunkRows: rangeOf('sync.batch_size').max + 1 }).success).toBe(false)
  })

  const hostileInts = ['', ' ', '1e9', '0x10', '1e3', '+5', ' 5', '5 ', '1_000', '1.5', '١٢', '５', 'NaN', 'Infinity', '99999999999999999999', '-99999999999999999999']

  it.each(INT_KEYS)('%s: refuses hostile text in its variable and in a flag, naming it', (key) => {
    const variable = envVarFor(key)
    const { min, max } = rangeOf(key)
    for (const bad of [...hostileInts, String(min - 1), String(max + 1)]) {
      expect(() => loadBootLayers({ env: { [variable]: bad } }), `${variable}=${JSON.stringify(bad)}`).toThrow(ConfigError)
      expect(() => loadBootLayers({ env: { [variable]: bad } })).toThrow(new RegExp(`^invalid value for ${variable}: expected a whole number from ${min} to ${max}`))
      expect(() => loadBootLayers({ flags: { [key]: { value: bad, flag: '--x' } } })).toThrow(/^invalid value for --x: /)
    }
    expect(effectiveConfig(loadBootLayers({ env: { [variable]: String(max) } })).config[key]).toBe(max)
    expect(effectiveConfig(loadBootLayers({ env: { [variable]: String(min) } })).config[key]).toBe(min)
  })

  it('the issue\'s examples: DBT_SYNC_MAX_CONCURRENCY=1e9, DBT_SERVER_PORT=70000, sync.retry_attempts=-1', () => {
    expect(() => loadBootLayers({ env: { DBT_SYNC_MAX_CONCURRENCY: '1e9' } })).toThrow(/DBT_SYNC_MAX_CONCURRENCY/)
    expect(() => loadBootLayers({ env: { DBT_SERVER_PORT: '70000' } })).toThrow(/DBT_SERVER_PORT: expected a whole number from 0 to 65535/)
    expect(() => parseYamlLayer(yamlFile('sync:\n  retry_attempts: -1\n'))).toThrow(/:2: invalid value for sync.retry_attempts: expected a whole number from 0 to 100/)
    expect(() => parseYamlLayer(yamlFile('sync:\n  max_concurrency: 1000000000\n'))).toThrow(/:2: invalid value for sync.max_concurrency/)
    expect(() => parseYamlLayer(yamlFile('sync:\n  max_concurrency: .inf\n'))).toThrow(/:2: invalid value for sync.max_concurrency/)
    expect(() => parseYamlLayer(yamlFile('sync:\n  max_concurrency: 2.5\n'))).toThrow(/:2: invalid value for sync.max_concurrency/)
  })

  const hostileDurations = ['', ' ', '99999999999999999999d', '9'.repeat(400) + 'd', '-1s', '1e3s', '0x10s', '１s', 'NaNms', 'Infinityms', ' 30s', '30s ', '30', '1h 30m']

  it.each(DURATION_KEYS)('%s: refuses hostile and out-of-range durations in its variable, naming it', (key) => {
    const variable = envVarFor(key)
    const { min, max } = rangeOf(key)
    const outside = [...(min > 0 ? [`${min - 1}ms`] : []), `${max + 1}ms`]
    for (const bad of [...hostileDurations, ...outside]) {
      expect(() => loadBootLayers({ env: { [variable]: bad } }), `${variable}=${JSON.stringify(bad)}`).toThrow(new RegExp(`^invalid value for ${variable}: expected a duration from `))
    }
    expect(effectiveConfig(loadBootLayers({ env: { [variable]: `${max}ms` } })).config[key]).toBe(max)
    expect(effectiveConfig(loadBootLayers({ env: { [variable]: `${min}ms` } })).config[key]).toBe(min)
  })

  it('DBT_SYNC_JOB_TIMEOUT=99999999999999999999d is refused, naming the variable and the range', () => {
    expect(() => loadBootLayers({ env: { DBT_SYNC_JOB_TIMEOUT: '99999999999999999999d' } })).toThrow(
      'invalid value for DBT_SYNC_JOB_TIMEOUT: expected a duration from 100ms to 24d (written like 500ms, 30s, 5m or 1h30m), got "99999999999999999999d"'
    )
    expect(() => loadBootLayers({ env: { DBT_SYNC_JOB_TIMEOUT: '25d' } })).toThrow(/DBT_SYNC_JOB_TIMEOUT/)
    expect(() => parseYamlLayer(yamlFile('sync:\n  job_timeout: 99999999999999999999d\n'))).toThrow(/:2: invalid value for sync.job_timeout: expected a duration from 100ms to 24d/)
  })

  it('settings saved from the UI are held to the same ranges (milliseconds)', () => {
    const schema = valueSchema('sync.job_timeout', 'settings')
    for (const bad of [-1, 0.5, 1e21, Number.POSITIVE_INFINITY, Number.NaN, MAX_TIMER_MS]) expect(schema.safeParse(bad).success, String(bad)).toBe(false)
    expect(schema.safeParse(60_000)).toMatchObject({ success: true, data: 60_000 })
    const layers = withSettings(loadBootLayers({ env: {} }), { 'sync.job_timeout': 1e21, 'sync.retry_attempts': -1, 'sync.max_concurrency': 1e9 })
    expect(effectiveConfig(layers).config['sync.job_timeout']).toBe(3_600_000)
    expect(effectiveConfig(layers).config['sync.retry_attempts']).toBe(3)
    expect(layers.warnings).toHaveLength(3)
  })

  it('an empty data_dir or server.host is refused (an empty host would bind every interface)', () => {
    expect(() => loadBootLayers({ env: { DBT_SERVER_HOST: '' } })).toThrow(/DBT_SERVER_HOST: must not be empty/)
    expect(() => loadBootLayers({ flags: { data_dir: { value: ' ', flag: '--data-dir' } } })).toThrow(/--data-dir: must not be empty/)
    expect(() => parseYamlLayer(yamlFile('server:\n  host: ""\n'))).toThrow(/:2: invalid value for server.host: must not be empty/)
  })

  it('reads at most 1 MiB of a config file (a device such as /dev/zero never ends)', () => {
    expect(() => parseYamlLayer('/dev/zero')).toThrow(`config file /dev/zero is larger than ${MAX_CONFIG_FILE_BYTES} bytes`)
    expect(() => parseYamlLayer(tmpdir())).toThrow(/cannot read config file .*EISDIR/)
  })
})
