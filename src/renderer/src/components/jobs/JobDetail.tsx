import { useState } from 'react'
import { Alert, Anchor, Badge, Card, Code, Group, Loader, SimpleGrid, Stack, Text, Title } from '@mantine/core'
import { formatBytes } from '../../connections/format'
import { elapsedMs, formatCount, formatDateTime, formatDurationMs, formatRowRate } from '../../format/numbers'
import { useInterval } from '../../hooks/useInterval'
import { useLiveJob } from '../../hooks/useLiveJob'
import { attemptsText, configLines, consistencyText, jobVerification, shortId, triggerText, writePathText } from '../../jobs/format'
import { isActive, jobTotals } from '../../jobs/progress'
import { editSyncHash, hashFor } from '../../routing/routes'
import { Stat } from '../dashboard/Stat'
import { JobStatusBadge } from './Badges'
import { JobActions } from './JobActions'
import { JobLog } from './JobLog'
import { TablesProgress } from './TablesProgress'

/** The live run view: status, timings, per-table progress and verification, the log, Cancel. */
export function JobDetail({ id }: { id: string }) {
  const { job, error, logs, logsError, refresh } = useLiveJob(id)
  // Ticks the elapsed time while running.
  const [now, setNow] = useState(() => Date.now())
  useInterval(() => setNow(Date.now()), 1000, job !== null && isActive(job.status))

  if (error && !job) {
    return (
      <Stack data-testid="job-detail">
        <Back />
        <Alert color="red" title="Could not read this job" data-testid="job-error">
          {error.message} ({error.code})
        </Alert>
      </Stack>
    )
  }
  if (!job) {
    return (
      <Stack data-testid="job-detail">
        <Back />
        <Loader />
      </Stack>
    )
  }
  const totals = jobTotals(job.tables)
  const verdict = jobVerification(job)
  const active = isActive(job.status)
  const elapsed = elapsedMs(job.startedAt, job.finishedAt, now)
  const attempts = attemptsText(job.attempts)
  return (
    <Stack gap="md" data-testid="job-detail" data-status={job.status}>
      <Back />
      <Group justify="space-between" align="flex-start">
        <div>
          <Group gap="sm">
            <Title order={1}>{job.syncName ?? 'Deleted sync'}</Title>
            <JobStatusBadge status={job.status} size="lg" testId="job-status" />
          </Group>
          <Text size="sm" c="dimmed">
            Job <Code title={job.id}>{shortId(job.id)}</Code> · {triggerText(job.trigger)} run
            {job.syncId && (
              <>
                {' · '}
                <Anchor href={editSyncHash(job.syncId)} size="sm">
                  sync settings
                </Anchor>
              </>
            )}
          </Text>
        </div>
        <JobActions job={job} onChanged={refresh} />
      </Group>

      {job.error && (
        <Alert color={job.status === 'cancelled' ? 'orange' : 'red'} title={job.status === 'cancelled' ? 'Cancelled' : 'The run failed'} data-testid="job-error">
          {job.error.message} <Code>{job.error.code}</Code>
        </Alert>
      )}

      <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
        <Card withBorder padding="sm">
          <Stack gap={4}>
            <Stat label="Created" testId="job-created" value={formatDateTime(job.createdAt)} />
            <Stat label="Started" testId="job-started" value={formatDateTime(job.startedAt)} />
            <Stat label="Finished" testId="job-finished" value={active ? '—' : formatDateTime(job.finishedAt)} />
            <Stat label={active ? 'Running for' : 'Took'} testId="job-duration" value={formatDurationMs(elapsed)} />
            {attempts !== null && <Stat label="Attempts" testId="job-attempts" value={attempts} />}
          </Stack>
        </Card>
        <Card withBorder padding="sm">
          <Stack gap={4}>
            <Stat
              label="Tables"
              testId="job-tables-count"
              value={`${totals.tablesDone} of ${totals.tables} done${totals.tablesFailed ? `, ${totals.tablesFailed} failed` : ''}`}
            />
            <Stat label="Rows written" testId="job-rows" value={formatCount(totals.rowsWritten)} />
            <Stat label="Data written" testId="job-bytes" value={formatBytes(totals.bytes)} />
            <Stat
              label={active ? 'Rate now' : 'Average rate'}
              testId="job-rate"
              value={
                active
                  ? formatRowRate(totals.rowsPerSecond)
                  : formatRowRate(elapsed && elapsed > 0 ? Math.round(totals.rowsWritten / (elapsed / 1000)) : null)
              }
            />
          </Stack>
        </Card>
        <Card withBorder padding="sm">
          <Stack gap={6}>
            <Fact label="Source read at" testId="job-consistency" value={consistencyText(job.consistency, active)} />
            <Fact label="Write path" testId="job-write-path" value={writePathText(job.writePath, active)} />
          </Stack>
        </Card>
        <Card withBorder padding="sm">
          <Stack gap={4}>
            <Text size="sm" c="dimmed">
              Verification
            </Text>
            <Text
              size="lg"
              fw={700}
              c={verdict.kind === 'verified' ? 'green.8' : verdict.kind === 'different' ? 'red' : 'dimmed'}
              data-testid="job-verification"
              data-kind={verdict.kind}
            >
              {verdict.text}
            </Text>
            {verdict.kind === 'verified' && (
              <Text size="xs" c="dimmed">
                Row counts and checksums match the source{job.consistency === 'global' ? ' at one consistent point' : ''}.
              </Text>
            )}
          </Stack>
        </Card>
      </SimpleGrid>

      {active && totals.percent !== null && (
        <Group gap="xs">
          <Badge variant="light">~{Math.round(totals.percent)}% overall</Badge>
          <Text size="xs" c="dimmed">
            Row estimates come from the source’s statistics and are approximate.
          </Text>
        </Group>
      )}

      <Card withBorder padding="sm">
        <Title order={4} mb="xs">
          Tables
        </Title>
        <TablesProgress tables={job.tables} active={active} />
      </Card>

      {job.config && (
        <Card withBorder padding="sm" data-testid="job-config">
          <Title order={4} mb="xs">
            Config at run time
          </Title>
          <Stack gap={2}>
            {configLines(job.config).map((line, i) => (
              <Text key={i} size="sm" c={i === 0 ? undefined : 'dimmed'}>
                {line}
              </Text>
            ))}
          </Stack>
        </Card>
      )}

      <Card withBorder padding="sm">
        <Title order={4} mb="xs">
          Log
        </Title>
        {logsError && (
          <Text size="xs" c="red" mb={4}>
            Could not read the log: {logsError.message}
          </Text>
        )}
        <JobLog lines={logs} live={active} />
      </Card>
    </Stack>
  )
}

/** A label over its value, for values too long to share a line with their label. */
function Fact({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" fw={600} data-testid={testId}>
        {value}
      </Text>
    </div>
  )
}

function Back() {
  return (
    <Anchor href={hashFor('jobs')} size="sm" data-testid="job-back">
      ← All jobs
    </Anchor>
  )
}
