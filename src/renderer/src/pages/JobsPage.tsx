import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { EmptyState, Group, Loader, Pagination, Select, Stack, Text, Title } from '@mantine/core'
import type { ErrorBody } from '../../../shared/errors'
import type { JobList } from '../../../shared/syncs'
import { toErrorBody } from '../api/client'
import { api, transport } from '../api/runtime'
import { ErrorAlert } from '../components/ErrorAlert'
import { JobDetail } from '../components/jobs/JobDetail'
import { JobFilters } from '../components/jobs/JobFilters'
import { JobsTable } from '../components/jobs/JobsTable'
import { useInterval } from '../hooks/useInterval'
import { useJobFilters } from '../jobs/filter-store'
import { clampPage, isFiltered, jobListRequest, pageCount, pageRangeText, PAGE_SIZES } from '../jobs/filters'
import { useConnectivity } from '../stores/connectivity'
import { useRoute } from '../stores/route'
import { useSyncs } from '../stores/syncs'

const POLL_MS = 5000

export function JobsPage() {
  const rest = useRoute((s) => s.rest)
  if (rest[0]) return <JobDetail key={rest[0]} id={rest[0]} />
  return <JobsList />
}

/** Filterable (status, sync, creation dates), paged list of jobs, newest first. */
function JobsList() {
  // Filters and page live in a store, so coming back from a job's detail finds them as they were.
  const { form, page, pageSize, setFilters, setPage, setPageSize, reset } = useJobFilters()
  const [list, setList] = useState<JobList | null>(null)
  const [error, setError] = useState<ErrorBody | null>(null)
  const syncs = useSyncs((s) => s.items)
  const up = useConnectivity((s) => s.up)
  const request = useRef(0)
  const req = useMemo(() => jobListRequest(form, page, pageSize), [form, page, pageSize])

  const load = useCallback(() => {
    // A half-typed or reversed date range is shown under its field; the last answer stays on screen.
    if (!req.ok) return
    const n = ++request.current
    api()
      .call('jobs.list', req.input)
      .then((l) => {
        if (n !== request.current) return
        setList(l)
        setError(null)
        const fit = clampPage(page, l.total, pageSize)
        if (fit !== page) setPage(fit)
      })
      .catch((err: unknown) => n === request.current && setError(toErrorBody(err)))
  }, [req, page, pageSize, setPage])

  useEffect(() => load(), [load])
  useEffect(() => {
    void useSyncs.getState().load()
  }, [])
  useInterval(load, POLL_MS)
  useEffect(() => transport().on('job.status', () => load()), [load])

  const pages = list ? pageCount(list.total, pageSize) : 1
  const filtered = isFiltered(form)

  return (
    <Stack data-testid="jobs" gap="md">
      <div>
        <Title order={1}>Jobs</Title>
        <Text size="sm" c="dimmed">
          Every run of a sync, with its progress, log and verification result.
        </Text>
      </div>
      <Group gap="sm" align="flex-end" justify="space-between">
        <JobFilters form={form} syncs={syncs ?? []} request={req} filtered={filtered} onChange={setFilters} onClear={reset} />
        {list && (
          <Text size="sm" c="dimmed" pb={8} data-testid="jobs-total">
            {list.total} {list.total === 1 ? 'job' : 'jobs'}
          </Text>
        )}
      </Group>
      {error && up && <ErrorAlert testId="jobs-error" title="Could not read the jobs" error={error} />}
      {list === null ? (
        !error && <Loader data-testid="jobs-loading" />
      ) : list.jobs.length === 0 && list.total === 0 ? (
        <EmptyState
          data-testid="jobs-empty"
          title={filtered ? 'No job matches these filters' : 'No jobs yet'}
          description={filtered ? 'Change the filters to see other jobs.' : 'Run a sync from the Syncs page; every run is listed here with its progress, log and verification.'}
        />
      ) : (
        <>
          <JobsTable jobs={list.jobs} />
          <Group justify="space-between" gap="sm">
            <Group gap="sm">
              {pages > 1 && <Pagination total={pages} value={Math.min(page, pages)} onChange={setPage} data-testid="jobs-pagination" />}
              <Text size="sm" c="dimmed" data-testid="jobs-range">
                {pageRangeText(Math.min(page, pages), pageSize, list.total)}
              </Text>
            </Group>
            <Select
              aria-label="Jobs per page"
              w={130}
              allowDeselect={false}
              data={PAGE_SIZES.map((n) => ({ value: String(n), label: `${n} per page` }))}
              value={String(pageSize)}
              onChange={(v) => v && setPageSize(Number(v))}
              data-testid="jobs-page-size"
            />
          </Group>
        </>
      )}
    </Stack>
  )
}
