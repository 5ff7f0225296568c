import { Alert, Autocomplete, Badge, Card, Code, Grid, Group, Loader, Select, Stack, Text, TextInput, Title } from '@mantine/core'
import type { ConnectionInfo } from '../../../../shared/connections'
import type { RemoteState } from '../../hooks/useRemote'
import type { StepProps, WizardData } from './wizard-props'
import { targetDatabaseFor } from '../../syncs/wizard-model'

function connectionOption(c: ConnectionInfo): { value: string; label: string } {
  return { value: c.id, label: `${c.name} — ${c.user}@${c.host}:${c.port}` }
}

function LoadError({ state, what }: { state: RemoteState<unknown>; what: string }) {
  if (state.status !== 'error') return null
  return (
    <Text size="xs" c="red" mt={4}>
      Could not list the {what}: {state.error.message} ({state.error.code})
    </Text>
  )
}

/** Step 1: name, the source connection and database, the target connection and database. */
export function EndpointsStep({ state, update, errors, data }: StepProps & { data: WizardData }) {
  const connections = data.connections ?? []
  const targets = connections.filter((c) => !c.readOnly)
  const readOnly = connections.filter((c) => c.readOnly)
  const sourceDbs = data.sourceDatabases.data ?? []
  const targetDbs = data.targetDatabases.data ?? []
  const targetDb = state.targetDatabase.trim()
  const targetExists = targetDbs.some((d) => d.name === targetDb)
  const sameEndpoint =
    state.sourceConnectionId !== null && state.sourceConnectionId === state.targetConnectionId && state.sourceDatabase === targetDb

  return (
    <Stack gap="md">
      <TextInput
        label="Name"
        description={
          <>
            Shown in lists; <Code fz="xs">db-taxi run NAME</Code> runs it from a terminal.
          </>
        }
        placeholder="e.g. orders to reporting"
        required
        maw={480}
        value={state.name}
        onChange={(e) => update({ name: e.currentTarget.value })}
        error={errors.name}
        data-testid="sync-name"
        data-autofocus
      />
      {connections.length === 0 && data.connections !== null && (
        <Alert color="yellow" title="No connections yet">
          Add the source and target servers on the Connections page first.
        </Alert>
      )}
      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Card withBorder padding="md" h="100%">
            <Title order={4} mb="sm">
              Source
            </Title>
            <Stack gap="sm">
              <Select
                label="Connection"
                placeholder="Choose a connection"
                required
                searchable
                data={connections.map(connectionOption)}
                value={state.sourceConnectionId}
                onChange={(v) => update((s) => ({ ...s, sourceConnectionId: v, sourceDatabase: null, selected: [], overrides: {} }))}
                error={errors.sourceConnectionId}
                nothingFoundMessage="No connection matches"
                data-testid="sync-source-connection"
              />
              <Select
                label="Database"
                placeholder={state.sourceConnectionId ? 'Choose a database' : 'Choose a connection first'}
                required
                searchable
                disabled={!state.sourceConnectionId}
                data={sourceDbs.map((d) => d.name)}
                value={state.sourceDatabase}
                onChange={(v) =>
                  update((s) => ({
                    ...s,
                    sourceDatabase: v,
                    // A new database has other tables: the old choice means nothing there.
                    ...(v !== s.sourceDatabase ? { selected: [], overrides: {} } : {})
                  }))
                }
                rightSection={data.sourceDatabases.status === 'loading' ? <Loader size="xs" /> : undefined}
                error={errors.sourceDatabase}
                nothingFoundMessage="No database matches"
                data-testid="sync-source-database"
              />
              <LoadError state={data.sourceDatabases} what="databases" />
            </Stack>
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Card withBorder padding="md" h="100%">
            <Title order={4} mb="sm">
              Target
            </Title>
            <Stack gap="sm">
              <Select
                label="Connection"
                placeholder="Choose a connection"
                description={
                  readOnly.length > 0
                    ? `Read-only connections are not offered: ${readOnly.map((c) => c.name).join(', ')}.`
                    : undefined
                }
                required
                searchable
                data={targets.map(connectionOption)}
                value={state.targetConnectionId}
                onChange={(v) => update((s) => ({ ...s, targetConnectionId: v, targetDatabase: targetDatabaseFor(s, v, connections) }))}
                error={errors.targetConnectionId}
                nothingFoundMessage="No writable connection matches"
                data-testid="sync-target-connection"
              />
              <Autocomplete
                label="Database"
                description="An existing database, or a new name: it is created at the first run when “create missing” is on."
                placeholder="Database name"
                required
                disabled={!state.targetConnectionId}
                data={targetDbs.map((d) => d.name)}
                value={state.targetDatabase}
                onChange={(v) => update({ targetDatabase: v })}
                rightSection={data.targetDatabases.status === 'loading' ? <Loader size="xs" /> : undefined}
                error={errors.targetDatabase}
                data-testid="sync-target-database"
              />
              {targetDb !== '' && data.targetDatabases.status === 'done' && (
                <Group gap={6}>
                  {targetExists ? (
                    <Badge size="sm" variant="light" color="blue" data-testid="sync-target-db-state">
                      exists
                    </Badge>
                  ) : (
                    <Badge size="sm" variant="light" color="green" data-testid="sync-target-db-state">
                      new: created at the first run
                    </Badge>
                  )}
                </Group>
              )}
              <LoadError state={data.targetDatabases} what="databases" />
            </Stack>
          </Card>
        </Grid.Col>
      </Grid>
      {sameEndpoint && (
        <Alert color="orange" data-testid="sync-same-endpoint">
          Source and target are the same connection and database: tables can only be copied under another name here.
        </Alert>
      )}
    </Stack>
  )
}

