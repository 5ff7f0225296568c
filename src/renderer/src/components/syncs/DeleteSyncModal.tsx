import { useState } from 'react'
import { Button, Group, Modal, Stack, Text } from '@mantine/core'
import type { ErrorBody } from '../../../../shared/errors'
import type { SyncConfig } from '../../../../shared/syncs'
import { toErrorBody } from '../../api/client'
import { api } from '../../api/runtime'
import { ErrorAlert } from '../ErrorAlert'

/** Asks first. The job history of the sync stays; nothing on the servers changes. */
export function DeleteSyncModal({ sync, onClose, onDeleted }: { sync: SyncConfig; onClose(): void; onDeleted(id: string): void }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ErrorBody | null>(null)
  const remove = async (): Promise<void> => {
    setBusy(true)
    setError(null)
    try {
      await api().call('syncs.delete', { id: sync.id })
      onDeleted(sync.id)
    } catch (err) {
      setError(toErrorBody(err))
      setBusy(false)
    }
  }
  return (
    <Modal opened onClose={onClose} title={<Text fw={600}>Delete sync</Text>} attributes={{ content: { 'data-testid': 'delete-sync' } }}>
      <Stack gap="md">
        <Text size="sm">
          Delete <b>{sync.name}</b>? Its schedule stops. Tables already copied stay on the target; its past jobs stay in the Jobs list.
        </Text>
        {error && <ErrorAlert error={error} title="Could not delete" testId="delete-sync-error" />}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onClose} disabled={busy}>
            Cancel
          </Button>
          <Button color="red" loading={busy} onClick={() => void remove()} data-testid="delete-sync-confirm">
            Delete
          </Button>
        </Group>
      </Stack>
    </Modal>
  )
}
