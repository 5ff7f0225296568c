import { useCallback, useEffect, useState } from 'react'
import { Anchor, Group, Progress, Stack, Text } from '@mantine/core'
import { api, transport } from '../../api/runtime'
import { formatCount, formatRowRate } from '../../format/numbers'
import { useInterval } from '../../hooks/useInterval'
import { shortId } from '../../jobs/format'
import { applyProgress, jobTotals, mergeSnapshot, type LiveJob } from '../../jobs/progress'
import { jobHash } from '../../routing/routes'
import { StatCard } from './Stat'

const POLL_MS = 5000

/** Jobs running now, each with one bar over all its tables; moved by job.progress events. */
export function RunningJobs() {
  const [jobs, setJobs] = useState<LiveJob[] | null>(null)

  const load = useCallback(() => {
    api()
      .call('jobs.list', { status: 'running', limit: 20 })
      .then((list) => setJobs((prev) => list.jobs.map((j) => mergeSnapshot(prev?.find((p) => p.id === j.id) ?? null, j))))
      .catch(() => {
        // The status card already says when the backend cannot be reached.
      })
  }, [])

  useEffect(() => load(), [load])
  useInterval(load, POLL_MS)
  useEffect(() => {
    const offs = [
      transport().on('job.progress', (ev) => setJobs((js) => js?.map((j) => (j.id === ev.jobId ? applyProgress(j, ev) : j)) ?? js)),
      transport().on('job.status', () => load())
    ]
    return () => offs.forEach((off) => off())
  }, [load])

  return (
    <StatCard title="Running jobs" testId="card-running-jobs">
      {jobs === null ? null : jobs.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="running-jobs-empty">
          Nothing is running.
        </Text>
      ) : (
        <Stack gap="sm" data-testid="running-jobs">
          {jobs.map((j) => {
            const t = jobTotals(j.tables)
            return (
              <Stack key={j.id} gap={2} data-testid={`running-job-${j.id}`}>
                <Group justify="space-between" wrap="nowrap">
                  <Anchor href={jobHash(j.id)} size="sm" fw={600}>
                    {j.syncName ?? shortId(j.id)}
                  </Anchor>
                  <Text size="xs" c="dimmed" ff="monospace">
                    {formatRowRate(t.rowsPerSecond)}
                  </Text>
                </Group>
                <Progress value={t.percent ?? 100} striped animated size="md" aria-label={`${j.syncName ?? j.id} progress`} />
                <Text size="xs" c="dimmed">
                  {t.percent === null ? 'starting' : `~${Math.round(t.percent)}%`} · {formatCount(t.rowsWritten)} rows · {t.tablesEnded}/{t.tables} tables
                </Text>
              </Stack>
            )
          })}
        </Stack>
      )}
    </StatCard>
  )
}
