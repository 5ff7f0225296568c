import { NumberInput, Select, Switch, TextInput } from '@mantine/core'
import type { ConfigKey } from '../../../../shared/contract'
import type { ConfigKeySpec } from '../../../../shared/config-keys'
import { formatDuration, parseDuration } from '../../../../shared/duration'
import type { Draft } from '../../settings/values'

interface Props {
  settingKey: ConfigKey
  spec: ConfigKeySpec
  draft: Draft
  onChange(draft: Draft): void
  disabled?: boolean
  invalid?: boolean
}

/** The input that fits a key's kind; durations are typed as text ("30s", "5m") and shown normalised. */
export function SettingInput({ settingKey, spec, draft, onChange, disabled, invalid }: Props) {
  const common = {
    'aria-label': settingKey,
    'data-testid': `setting-input-${settingKey}`,
    disabled,
    error: invalid,
    maw: 320
  }
  switch (spec.kind) {
    case 'int':
      return (
        <NumberInput
          {...common}
          value={typeof draft === 'boolean' ? '' : draft}
          onChange={(v) => onChange(v)}
          min={spec.min}
          max={spec.max}
          allowDecimal={false}
          thousandSeparator={false}
        />
      )
    case 'bool':
      return (
        <Switch
          aria-label={settingKey}
          data-testid={`setting-input-${settingKey}`}
          disabled={disabled}
          checked={draft === true}
          onChange={(e) => onChange(e.currentTarget.checked)}
          label={draft === true ? 'on' : 'off'}
        />
      )
    case 'enum':
      return (
        <Select
          {...common}
          data={[...(spec.values ?? [])]}
          value={String(draft)}
          onChange={(v) => {
            if (v !== null) onChange(v)
          }}
          allowDeselect={false}
        />
      )
    case 'duration': {
      const ms = parseDuration(String(draft))
      return (
        <TextInput
          {...common}
          value={String(draft)}
          onChange={(e) => onChange(e.currentTarget.value)}
          inputWrapperOrder={['label', 'input', 'description', 'error']}
          description={ms === null ? 'e.g. 500ms, 30s, 5m, 1h, 7d or 1h30m' : `= ${formatDuration(ms)} (${ms} ms)`}
        />
      )
    }
    case 'string':
      return <TextInput {...common} value={String(draft)} onChange={(e) => onChange(e.currentTarget.value)} />
  }
}
