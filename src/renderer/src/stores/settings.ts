import { create } from 'zustand'
import type { ConfigKey, SettingsView } from '../../../shared/contract'
import type { ErrorBody } from '../../../shared/errors'
import { toErrorBody } from '../api/client'
import { api } from '../api/runtime'
import { validationMessage, type SettingValue } from '../settings/values'

interface SettingsState {
  view: SettingsView | null
  loadError: ErrorBody | null
  loading: boolean
  /** Keys with an update in flight. */
  saving: Partial<Record<ConfigKey, boolean>>
  /** Per-key message from the last refused update, shown under that key's input. */
  errors: Partial<Record<ConfigKey, string>>
  load(): Promise<void>
  /** `null` removes the UI-saved value so the next layer down applies again. */
  save(key: ConfigKey, value: SettingValue | null): Promise<boolean>
  clearError(key: ConfigKey): void
}

export const useSettings = create<SettingsState>()((set, get) => ({
  view: null,
  loadError: null,
  loading: false,
  saving: {},
  errors: {},
  async load() {
    set({ loading: true })
    try {
      const view = await api().call('settings.get', {})
      set({ view, loadError: null, loading: false })
    } catch (err) {
      set({ loadError: toErrorBody(err), loading: false })
    }
  },
  async save(key, value) {
    set({ saving: { ...get().saving, [key]: true } })
    try {
      const view = await api().call('settings.update', { values: { [key]: value } })
      set({ view, saving: { ...get().saving, [key]: false }, errors: { ...get().errors, [key]: undefined } })
      return true
    } catch (err) {
      const body = toErrorBody(err)
      const message = body.code === 'VALIDATION' ? validationMessage(body, key) : `${body.message} (${body.code})`
      set({ saving: { ...get().saving, [key]: false }, errors: { ...get().errors, [key]: message } })
      return false
    }
  },
  clearError(key) {
    if (get().errors[key] === undefined) return
    set({ errors: { ...get().errors, [key]: undefined } })
  }
}))
