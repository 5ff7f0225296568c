import type { MethodInput } from '../../../shared/contract'
import type { JobStatus } from '../../../shared/contract-states'

/**
 * The Jobs page's filter form and how it becomes a `jobs.list` call. Pure, unit-tested.
 *
 * Dates are picked as whole days in the user's local time and both days are included: the range
 * 2026-03-01..2026-03-02 asks for `from` = local midnight starting March 1st and `to` = local midnight
 * starting March 3rd (`to` is exclusive in the API). The instants carry their zone (`toISOString`), so
 * the server never has to guess the browser's.
 */

export type StatusFilter = JobStatus | 'all'

export interface JobFilterForm {
  status: StatusFilter
  syncId: string | null
  /** `YYYY-MM-DD` as a date input gives it; '' for no lower bound. */
  fromDay: string
  /** `YYYY-MM-DD`, included; '' for no upper bound. */
  toDay: string
}

export const EMPTY_JOB_FILTERS: JobFilterForm = { status: 'all', syncId: null, fromDay: '', toDay: '' }

export const PAGE_SIZES = [20, 50, 100] as const
export const DEFAULT_PAGE_SIZE: number = PAGE_SIZES[0]

export type JobListInput = NonNullable<MethodInput<'jobs.list'>>

export type JobListRequest =
  | { ok: true; input: JobListInput }
  /** The form cannot be asked yet; the message goes under the named field. */
  | { ok: false; field: 'fromDay' | 'toDay'; message: string }

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/

/**
 * Local midnight at the start of `YYYY-MM-DD`, `days` later; null for anything that is not a real
 * calendar day between the years 1000 and 9999 (a date input can hold odd years while being typed).
 */
export function localDayStart(day: string, days = 0): Date | null {
  const m = DAY_RE.exec(day)
  if (!m) return null
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > 31) return null
  // setFullYear, not the constructor: new Date(99, ...) would mean 1999.
  const date = new Date(2000, 0, 1, 0, 0, 0, 0)
  date.setFullYear(y, mo - 1, d)
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d) return null
  if (days) date.setDate(date.getDate() + days)
  return date
}

/** The `jobs.list` input for a form and a page (1-based), or why the form cannot be sent as it is. */
export function jobListRequest(form: JobFilterForm, page: number, pageSize: number = DEFAULT_PAGE_SIZE): JobListRequest {
  const input: JobListInput = { limit: pageSize, offset: Math.max(0, Math.floor(page) - 1) * pageSize }
  if (form.status !== 'all') input.status = form.status
  if (form.syncId) input.syncId = form.syncId
  const fromDay = form.fromDay.trim()
  const toDay = form.toDay.trim()
  if (fromDay) {
    const from = localDayStart(fromDay)
    if (!from) return { ok: false, field: 'fromDay', message: 'Not a valid date.' }
    input.from = from.toISOString()
  }
  if (toDay) {
    const end = localDayStart(toDay, 1)
    if (!end) return { ok: false, field: 'toDay', message: 'Not a valid date.' }
    input.to = end.toISOString()
  }
  if (input.from && input.to && Date.parse(input.from) >= Date.parse(input.to)) {
    return { ok: false, field: 'toDay', message: 'Ends before it starts.' }
  }
  return { ok: true, input }
}

/** Whether any filter narrows the list (the empty state then says "no match" rather than "no jobs yet"). */
export function isFiltered(form: JobFilterForm): boolean {
  return form.status !== 'all' || form.syncId !== null || form.fromDay.trim() !== '' || form.toDay.trim() !== ''
}

export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize))
}

/**
 * The page to show once the total is known: the same one while it still exists, else the last one
 * (jobs can disappear under a page: retention, a deleted sync).
 */
export function clampPage(page: number, total: number, pageSize: number): number {
  return Math.min(Math.max(1, page), pageCount(total, pageSize))
}

/** `21–40 of 57`; `0 of 0` when empty. */
export function pageRangeText(page: number, pageSize: number, total: number): string {
  if (total <= 0) return '0 of 0'
  const first = (page - 1) * pageSize + 1
  if (first > total) return `0 of ${total.toLocaleString('en-US')}`
  const last = Math.min(total, page * pageSize)
  return `${first.toLocaleString('en-US')}–${last.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}`
}
