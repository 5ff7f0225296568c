import { useCallback, useEffect, useState } from 'react'
import { Button, Card, CloseButton, Group, Loader, ScrollArea, Switch, Text } from '@mantine/core'
import type { ConnectionInfo } from '../../../../shared/connections'
import { api } from '../../api/runtime'
import { useLazyLoad } from '../../hooks/useLazyLoad'
import { DatabaseNode } from './DatabaseNode'
import { LoadFailure } from './LoadFailure'

/** Databases, tables and columns of one connection, each level loaded when opened. */
export function BrowsePanel({ connection, onClose }: { connection: ConnectionInfo; onClose(): void }) {
  const [includeSystem, setIncludeSystem] = useState(false)
  const [generation, setGeneration] = useState(0)
  return (
    <Card withBorder padding="sm" data-testid="browse-panel">
      <Group justify="space-between" mb="xs" wrap="nowrap">
        <Group gap="xs" wrap="nowrap">
          <Text fw={600}>Browse</Text>
          <Text c="dimmed" size="sm" truncate>
            {connection.name} · {connection.user}@{connection.host}:{connection.port}
          </Text>
        </Group>
        <Group gap="sm" wrap="nowrap">
          <Switch
            size="xs"
            label="System databases"
            checked={includeSystem}
            onChange={(e) => setIncludeSystem(e.currentTarget.checked)}
            data-testid="browse-system"
          />
          <Button size="compact-xs" variant="default" onClick={() => setGeneration((g) => g + 1)} data-testid="browse-refresh">
            Refresh
          </Button>
          <CloseButton size="sm" onClick={onClose} aria-label="Close browser" />
        </Group>
      </Group>
      <ScrollArea.Autosize mah={560} type="auto">
        {/* A new key reloads the whole tree: after Refresh, or with system schemas shown or hidden. */}
        <DatabaseList key={`${connection.id}|${includeSystem}|${generation}`} connectionId={connection.id} includeSystem={includeSystem} />
      </ScrollArea.Autosize>
    </Card>
  )
}

function DatabaseList({ connectionId, includeSystem }: { connectionId: string; includeSystem: boolean }) {
  const loader = useCallback(() => api().call('connections.databases', { id: connectionId, includeSystem }), [connectionId, includeSystem])
  const { state, load } = useLazyLoad(loader)
  useEffect(load, [load])
  if (state.status === 'idle' || state.status === 'loading') {
    return (
      <Group gap="xs" p="xs">
        <Loader size="xs" />
        <Text size="sm" c="dimmed">
          Connecting…
        </Text>
      </Group>
    )
  }
  if (state.status === 'error') return <LoadFailure level={0} error={state.error} onRetry={load} />
  if (state.data.length === 0) {
    return (
      <Text size="sm" c="dimmed" p="xs">
        No databases visible to this user.
      </Text>
    )
  }
  return (
    <div role="tree" aria-label={`Databases of the connection`} data-testid="browse-tree">
      {state.data.map((db) => (
        <DatabaseNode key={db.name} connectionId={connectionId} db={db} />
      ))}
    </div>
  )
}
