import { useState } from 'react'
import { Alert, Button, Group, Tooltip } from '@mantine/core'
import type { ErrorBody } from '../../../../shared/errors'
import type { Job } from '../../../../shared/syncs'
import { toErrorBody } from '../../api/client'
import { callOptional } from '../../api/optional'
import { api } from '../../api/runtime'
import { availableJobActions, jobIdAfterAction, type JobAction } from '../../jobs/actions'
import { isActive } from '../../jobs/progress'
import { jobHash } from '../../routing/routes'
import { useRoute } from '../../stores/route'

/**
 * Cancel while queued or running, Discard for an interrupted job (drops the shadow tables it kept for
 * its resume); Retry and Resume when the backend has them (see jobs/actions.ts).
 */
export function JobActions({ job, onChanged }: { job: Pick<Job, 'id' | 'status'>; onChanged(): void }) {
  const [busy, setBusy] = useState<string | null>(null)
  const [error, setError] = useState<ErrorBody | null>(null)
  const go = useRoute((s) => s.go)

  const cancel = async (): Promise<void> => {
    setBusy('cancel')
    setError(null)
    try {
      await api().call('jobs.cancel', { id: job.id })
      onChanged()
    } catch (err) {
      setError(toErrorBody(err))
    } finally {
      setBusy(null)
    }
  }

  const perform = async (a: JobAction): Promise<void> => {
    setBusy(a.key)
    setError(null)
    try {
      const result = await callOptional(a.method, { id: job.id })
      const next = jobIdAfterAction(result, job.id)
      if (next !== job.id) go(jobHash(next))
      else onChanged()
    } catch (err) {
      setError(toErrorBody(err))
    } finally {
      setBusy(null)
    }
  }

  const actions = availableJobActions(job.status)
  return (
    <div>
      <Group gap="xs">
        {isActive(job.status) && (
          <Button color="red" variant="light" onClick={() => void cancel()} loading={busy === 'cancel'} data-testid="job-cancel">
            Cancel
          </Button>
        )}
        {job.status === 'interrupted' && (
          <Tooltip label="Give up on this job: the shadow tables it kept for its resume are dropped; the target tables stay as they were." withArrow multiline w={260}>
            <Button color="red" variant="light" onClick={() => void cancel()} loading={busy === 'cancel'} data-testid="job-discard">
              Discard
            </Button>
          </Tooltip>
        )}
        {actions.map((a) => (
          <Tooltip key={a.key} label={a.description} withArrow multiline w={260}>
            <Button variant="light" onClick={() => void perform(a)} loading={busy === a.key} data-testid={`job-${a.key}`}>
              {a.label}
            </Button>
          </Tooltip>
        ))}
      </Group>
      {error && (
        <Alert color="red" mt="xs" p="xs" data-testid="job-action-error">
          {error.message} ({error.code})
        </Alert>
      )}
    </div>
  )
}
