import { useEffect, useState } from 'react'
import { Button, EmptyState, Group, Loader, Stack, Text, Title } from '@mantine/core'
import type { ConnectionInfo } from '../../../shared/connections'
import { transport } from '../api/runtime'
import { ErrorAlert } from '../components/ErrorAlert'
import { BrowsePanel } from '../components/browse/BrowsePanel'
import { ConnectionFormModal } from '../components/connections/ConnectionFormModal'
import { ConnectionsTable } from '../components/connections/ConnectionsTable'
import { DeleteConnectionModal } from '../components/connections/DeleteConnectionModal'
import { SecretsWarning } from '../components/connections/SecretsWarning'
import { useInterval } from '../hooks/useInterval'
import { useConnectivity } from '../stores/connectivity'
import { useConnections } from '../stores/connections'

/** Health events only come on changes; latency and anything else is picked up by this poll. */
const POLL_MS = 10_000

type Dialog = { kind: 'create' } | { kind: 'edit'; connection: ConnectionInfo } | { kind: 'delete'; connection: ConnectionInfo } | null

export function ConnectionsPage() {
  const items = useConnections((s) => s.items)
  const loadError = useConnections((s) => s.loadError)
  const load = useConnections((s) => s.load)
  const up = useConnectivity((s) => s.up)
  const [dialog, setDialog] = useState<Dialog>(null)
  const [browsingId, setBrowsingId] = useState<string | null>(null)

  useEffect(() => {
    void load()
  }, [load])
  useInterval(() => void load(), POLL_MS)
  useEffect(() => transport().on('connection.status', (ev) => useConnections.getState().applyStatus(ev)), [])

  const browsing = items?.find((c) => c.id === browsingId) ?? null
  const close = (): void => setDialog(null)

  return (
    <Stack data-testid="connections" gap="md">
      <Group justify="space-between">
        <div>
          <Title order={1}>Connections</Title>
          <Text size="sm" c="dimmed">
            MySQL and MariaDB servers to copy from and to. Passwords are stored encrypted and never shown again.
          </Text>
        </div>
        <Button onClick={() => setDialog({ kind: 'create' })} data-testid="connection-new">
          New connection
        </Button>
      </Group>
      <SecretsWarning />
      {loadError && up && <ErrorAlert testId="connections-error" title="Could not read the connections" error={loadError} />}

      {items === null ? (
        !loadError && <Loader data-testid="connections-loading" />
      ) : items.length === 0 ? (
        <EmptyState
          data-testid="connections-empty"
          title="No connections yet"
          description="Add the source and target servers of your syncs. Test a connection before saving it to see its version, privileges and settings."
        />
      ) : (
        <ConnectionsTable
          items={items}
          browsing={browsingId}
          onBrowse={(c) => setBrowsingId(c.id === browsingId ? null : c.id)}
          onEdit={(c) => setDialog({ kind: 'edit', connection: c })}
          onDelete={(c) => setDialog({ kind: 'delete', connection: c })}
        />
      )}

      {browsing && <BrowsePanel key={browsing.id} connection={browsing} onClose={() => setBrowsingId(null)} />}

      {(dialog?.kind === 'create' || dialog?.kind === 'edit') && (
        <ConnectionFormModal
          editing={dialog.kind === 'edit' ? dialog.connection : null}
          onClose={close}
          onSaved={(c) => {
            useConnections.getState().upsert(c)
            close()
          }}
        />
      )}
      {dialog?.kind === 'delete' && (
        <DeleteConnectionModal
          connection={dialog.connection}
          onClose={close}
          onDeleted={(id) => {
            useConnections.getState().remove(id)
            if (browsingId === id) setBrowsingId(null)
            close()
          }}
        />
      )}
    </Stack>
  )
}
