import { useCallback, useEffect, useRef, useState } from 'react'
import { EmptyState, Group, Loader, Pagination, Select, Stack, Text, Title } from '@mantine/core'
import type { MethodInput } from '../../../shared/contract'
import type { ErrorBody } from '../../../shared/errors'
import { JOB_STATUSES, type JobList } from '../../../shared/syncs'
import { toErrorBody } from '../api/client'
import { api, transport } from '../api/runtime'
import { ErrorAlert } from '../components/ErrorAlert'
import { JobDetail } from '../components/jobs/JobDetail'
import { JobsTable } from '../components/jobs/JobsTable'
import { useInterval } from '../hooks/useInterval'
import { useConnectivity } from '../stores/connectivity'
import { useRoute } from '../stores/route'
import { useSyncs } from '../stores/syncs'

export const PAGE_SIZE = 20
const POLL_MS = 5000

type StatusFilter = (typeof JOB_STATUSES)[number] | 'all'

export function JobsPage() {
  const rest = useRoute((s) => s.rest)
  if (rest[0]) return <JobDetail key={rest[0]} id={rest[0]} />
  return <JobsList />
}

/** Filterable, paged list of jobs, newest first. */
function JobsList() {
  const [status, setStatus] = useState<StatusFilter>('all')
  const [syncId, setSyncId] = useState<string | null>(null)
  const [page, setPage] = useState(1)
  const [list, setList] = useState<JobList | null>(null)
  const [error, setError] = useState<ErrorBody | null>(null)
  const syncs = useSyncs((s) => s.items)
  const up = useConnectivity((s) => s.up)
  const request = useRef(0)

  const load = useCallback(() => {
    const n = ++request.current
    const input: NonNullable<MethodInput<'jobs.list'>> = { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }
    if (status !== 'all') input.status = status
    if (syncId) input.syncId = syncId
    api()
      .call('jobs.list', input)
      .then((l) => {
        if (n !== request.current) return
        setList(l)
        setError(null)
      })
      .catch((err: unknown) => n === request.current && setError(toErrorBody(err)))
  }, [status, syncId, page])

  useEffect(() => load(), [load])
  useEffect(() => {
    void useSyncs.getState().load()
  }, [])
  useInterval(load, POLL_MS)
  useEffect(() => transport().on('job.status', () => load()), [load])

  const pages = list ? Math.max(1, Math.ceil(list.total / PAGE_SIZE)) : 1
  const filtered = status !== 'all' || syncId !== null

  return (
    <Stack data-testid="jobs" gap="md">
      <div>
        <Title order={1}>Jobs</Title>
        <Text size="sm" c="dimmed">
          Every run of a sync, with its progress, log and verification result.
        </Text>
      </div>
      <Group gap="sm" align="flex-end">
        <Select
          label="Status"
          w={180}
          allowDeselect={false}
          data={[{ value: 'all', label: 'Any status' }, ...JOB_STATUSES.map((s) => ({ value: s, label: s }))]}
          value={status}
          onChange={(v) => {
            setStatus((v ?? 'all') as StatusFilter)
            setPage(1)
          }}
          data-testid="jobs-filter-status"
        />
        <Select
          label="Sync"
          w={260}
          clearable
          searchable
          placeholder="Any sync"
          data={(syncs ?? []).map((s) => ({ value: s.id, label: s.name }))}
          value={syncId}
          onChange={(v) => {
            setSyncId(v)
            setPage(1)
          }}
          data-testid="jobs-filter-sync"
        />
        {list && (
          <Text size="sm" c="dimmed" pb={8} data-testid="jobs-total">
            {list.total} {list.total === 1 ? 'job' : 'jobs'}
          </Text>
        )}
      </Group>
      {error && up && <ErrorAlert testId="jobs-error" title="Could not read the jobs" error={error} />}
      {list === null ? (
        !error && <Loader data-testid="jobs-loading" />
      ) : list.jobs.length === 0 ? (
        <EmptyState
          data-testid="jobs-empty"
          title={filtered ? 'No job matches these filters' : 'No jobs yet'}
          description={filtered ? 'Change the filters to see other jobs.' : 'Run a sync from the Syncs page; every run is listed here with its progress, log and verification.'}
        />
      ) : (
        <>
          <JobsTable jobs={list.jobs} />
          {pages > 1 && <Pagination total={pages} value={page} onChange={setPage} data-testid="jobs-pagination" />}
        </>
      )}
    </Stack>
  )
}
