import { useState } from 'react'
import { Alert, Button, Group, List, Modal, Stack, Text } from '@mantine/core'
import type { ConnectionInfo } from '../../../../shared/connections'
import type { ErrorBody } from '../../../../shared/errors'
import { toErrorBody } from '../../api/client'
import { api } from '../../api/runtime'
import { syncsOf, type SyncRef } from '../../connections/in-use'
import { ErrorAlert } from '../ErrorAlert'

interface Props {
  connection: ConnectionInfo
  onClose(): void
  onDeleted(id: string): void
}

/** Asks first; when syncs use the connection, names them and offers to delete them along with it. */
export function DeleteConnectionModal({ connection, onClose, onDeleted }: Props) {
  const [busy, setBusy] = useState(false)
  const [inUse, setInUse] = useState<SyncRef[] | null>(null)
  const [error, setError] = useState<ErrorBody | null>(null)

  const remove = async (cascade: boolean): Promise<void> => {
    setBusy(true)
    setError(null)
    try {
      await api().call('connections.delete', { id: connection.id, ...(cascade ? { cascade: true } : {}) })
      onDeleted(connection.id)
    } catch (err) {
      const body = toErrorBody(err)
      if (body.code === 'IN_USE') setInUse(syncsOf(body))
      else setError(body)
      setBusy(false)
    }
  }

  return (
    <Modal opened onClose={onClose} title={<Text fw={600}>Delete connection</Text>} size="md" attributes={{ content: { 'data-testid': 'delete-connection' } }}>
      <Stack gap="md">
        {inUse ? (
          <Alert color="orange" title="This connection is used by syncs" data-testid="delete-in-use">
            <Text size="sm" mb="xs">
              Deleting <b>{connection.name}</b> also deletes these sync configurations:
            </Text>
            <List size="sm" data-testid="delete-in-use-syncs">
              {inUse.map((s) => (
                <List.Item key={s.id}>{s.name}</List.Item>
              ))}
            </List>
          </Alert>
        ) : (
          <Text size="sm">
            Delete <b>{connection.name}</b> ({connection.user}@{connection.host}:{connection.port})? Its saved password is deleted
            too. Nothing on the server changes.
          </Text>
        )}
        {error && <ErrorAlert error={error} title="Could not delete" testId="delete-error" />}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onClose} disabled={busy}>
            Cancel
          </Button>
          {inUse ? (
            <Button color="red" loading={busy} onClick={() => void remove(true)} data-testid="delete-cascade">
              Delete connection and {inUse.length} {inUse.length === 1 ? 'sync' : 'syncs'}
            </Button>
          ) : (
            <Button color="red" loading={busy} onClick={() => void remove(false)} data-testid="delete-confirm">
              Delete
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  )
}
