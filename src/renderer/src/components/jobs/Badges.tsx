import { Badge, Group, Loader, Text, Tooltip } from '@mantine/core'
import type { JobStatus, TableStatus } from '../../../../shared/contract'
import type { JobTable } from '../../../../shared/syncs'
import { JOB_STATUS_COLOR, JOB_STATUS_HELP, TABLE_STATUS_COLOR, verificationOf } from '../../jobs/format'

export function JobStatusBadge({ status, testId, size = 'sm' }: { status: JobStatus; testId?: string; size?: 'xs' | 'sm' | 'md' | 'lg' }) {
  return (
    <Tooltip label={JOB_STATUS_HELP[status]} multiline w={280} withArrow openDelay={300}>
      <Badge
        size={size}
        color={JOB_STATUS_COLOR[status]}
        variant={status === 'running' || status === 'queued' ? 'light' : 'filled'}
        leftSection={status === 'running' ? <Loader size={10} color="blue" /> : undefined}
        data-testid={testId}
        data-status={status}
      >
        {status}
      </Badge>
    </Tooltip>
  )
}

export function TableStatusBadge({ status, testId }: { status: TableStatus; testId?: string }) {
  return (
    <Badge size="sm" variant="light" color={TABLE_STATUS_COLOR[status]} data-testid={testId} data-status={status}>
      {status}
    </Badge>
  )
}

/** verified ✓ / NOT IDENTICAL (first difference) / not verified. */
export function VerificationCell({ table, testId }: { table: Pick<JobTable, 'status' | 'verified' | 'firstDifference'>; testId?: string }) {
  const v = verificationOf(table)
  if (v.kind === 'verified') {
    return (
      <Text size="sm" c="green.8" fw={600} data-testid={testId} data-verified="true">
        {v.text}
      </Text>
    )
  }
  if (v.kind === 'different') {
    return (
      <div data-testid={testId} data-verified="false">
        <Text size="sm" c="red" fw={700}>
          {v.text}
        </Text>
        {v.detail && (
          <Text size="xs" c="red.8">
            first difference: {v.detail}
          </Text>
        )}
      </div>
    )
  }
  return (
    <Group gap={4} data-testid={testId} data-verified={v.kind === 'pending' ? 'pending' : 'null'}>
      <Text size="sm" c="dimmed">
        {v.text}
      </Text>
    </Group>
  )
}
