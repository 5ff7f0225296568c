import { Badge, SimpleGrid, Stack, Text } from '@mantine/core'
import type { SystemStatus } from '../../../../shared/contract'
import { formatUptime } from '../../format/time'
import { Stat, StatCard } from './Stat'

const SYNC_STATE_COLOR: Record<SystemStatus['sync']['state'], string> = {
  starting: 'yellow',
  running: 'green',
  stopping: 'orange',
  stopped: 'gray'
}

export function StatusCards({ status }: { status: SystemStatus }) {
  const { store, sync, counters } = status
  return (
    <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
      <StatCard title="Metadata store" testId="card-store">
        <Stack gap={4}>
          <Stat
            label="Status"
            testId="store-status"
            value={<Badge color={store.ok ? 'green' : 'red'}>{store.ok ? 'OK' : 'Error'}</Badge>}
          />
          {store.error && (
            <Text size="sm" c="red" data-testid="store-error">
              {store.error}
            </Text>
          )}
          <Stat label="Path" testId="store-path" value={store.path} />
          <Stat label="Schema version" testId="store-schema-version" value={store.schemaVersion} />
        </Stack>
      </StatCard>

      <StatCard title="Sync system" testId="card-sync">
        <Stack gap={4}>
          <Stat
            label="State"
            testId="sync-status"
            value={<Badge color={sync.ok ? SYNC_STATE_COLOR[sync.state] : 'red'}>{sync.state}</Badge>}
          />
          <Stat
            label="Jobs and schedules"
            testId="sync-enabled"
            value={sync.enabled ? 'enabled' : 'disabled (sync.enabled is off)'}
          />
        </Stack>
      </StatCard>

      <StatCard title="Connections and syncs" testId="card-connections">
        <Stack gap={4}>
          <Stat label="Connections" testId="counter-connections" value={counters.connections} />
          <Stat label="Connected" testId="counter-connected" value={counters.connectedConnections} />
          <Stat label="Syncs" testId="counter-syncs" value={counters.syncs} />
        </Stack>
      </StatCard>

      <StatCard title="Jobs" testId="card-jobs">
        <Stack gap={4}>
          <Stat label="Total" testId="counter-jobs-total" value={counters.jobs.total} />
          <Stat label="Queued" testId="counter-jobs-queued" value={counters.jobs.queued} />
          <Stat label="Running" testId="counter-jobs-running" value={counters.jobs.running} />
          <Stat label="Succeeded" testId="counter-jobs-succeeded" value={counters.jobs.succeeded} />
          <Stat label="Failed" testId="counter-jobs-failed" value={counters.jobs.failed} />
        </Stack>
      </StatCard>

      <StatCard title="About" testId="card-about">
        <Stack gap={4}>
          <Stat label="Version" testId="version" value={status.version} />
          <Stat label="Mode" testId="mode" value={status.mode} />
          <Stat label="Uptime" testId="uptime" value={formatUptime(status.uptimeMs)} />
          <Stat label="Started" testId="started-at" value={new Date(status.startedAt).toLocaleString()} />
        </Stack>
      </StatCard>
    </SimpleGrid>
  )
}
