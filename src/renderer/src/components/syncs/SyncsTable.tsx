import { Anchor, Badge, Button, Group, Stack, Table, Text, Tooltip } from '@mantine/core'
import type { ConnectionInfo } from '../../../../shared/connections'
import type { Job, SyncConfig } from '../../../../shared/syncs'
import { formatDateTime, formatRelative } from '../../format/numbers'
import { jobHash } from '../../routing/routes'
import { connectionLabel, scheduleSummary, tablesSummary } from '../../syncs/summary'
import { JobStatusBadge } from '../jobs/Badges'

interface Props {
  items: SyncConfig[]
  connections: ConnectionInfo[] | null
  lastJobs: Record<string, Job>
  /** Sync whose Run is being prepared (plan). */
  preparing: string | null
  onRun(s: SyncConfig): void
  /** What a run would change (syncs with diff or incremental tables). */
  onPreview(s: SyncConfig): void
  onEdit(s: SyncConfig): void
  onDelete(s: SyncConfig): void
}

export function SyncsTable({ items, connections, lastJobs, preparing, onRun, onPreview, onEdit, onDelete }: Props) {
  return (
    <Table.ScrollContainer minWidth={980}>
      <Table striped highlightOnHover verticalSpacing={8} horizontalSpacing="sm" fz="sm" data-testid="syncs-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Source → target</Table.Th>
            <Table.Th>Tables</Table.Th>
            <Table.Th>Schedule</Table.Th>
            <Table.Th style={{ whiteSpace: 'nowrap' }}>Last run</Table.Th>
            <Table.Th w={200} />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((s) => {
            const sched = scheduleSummary(s)
            const job = lastJobs[s.id]
            const active = job && (job.status === 'running' || job.status === 'queued')
            return (
              <Table.Tr key={s.id} data-testid={`sync-row-${s.name}`}>
                <Table.Td>
                  <Text size="sm" fw={600}>
                    {s.name}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Stack gap={0}>
                    <Text size="sm">
                      {connectionLabel(s.sourceConnectionId, connections)}
                      <Text span c="dimmed">
                        {' / '}
                      </Text>
                      <Text span ff="monospace">
                        {s.sourceDatabase}
                      </Text>
                    </Text>
                    <Text size="sm">
                      <Text span c="dimmed">
                        →{' '}
                      </Text>
                      {connectionLabel(s.targetConnectionId, connections)}
                      <Text span c="dimmed">
                        {' / '}
                      </Text>
                      <Text span ff="monospace">
                        {s.targetDatabase}
                      </Text>
                    </Text>
                  </Stack>
                </Table.Td>
                <Table.Td data-testid={`sync-tables-${s.name}`}>{tablesSummary(s)}</Table.Td>
                <Table.Td data-testid={`sync-schedule-${s.name}`}>
                  <Text size="sm">{sched.text}</Text>
                  {sched.paused && (
                    <Badge size="xs" color="gray" variant="light">
                      paused
                    </Badge>
                  )}
                  {sched.next && (
                    <Tooltip label={formatDateTime(sched.next)} withArrow>
                      <Text size="xs" c="dimmed" data-testid={`sync-next-run-${s.name}`}>
                        next {formatRelative(sched.next)}
                      </Text>
                    </Tooltip>
                  )}
                </Table.Td>
                <Table.Td data-testid={`sync-last-${s.name}`}>
                  {job ? (
                    <Group gap={6} wrap="nowrap">
                      <Anchor href={jobHash(job.id)} data-testid={`sync-last-link-${s.name}`}>
                        <JobStatusBadge status={job.status} />
                      </Anchor>
                      <Tooltip label={formatDateTime(job.finishedAt ?? job.startedAt ?? job.createdAt)} withArrow>
                        <Text size="xs" c="dimmed">
                          {formatRelative(job.finishedAt ?? job.startedAt ?? job.createdAt)}
                        </Text>
                      </Tooltip>
                    </Group>
                  ) : (
                    <Text size="sm" c="dimmed">
                      never
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Group gap={4} justify="flex-end" wrap="nowrap">
                    {active ? (
                      <Button size="compact-xs" variant="light" component="a" href={jobHash(job.id)} data-testid={`sync-view-${s.name}`}>
                        View run
                      </Button>
                    ) : (
                      <Button size="compact-xs" onClick={() => onRun(s)} loading={preparing === s.id} data-testid={`sync-run-${s.name}`}>
                        Run
                      </Button>
                    )}
                    {!active && (s.tables ?? []).some((t) => t.mode === 'diff' || t.mode === 'incremental') && (
                      <Button size="compact-xs" variant="light" onClick={() => onPreview(s)} disabled={preparing === s.id} data-testid={`sync-preview-${s.name}`}>
                        Preview
                      </Button>
                    )}
                    <Button size="compact-xs" variant="default" onClick={() => onEdit(s)} data-testid={`sync-edit-${s.name}`}>
                      Edit
                    </Button>
                    <Button size="compact-xs" variant="subtle" color="red" onClick={() => onDelete(s)} data-testid={`sync-delete-${s.name}`}>
                      Delete
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            )
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  )
}
