import { useCallback, useEffect, useRef, useState } from 'react'
import type { ErrorBody } from '../../../shared/errors'
import { toErrorBody } from '../api/client'
import { api, transport } from '../api/runtime'
import { appendLive, fromEvent, fromStored, mergeLogs, type LogLine } from '../jobs/logs'
import { applyProgress, applyStatus, isActive, mergeSnapshot, type LiveJob } from '../jobs/progress'
import { useInterval } from './useInterval'

/** While a job is active, `jobs.get` is asked this often besides the events. */
export const JOB_POLL_MS = 2000
const LOG_LIMIT = 5000

export interface LiveJobState {
  job: LiveJob | null
  error: ErrorBody | null
  logs: LogLine[]
  logsError: ErrorBody | null
  /** Re-reads the job now (after an action). */
  refresh(): void
}

/**
 * One job kept live: `jobs.get` at start and every 2 s while it is queued or running, `job.progress`
 * and `job.status` events in between; its log from `jobs.logs`, then `job.log` events as they come.
 */
export function useLiveJob(id: string): LiveJobState {
  const [job, setJob] = useState<LiveJob | null>(null)
  const [error, setError] = useState<ErrorBody | null>(null)
  const [logs, setLogs] = useState<LogLine[]>([])
  const [logsError, setLogsError] = useState<ErrorBody | null>(null)
  const inFlight = useRef(false)

  const fetchJob = useCallback(() => {
    if (inFlight.current) return
    inFlight.current = true
    api()
      .call('jobs.get', { id })
      .then((j) => {
        setJob((prev) => mergeSnapshot(prev && prev.id === j.id ? prev : null, j))
        setError(null)
      })
      .catch((err: unknown) => setError(toErrorBody(err)))
      .finally(() => {
        inFlight.current = false
      })
  }, [id])

  /** The whole stored log, with live lines that came while it was read kept once. */
  const fetchLogs = useCallback(
    () =>
      api()
        .call('jobs.logs', { id, limit: LOG_LIMIT })
        .then((stored) => {
          setLogs((current) => mergeLogs(stored.map(fromStored), current.filter((l) => l.id === null)))
          setLogsError(null)
        })
        .catch((err: unknown) => setLogsError(toErrorBody(err))),
    [id]
  )

  useEffect(() => {
    setJob(null)
    setLogs([])
    fetchJob()
    const offs = [
      transport().on('job.progress', (ev) => {
        if (ev.jobId === id) setJob((j) => (j ? applyProgress(j, ev) : j))
      }),
      transport().on('job.status', (ev) => {
        if (ev.jobId !== id) return
        setJob((j) => (j ? applyStatus(j, ev) : j))
        // Final numbers, verification and timings are in the stored job.
        inFlight.current = false
        fetchJob()
        if (!isActive(ev.status)) void fetchLogs()
      }),
      transport().on('job.log', (ev) => {
        if (ev.jobId === id) setLogs((l) => appendLive(l, fromEvent(ev)))
      })
    ]
    void fetchLogs()
    return () => offs.forEach((off) => off())
  }, [id, fetchJob, fetchLogs])

  useInterval(fetchJob, JOB_POLL_MS, job !== null && isActive(job.status))

  return { job, error, logs, logsError, refresh: fetchJob }
}
