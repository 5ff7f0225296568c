import { useState } from 'react'
import { Button, Code, Group, Paper, Stack, Text } from '@mantine/core'
import type { SettingEntry } from '../../../../shared/contract'
import { displayValue, fromDraft, isChanged, specFor, toDraft, type Draft } from '../../settings/values'
import { useSettings } from '../../stores/settings'
import { WithCode } from '../WithCode'
import { SettingBadges } from './SettingBadges'
import { SettingInput } from './SettingInput'

/**
 * One setting. The parent keys this row by the entry's values, so after a save the row remounts with
 * the server's answer as its draft instead of syncing state in an effect.
 */
export function SettingRow({ entry }: { entry: SettingEntry }) {
  const key = entry.key
  const spec = specFor(key)
  return (
    <Paper withBorder p="md" data-testid={`setting-${key}`}>
      <Stack gap="xs">
        <Group justify="space-between" align="flex-start">
          <Code fz="sm" data-testid={`setting-key-${key}`}>
            {key}
          </Code>
          <SettingBadges entry={entry} />
        </Group>
        <Text size="sm" c="dimmed" data-testid={`setting-description-${key}`}>
          {spec ? <WithCode text={spec.description} /> : 'A setting this version of the interface does not know.'}
        </Text>
        <SettingBody entry={entry} />
      </Stack>
    </Paper>
  )
}

function SettingBody({ entry }: { entry: SettingEntry }) {
  const key = entry.key
  const spec = specFor(key)
  if (spec?.secret) {
    // The core never sends a secret's value; only whether one is configured is shown.
    return (
      <Text size="sm" data-testid={`setting-secret-${key}`}>
        {displayValue(entry)}
      </Text>
    )
  }
  if (!spec || !entry.editable) {
    return (
      <Stack gap={2}>
        <Text size="sm" fw={600} data-testid={`setting-value-${key}`}>
          {displayValue(entry)}
        </Text>
        <Text size="xs" c="dimmed">
          Set in the config file, environment or command line; not editable here.
        </Text>
      </Stack>
    )
  }
  return <EditableSetting entry={entry} />
}

function EditableSetting({ entry }: { entry: SettingEntry }) {
  const key = entry.key
  const spec = specFor(key)!
  const [draft, setDraft] = useState<Draft>(() => toDraft(entry))
  const [touched, setTouched] = useState(false)
  const saving = useSettings((s) => s.saving[key] === true)
  const serverError = useSettings((s) => s.errors[key])
  const save = useSettings((s) => s.save)
  const clearError = useSettings((s) => s.clearError)

  const converted = fromDraft(key, draft)
  const localError = touched && !converted.ok ? converted.message : undefined
  const message = localError ?? serverError
  const locked = entry.overridden || saving

  return (
    <Stack gap={4}>
      <Group align="flex-start" gap="sm">
        <SettingInput
          settingKey={key}
          spec={spec}
          draft={draft}
          disabled={locked}
          invalid={message !== undefined}
          onChange={(d) => {
            setDraft(d)
            setTouched(true)
            clearError(key)
          }}
        />
        <Button
          data-testid={`setting-save-${key}`}
          disabled={entry.overridden || !isChanged(entry, converted)}
          loading={saving}
          onClick={() => {
            if (converted.ok) void save(key, converted.value)
          }}
        >
          Save
        </Button>
        <Button
          data-testid={`setting-reset-${key}`}
          variant="default"
          disabled={locked || entry.saved === null}
          title="Remove the value saved here so the config file, environment or default applies again"
          onClick={() => void save(key, null)}
        >
          Reset
        </Button>
      </Group>
      {message !== undefined && (
        <Text size="sm" c="red" data-testid={`setting-error-${key}`}>
          {message}
        </Text>
      )}
      {entry.overridden && (
        <Text size="xs" c="dimmed" data-testid={`setting-locked-${key}`}>
          {entry.overriddenBy ?? 'A flag or environment variable'} sets this and wins over values saved here; change it
          there.
        </Text>
      )}
    </Stack>
  )
}
