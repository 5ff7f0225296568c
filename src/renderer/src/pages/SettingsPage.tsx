import { useEffect } from 'react'
import { Alert, Code, Loader, Stack, Text, Title } from '@mantine/core'
import { ErrorAlert } from '../components/ErrorAlert'
import { SettingRow } from '../components/settings/SettingRow'
import { useConnectivity } from '../stores/connectivity'
import { useSettings } from '../stores/settings'

export function SettingsPage() {
  const view = useSettings((s) => s.view)
  const loadError = useSettings((s) => s.loadError)
  const load = useSettings((s) => s.load)
  const up = useConnectivity((s) => s.up)

  useEffect(() => {
    void load()
  }, [load])

  return (
    <Stack data-testid="settings">
      <Title order={1}>Settings</Title>
      <Text size="sm" c="dimmed">
        Precedence, highest first: command-line flag, environment variable, value saved here, config file, default.
      </Text>
      {loadError && up && <ErrorAlert testId="settings-error" title="Could not read the settings" error={loadError} />}
      {view && view.pendingRestart.length > 0 && (
        <Alert color="yellow" title="Restart needed" data-testid="settings-pending-restart">
          Saved changes to{' '}
          {view.pendingRestart.map((k, i) => (
            <span key={k}>
              {i > 0 && ', '}
              <Code>{k}</Code>
            </span>
          ))}{' '}
          take effect after DB-Taxi restarts.
        </Alert>
      )}
      {view
        ? view.settings.map((entry) => (
            // Keyed by the values so a row remounts with the server's answer after a save or reset.
            <SettingRow
              key={`${entry.key}|${JSON.stringify([entry.value, entry.saved, entry.source, entry.overridden])}`}
              entry={entry}
            />
          ))
        : !loadError && <Loader data-testid="settings-loading" />}
    </Stack>
  )
}
