import { isMethod } from '../../../shared/contract'
import type { Job } from '../../../shared/syncs'

/**
 * Job buttons beyond Cancel that need backend methods not every build has yet. Each is shown only when
 * the contract this renderer was built with declares its method (`isMethod`), so adding the method to
 * src/shared/contract.ts is all it takes to light a button up.
 */
export interface JobAction {
  key: 'retry' | 'resume'
  /** Method name as the contract will spell it; input `{id}`. */
  method: string
  label: string
  description: string
  /** Statuses for which the button makes sense. */
  when: Job['status'][]
}

export const OPTIONAL_JOB_ACTIONS: JobAction[] = [
  {
    key: 'resume',
    method: 'jobs.resume',
    label: 'Resume',
    description: 'Continue this job from its last checkpoint (same job). Finished tables are not copied again.',
    when: ['interrupted']
  },
  {
    key: 'retry',
    method: 'jobs.retry',
    label: 'Retry',
    description: 'Start a new job with the same config.',
    // An interrupted job is resumed, or discarded (Cancel) before a retry starts over.
    when: ['failed', 'cancelled']
  }
]

/** The actions to offer for a job. `has` is the contract check, injectable for tests. */
export function availableJobActions(status: Job['status'], has: (method: string) => boolean = isMethod): JobAction[] {
  return OPTIONAL_JOB_ACTIONS.filter((a) => a.when.includes(status) && has(a.method))
}

/** Which job to show after an action: a new job's id (`{jobId}`), or the same job (`{id}` / nothing). */
export function jobIdAfterAction(result: unknown, current: string): string {
  if (result && typeof result === 'object') {
    const r = result as Record<string, unknown>
    if (typeof r.jobId === 'string') return r.jobId
    if (typeof r.id === 'string') return r.id
  }
  return current
}
