import { Anchor, Badge, Button, Group, Stack, Switch, Table, Text, Tooltip } from '@mantine/core'
import type { ConnectionInfo } from '../../../../shared/connections'
import type { Job, SyncConfig } from '../../../../shared/syncs'
import type { MappingProblem } from '../../../../shared/config-document'
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
  /** Download this sync (with its connections) as a configuration document. */
  onExport(s: SyncConfig): void
  /** Switches a sync's schedule on or off in place. */
  onScheduleEnabled(s: SyncConfig, enabled: boolean): void
  /** Sync whose schedule switch is being saved. */
  savingSchedule: string | null
  /** The last mapping check (mappings.validate), per sync id; null: not checked yet. */
  problems: Record<string, MappingProblem[]> | null
}

export function SyncsTable({ items, connections, lastJobs, preparing, onRun, onPreview, onEdit, onDelete, onExport, onScheduleEnabled, savingSchedule, problems }: Props) {
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
            <Table.Th w={260} />
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
                  {problems && problems[s.id] && <MappingCheck problems={problems[s.id]!} name={s.name} />}
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
                  <Group gap={6} wrap="nowrap" align="flex-start">
                    {s.schedule && (
                      <Switch
                        size="xs"
                        mt={3}
                        checked={s.schedule.enabled}
                        disabled={savingSchedule === s.id}
                        onChange={(e) => onScheduleEnabled(s, e.currentTarget.checked)}
                        aria-label={`Schedule of ${s.name} ${s.schedule.enabled ? 'on (switch off to pause it)' : 'paused (switch on to resume it)'}`}
                        data-testid={`sync-schedule-switch-${s.name}`}
                      />
                    )}
                    <Text size="sm">{sched.text}</Text>
                  </Group>
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
                    <Button size="compact-xs" variant="subtle" onClick={() => onExport(s)} data-testid={`sync-export-${s.name}`}>
                      Export
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

/** The result of the last mapping check for one sync: "mappings ok", or the problem count with the problems on hover. */
function MappingCheck({ problems, name }: { problems: MappingProblem[]; name: string }) {
  if (problems.length === 0) {
    return (
      <Badge size="xs" color="green" variant="light" data-testid={`sync-check-${name}`}>
        mappings ok
      </Badge>
    )
  }
  return (
    <Tooltip
      multiline
      w={420}
      withArrow
      label={
        <Stack gap={2}>
          {problems.map((p, i) => (
            <Text key={i} size="xs">
              {p.table ? `${p.table}: ` : ''}
              {p.message} ({p.code})
            </Text>
          ))}
        </Stack>
      }
    >
      <Badge size="xs" color="red" variant="light" data-testid={`sync-check-${name}`} tabIndex={0}>
        {problems.length} problem{problems.length === 1 ? '' : 's'}
      </Badge>
    </Tooltip>
  )
}
