import { Anchor, Group, Progress, Table, Text, Tooltip } from '@mantine/core'
import type { Job } from '../../../../shared/syncs'
import { elapsedMs, formatCount, formatDateTime, formatDurationMs, formatRelative } from '../../format/numbers'
import { jobVerification, shortId, triggerText } from '../../jobs/format'
import { isActive, jobTotals } from '../../jobs/progress'
import { jobHash } from '../../routing/routes'
import { useRoute } from '../../stores/route'
import { JobStatusBadge } from './Badges'

/** One row per job; the whole row opens the job. */
export function JobsTable({ jobs }: { jobs: Job[] }) {
  const go = useRoute((s) => s.go)
  return (
    <Table.ScrollContainer minWidth={900}>
      <Table striped highlightOnHover verticalSpacing={6} fz="sm" data-testid="jobs-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Status</Table.Th>
            <Table.Th>Sync</Table.Th>
            <Table.Th>Started</Table.Th>
            <Table.Th ta="right">Duration</Table.Th>
            <Table.Th ta="right">Tables</Table.Th>
            <Table.Th ta="right">Rows</Table.Th>
            <Table.Th>Verification</Table.Th>
            <Table.Th>Job</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {jobs.map((j) => {
            const totals = jobTotals(j.tables.map((t) => ({ ...t, rowsPerSecond: null })))
            const v = jobVerification(j)
            const when = j.startedAt ?? j.createdAt
            return (
              <Table.Tr
                key={j.id}
                data-testid={`job-row-${j.id}`}
                data-status={j.status}
                style={{ cursor: 'pointer' }}
                onClick={(e) => {
                  // Let the link itself (and middle clicks) do their own thing.
                  if ((e.target as HTMLElement).closest('a')) return
                  go(jobHash(j.id))
                }}
              >
                <Table.Td>
                  <JobStatusBadge status={j.status} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm" fw={600}>
                    {j.syncName ?? <Text span c="dimmed">deleted sync</Text>}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {triggerText(j.trigger)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Tooltip label={formatDateTime(when)} withArrow>
                    <Text size="sm">{formatRelative(when)}</Text>
                  </Tooltip>
                </Table.Td>
                <Table.Td ta="right">
                  <Text size="sm" ff="monospace">
                    {j.startedAt ? formatDurationMs(elapsedMs(j.startedAt, j.finishedAt)) : '—'}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">{j.tables.length || '—'}</Table.Td>
                <Table.Td ta="right">
                  {isActive(j.status) && totals.percent !== null ? (
                    <Group gap={6} justify="flex-end" wrap="nowrap">
                      <Progress value={totals.percent} w={80} size="sm" striped animated />
                      <Text size="sm" ff="monospace">
                        {formatCount(totals.rowsWritten)}
                      </Text>
                    </Group>
                  ) : (
                    <Text size="sm" ff="monospace">
                      {formatCount(totals.rowsWritten)}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text
                    size="sm"
                    c={v.kind === 'verified' ? 'green.8' : v.kind === 'different' ? 'red' : 'dimmed'}
                    fw={v.kind === 'different' ? 700 : undefined}
                  >
                    {j.error && !isActive(j.status) ? (
                      <Tooltip label={j.error.message} withArrow multiline w={320}>
                        <span>{j.error.code}</span>
                      </Tooltip>
                    ) : (
                      v.text
                    )}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Anchor href={jobHash(j.id)} ff="monospace" size="sm" data-testid={`job-link-${j.id}`}>
                    {shortId(j.id)}
                  </Anchor>
                </Table.Td>
              </Table.Tr>
            )
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  )
}
