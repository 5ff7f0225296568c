import { useEffect } from 'react'
import { Alert, Code, Loader, Stack, Tabs, Text, Title } from '@mantine/core'
import { ErrorAlert } from '../components/ErrorAlert'
import { ImportExportPanel } from '../components/settings/ImportExportPanel'
import { SettingRow } from '../components/settings/SettingRow'
import { hashFor } from '../routing/routes'
import { useConnectivity } from '../stores/connectivity'
import { useRoute } from '../stores/route'
import { useSettings } from '../stores/settings'

/** `#/settings` (the settings) and `#/settings/import-export`. */
export function SettingsPage() {
  const rest = useRoute((s) => s.rest)
  const go = useRoute((s) => s.go)
  const tab = rest[0] === 'import-export' ? 'import-export' : 'general'
  return (
    <Stack data-testid="settings-page">
      <Title order={1}>Settings</Title>
      <Tabs value={tab} onChange={(v) => go(v === 'import-export' ? hashFor('settings', 'import-export') : hashFor('settings'))} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="general" data-testid="settings-tab-general">
            General
          </Tabs.Tab>
          <Tabs.Tab value="import-export" data-testid="settings-tab-import-export">
            Import and export
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="general" pt="md">
          <GeneralSettings />
        </Tabs.Panel>
        <Tabs.Panel value="import-export" pt="md">
          <ImportExportPanel />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  )
}

function GeneralSettings() {
  const view = useSettings((s) => s.view)
  const loadError = useSettings((s) => s.loadError)
  const load = useSettings((s) => s.load)
  const up = useConnectivity((s) => s.up)

  useEffect(() => {
    void load()
  }, [load])

  return (
    <Stack data-testid="settings">
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
