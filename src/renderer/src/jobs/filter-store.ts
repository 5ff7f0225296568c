import { create } from 'zustand'
import { DEFAULT_PAGE_SIZE, EMPTY_JOB_FILTERS, type JobFilterForm } from './filters'

interface JobFiltersState {
  form: JobFilterForm
  /** 1-based. */
  page: number
  pageSize: number
  /** Changes filters and goes back to the first page (the old page number means nothing under new filters). */
  setFilters(patch: Partial<JobFilterForm>): void
  setPage(page: number): void
  setPageSize(size: number): void
  reset(): void
}

/** The Jobs page's filters and page, kept while a job's detail is open so "All jobs" comes back to them. */
export const useJobFilters = create<JobFiltersState>()((set) => ({
  form: EMPTY_JOB_FILTERS,
  page: 1,
  pageSize: DEFAULT_PAGE_SIZE,
  setFilters(patch) {
    set((s) => ({ form: { ...s.form, ...patch }, page: 1 }))
  },
  setPage(page) {
    set({ page })
  },
  setPageSize(pageSize) {
    set({ pageSize, page: 1 })
  },
  reset() {
    set({ form: EMPTY_JOB_FILTERS, page: 1 })
  }
}))
