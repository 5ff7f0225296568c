import { Button, Group, Select, TextInput } from '@mantine/core'
import { JOB_STATUSES } from '../../../../shared/syncs'
import type { JobFilterForm, JobListRequest, StatusFilter } from '../../jobs/filters'

/**
 * Status, sync and date range (whole local days, both included) over the Jobs list. Plain date inputs:
 * the browser's own picker, no date library.
 */
export function JobFilters({
  form,
  syncs,
  request,
  filtered,
  onChange,
  onClear
}: {
  form: JobFilterForm
  syncs: { id: string; name: string }[]
  /** The form as a jobs.list call, for the message under a date that cannot be sent. */
  request: JobListRequest
  filtered: boolean
  onChange(patch: Partial<JobFilterForm>): void
  onClear(): void
}) {
  const dateError = (field: 'fromDay' | 'toDay'): string | undefined => (!request.ok && request.field === field ? request.message : undefined)
  return (
    <Group gap="sm" align="flex-start" data-testid="jobs-filters">
      <Select
        label="Status"
        w={180}
        allowDeselect={false}
        data={[{ value: 'all', label: 'Any status' }, ...JOB_STATUSES.map((s) => ({ value: s, label: s }))]}
        value={form.status}
        onChange={(v) => onChange({ status: (v ?? 'all') as StatusFilter })}
        data-testid="jobs-filter-status"
      />
      <Select
        label="Sync"
        w={260}
        clearable
        searchable
        placeholder="Any sync"
        data={syncs.map((s) => ({ value: s.id, label: s.name }))}
        value={form.syncId}
        onChange={(v) => onChange({ syncId: v })}
        data-testid="jobs-filter-sync"
      />
      <TextInput
        type="date"
        label="Created from"
        w={170}
        value={form.fromDay}
        max={form.toDay || undefined}
        onChange={(e) => onChange({ fromDay: e.currentTarget.value })}
        error={dateError('fromDay')}
        data-testid="jobs-filter-from"
      />
      <TextInput
        type="date"
        label="Created to (included)"
        w={170}
        value={form.toDay}
        min={form.fromDay || undefined}
        onChange={(e) => onChange({ toDay: e.currentTarget.value })}
        error={dateError('toDay')}
        data-testid="jobs-filter-to"
      />
      {filtered && (
        <Button variant="subtle" mt={25} onClick={onClear} data-testid="jobs-filter-clear">
          Clear filters
        </Button>
      )}
    </Group>
  )
}
