import { useEffect } from 'react'
import { Grid, Loader, Stack, Title } from '@mantine/core'
import { transport } from '../api/runtime'
import { ErrorAlert } from '../components/ErrorAlert'
import { RecentFailures } from '../components/dashboard/RecentFailures'
import { RunningJobs } from '../components/dashboard/RunningJobs'
import { StatusCards } from '../components/dashboard/StatusCards'
import { ThroughputChart } from '../components/dashboard/ThroughputChart'
import { useInterval } from '../hooks/useInterval'
import { useConnectivity } from '../stores/connectivity'
import { useStatus } from '../stores/status'

/** Polls every 5 s even when events flow: counters also change on paths that emit no event. */
const POLL_MS = 5000

export function DashboardPage() {
  const status = useStatus((s) => s.status)
  const error = useStatus((s) => s.error)
  const refresh = useStatus((s) => s.refresh)
  // While the backend is unreachable the red banner already says why; one message is enough.
  const up = useConnectivity((s) => s.up)

  useEffect(() => {
    void refresh()
  }, [refresh])
  useInterval(() => void refresh(), POLL_MS)

  // Job and connection changes move the counters; refresh at once instead of waiting for the next poll.
  useEffect(() => {
    const offs = [
      transport().on('job.status', () => void refresh()),
      transport().on('connection.status', () => void refresh())
    ]
    return () => offs.forEach((off) => off())
  }, [refresh])

  return (
    <Stack data-testid="dashboard">
      <Title order={1}>Dashboard</Title>
      {error && up && <ErrorAlert testId="dashboard-error" title="Could not read the system status" error={error} />}
      {status ? (
        <>
          <Grid gap="md">
            <Grid.Col span={{ base: 12, lg: 8 }}>
              <ThroughputChart throughput={status.throughput} />
            </Grid.Col>
            <Grid.Col span={{ base: 12, lg: 4 }}>
              <Stack gap="md">
                <RunningJobs />
                <RecentFailures failures={status.recentFailures} />
              </Stack>
            </Grid.Col>
          </Grid>
          <StatusCards status={status} />
        </>
      ) : (
        !error && <Loader data-testid="dashboard-loading" />
      )}
    </Stack>
  )
}
