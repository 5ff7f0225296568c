import { closeSync, openSync, readSync } from 'node:fs'
import { homedir } from 'node:os'
import { resolve } from 'node:path'
import { isMap, isScalar, LineCounter, parseDocument, type Node as YamlNode } from 'yaml'
import {
  CONFIG_KEYS,
  CONFIG_KEY_NAMES,
  envVarFor,
  RESERVED_ENV_VARS,
  SECRET_REFERENCE_ENV_PREFIXES,
  valueSchema,
  type Config,
  type ConfigKey,
  type ConfigSource
} from '../../../shared/config-keys'

/**
 * Layered configuration: flags > DBT_* environment > settings saved from the UI > YAML file > defaults.
 * Each layer is parsed and validated on its own so an error can name exactly where it came from
 * (the flag, the variable, or the file and line); `effectiveConfig` then merges them.
 */

import { ConfigError } from './config-error'
export { ConfigError }

interface Entry {
  value: unknown
  /** Human name of where it came from: `--port`, `DBT_SERVER_PORT`, `config.yaml:3`. */
  origin: string
}

export interface ConfigLayers {
  flag: Map<ConfigKey, Entry>
  env: Map<ConfigKey, Entry>
  settings: Map<ConfigKey, Entry>
  file: Map<ConfigKey, Entry>
  filePath?: string
  warnings: string[]
}

function issueText(err: { issues: { message: string }[] }): string {
  return err.issues.map((i) => i.message).join('; ')
}

/** Flags arrive as text, keyed by config key, with the flag's spelling for messages. */
export function parseFlagLayer(flags: Partial<Record<ConfigKey, { value: string; flag: string }>>): Map<ConfigKey, Entry> {
  const out = new Map<ConfigKey, Entry>()
  for (const key of CONFIG_KEY_NAMES) {
    const f = flags[key]
    if (f === undefined) continue
    const parsed = valueSchema(key, 'text').safeParse(f.value)
    if (!parsed.success) throw new ConfigError(`invalid value for ${f.flag}: ${issueText(parsed.error)}`)
    out.set(key, { value: parsed.data, origin: f.flag })
  }
  return out
}

export function parseEnvLayer(env: NodeJS.ProcessEnv, warnings: string[]): Map<ConfigKey, Entry> {
  const out = new Map<ConfigKey, Entry>()
  const known = new Map(CONFIG_KEY_NAMES.map((k) => [envVarFor(k), k] as const))
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('DBT_') || raw === undefined) continue
    const key = known.get(name)
    if (key === undefined) {
      if (!(RESERVED_ENV_VARS as readonly string[]).includes(name) && !SECRET_REFERENCE_ENV_PREFIXES.some((p) => name.startsWith(p))) {
        warnings.push(`unknown environment variable ${name} ignored (not a DB-Taxi config key)`)
      }
      continue
    }
    const parsed = valueSchema(key, 'text').safeParse(raw)
    if (!parsed.success) throw new ConfigError(`invalid value for ${name}: ${issueText(parsed.error)}`)
    out.set(key, { value: parsed.data, origin: name })
  }
  return out
}

/** Settings saved from the UI: typed values; a value that no longer validates is skipped with a warning. */
export function parseSettingsLayer(saved: Record<string, unknown>, warnings: string[]): Map<ConfigKey, Entry> {
  const out = new Map<ConfigKey, Entry>()
  for (const [key, value] of Object.entries(saved)) {
    if (!(CONFIG_KEY_NAMES as string[]).includes(key)) {
      warnings.push(`saved setting "${key}" is not a config key any more; ignored`)
      continue
    }
    const parsed = valueSchema(key as ConfigKey, 'settings').safeParse(value)
    if (!parsed.success) {
      warnings.push(`saved setting "${key}" is invalid (${issueText(parsed.error)}); ignored`)
      continue
    }
    out.set(key as ConfigKey, { value: parsed.data, origin: 'settings' })
  }
  return out
}

/** A config file is a few hundred bytes; a bigger one is a mistake (or `--config /dev/zero`). */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024

/**
 * Reads at most MAX_CONFIG_FILE_BYTES. Not readFileSync: on a device or a pipe without end it would
 * read until memory runs out. Pipes stay allowed (`--config <(generate-config)`).
 */
function readConfigFile(filePath: string): string {
  let fd: number
  try {
    fd = openSync(filePath, 'r')
  } catch (err) {
    throw new ConfigError(`cannot read config file ${filePath}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  try {
    const buf = Buffer.alloc(MAX_CONFIG_FILE_BYTES + 1)
    let got = 0
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, null)
      if (n === 0) break
      got += n
    }
    if (got > MAX_CONFIG_FILE_BYTES) throw new ConfigError(`config file ${filePath} is larger than ${MAX_CONFIG_FILE_BYTES} bytes`)
    return buf.subarray(0, got).toString('utf8')
  } catch (err) {
    if (err instanceof ConfigError) throw err
    throw new ConfigError(`cannot read config file ${filePath}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  } finally {
    closeSync(fd)
  }
}

export function parseYamlLayer(filePath: string, text?: string): Map<ConfigKey, Entry> {
  const source = text ?? readConfigFile(filePath)
  const lines = new LineCounter()
  const doc = parseDocument(source, { lineCounter: lines, uniqueKeys: true })
  const lineOf = (node: YamlNode | null | undefined): number =>
    node?.range ? lines.linePos(node.range[0]).line : 1
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!
    const line = e.linePos?.[0]?.line ?? 1
    throw new ConfigError(`${filePath}:${line}: invalid YAML: ${e.message.split('\n')[0]}`)
  }
  const out = new Map<ConfigKey, Entry>()
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return out
  if (!isMap(doc.contents)) throw new ConfigError(`${filePath}:1: the config file must be a mapping of keys`)

  const visit = (map: YamlNode, prefix: string): void => {
    if (!isMap(map)) return
    for (const pair of map.items) {
      const keyNode = pair.key as YamlNode
      const name = isScalar(keyNode) ? String(keyNode.value) : String(keyNode)
      const dotted = prefix ? `${prefix}.${name}` : name
      const where = `${filePath}:${lineOf(keyNode)}`
      if (dotted === 'database') {
        throw new ConfigError(
          `${where}: the "database" section does not apply to DB-Taxi: its metadata store is SQLite in data_dir, ` +
            'and MySQL servers are added as connections. Remove the section.'
        )
      }
      const valueNode = pair.value as YamlNode | null
      if ((CONFIG_KEY_NAMES as string[]).includes(dotted)) {
        const key = dotted as ConfigKey
        const raw = isScalar(valueNode) ? valueNode.value : valueNode?.toJSON()
        const parsed = valueSchema(key, 'yaml').safeParse(raw)
        if (!parsed.success) throw new ConfigError(`${where}: invalid value for ${dotted}: ${issueText(parsed.error)}`)
        out.set(key, { value: parsed.data, origin: where })
      } else if (isMap(valueNode) && CONFIG_KEY_NAMES.some((k) => k.startsWith(dotted + '.'))) {
        visit(valueNode, dotted)
      } else {
        throw new ConfigError(`${where}: unknown config key "${dotted}"`)
      }
    }
  }
  visit(doc.contents, '')
  return out
}

export interface EffectiveConfig {
  config: Config
  sources: Record<ConfigKey, ConfigSource>
  /** Where a winning flag, variable or file value came from (e.g. `--port`, `DBT_SERVER_PORT`). */
  origins: Partial<Record<ConfigKey, string>>
}

export function effectiveConfig(layers: ConfigLayers): EffectiveConfig {
  const config = {} as Record<ConfigKey, unknown>
  const sources = {} as Record<ConfigKey, ConfigSource>
  const origins: Partial<Record<ConfigKey, string>> = {}
  const order: [ConfigSource, Map<ConfigKey, Entry>][] = [
    ['flag', layers.flag],
    ['env', layers.env],
    ['settings', layers.settings],
    ['file', layers.file]
  ]
  for (const key of CONFIG_KEY_NAMES) {
    const hit = order.find(([, layer]) => layer.has(key))
    if (hit) {
      const entry = hit[1].get(key)!
      config[key] = entry.value
      sources[key] = hit[0]
      origins[key] = entry.origin
    } else {
      config[key] = CONFIG_KEYS[key].default
      sources[key] = 'default'
    }
  }
  config.data_dir = expandHome(config.data_dir as string)
  return { config: config as Config, sources, origins }
}

export function expandHome(p: string): string {
  if (p === '~') return homedir()
  if (p.startsWith('~/')) return resolve(homedir(), p.slice(2))
  return resolve(p)
}

/** Builds every layer except settings (which live in the store, inside data_dir). */
export function loadBootLayers(opts: {
  flags?: Partial<Record<ConfigKey, { value: string; flag: string }>>
  env?: NodeJS.ProcessEnv
  configFile?: string
}): ConfigLayers {
  const warnings: string[] = []
  const flag = parseFlagLayer(opts.flags ?? {})
  const env = parseEnvLayer(opts.env ?? {}, warnings)
  const file = opts.configFile ? parseYamlLayer(resolve(opts.configFile)) : new Map<ConfigKey, Entry>()
  return { flag, env, settings: new Map(), file, filePath: opts.configFile, warnings }
}

export function withSettings(layers: ConfigLayers, saved: Record<string, unknown>): ConfigLayers {
  const warnings = [...layers.warnings]
  const settings = parseSettingsLayer(saved, warnings)
  return { ...layers, settings, warnings }
}
