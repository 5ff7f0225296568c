import { CONFIG_KEYS, CONFIG_KEY_NAMES, envVarFor, valueSchema, type Config, type ConfigKey, type ConfigKeySpec } from '../../shared/config-keys'
import type { SettingEntry, SettingsView } from '../../shared/contract'
import { AppError } from '../../shared/errors'
import { effectiveConfig, parseSettingsLayer, type ConfigLayers, type EffectiveConfig } from './config/layers'
import type { SettingsRepository } from './store/settings-repository'

/**
 * Owns the live configuration: the boot layers plus the settings layer saved from the UI.
 * A saved change is validated like any other layer, persisted, and then applied; keys that need
 * a restart are remembered as pending so the UI can say so.
 */
export class SettingsService {
  private layers: ConfigLayers
  private effective: EffectiveConfig
  private readonly pending = new Set<ConfigKey>()
  private readonly listeners: ((changed: ConfigKey[]) => void)[] = []

  constructor(
    layers: ConfigLayers,
    private readonly repo: SettingsRepository
  ) {
    this.layers = layers
    this.effective = effectiveConfig(layers)
  }

  config(): Config {
    return this.effective.config
  }

  effectiveConfig(): EffectiveConfig {
    return this.effective
  }

  warnings(): string[] {
    return this.layers.warnings
  }

  onChange(listener: (changed: ConfigKey[]) => void): void {
    this.listeners.push(listener)
  }

  view(): SettingsView {
    const saved = this.repo.all()
    const settings: SettingEntry[] = CONFIG_KEY_NAMES.map((key) => {
      const spec: ConfigKeySpec = CONFIG_KEYS[key]
      const source = this.effective.sources[key]
      const overridden = source === 'flag' || source === 'env'
      const entry: SettingEntry = {
        key,
        value: spec.secret ? null : this.effective.config[key],
        saved: spec.secret ? null : ((saved[key] as string | number | boolean | undefined) ?? null),
        source,
        overridden,
        editable: spec.editable === true,
        restartRequired: spec.restart === true
      }
      if (overridden) entry.overriddenBy = this.effective.origins[key] ?? envVarFor(key)
      return entry
    })
    return { settings, pendingRestart: [...this.pending] }
  }

  update(values: Record<string, string | number | boolean | null>): SettingsView {
    const errors: Record<string, string> = {}
    const toSave: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(values)) {
      const spec = (CONFIG_KEYS as Record<string, ConfigKeySpec>)[key]
      if (!spec?.editable) {
        errors[key] = spec ? 'cannot be changed from the UI' : 'unknown setting'
        continue
      }
      if (value === null) {
        toSave[key] = null
        continue
      }
      const parsed = valueSchema(key as ConfigKey, 'settings').safeParse(value)
      if (parsed.success) toSave[key] = parsed.data
      else errors[key] = parsed.error.issues.map((i) => i.message).join('; ')
    }
    if (Object.keys(errors).length > 0) {
      throw new AppError('VALIDATION', 'Some settings are invalid: ' + Object.entries(errors).map(([k, m]) => `${k}: ${m}`).join('; '), {
        fields: errors
      })
    }
    this.repo.save(toSave)
    const before = this.effective.config
    const warnings: string[] = []
    this.layers = { ...this.layers, settings: parseSettingsLayer(this.repo.all(), warnings) }
    this.effective = effectiveConfig(this.layers)
    const changed = CONFIG_KEY_NAMES.filter((k) => before[k] !== this.effective.config[k])
    for (const k of changed) if ((CONFIG_KEYS[k] as ConfigKeySpec).restart) this.pending.add(k)
    if (changed.length) for (const l of this.listeners) l(changed)
    return this.view()
  }
}
