import type { JobLogEvent, MethodOutput } from '../../../shared/contract'

/** Log lines of one job: stored lines from `jobs.logs` (with ids) and live `job.log` events (without). */

export type StoredLine = MethodOutput<'jobs.logs'>[number]

export interface LogLine {
  /** Stored lines have an id; a live line has none until the log is read again. */
  id: number | null
  ts: string
  level: string
  table: string | null
  message: string
}

export const fromStored = (l: StoredLine): LogLine => ({ id: l.id, ts: l.ts, level: l.level, table: l.table, message: l.message })
export const fromEvent = (e: JobLogEvent): LogLine => ({ id: null, ts: e.ts, level: e.level, table: e.table ?? null, message: e.message })

/** The event's time and the stored time are taken separately and can differ by a few ms. */
const SAME_LINE_WINDOW_MS = 2000

function sameLine(a: LogLine, b: LogLine): boolean {
  return (
    a.message === b.message &&
    a.level === b.level &&
    (a.table ?? null) === (b.table ?? null) &&
    Math.abs(Date.parse(a.ts) - Date.parse(b.ts)) <= SAME_LINE_WINDOW_MS
  )
}

/**
 * Stored lines first, then live lines that are not already among them. Events that arrived while
 * the stored lines were being read are in both; they are shown once.
 */
export function mergeLogs(stored: LogLine[], live: LogLine[]): LogLine[] {
  const recent = stored.slice(-200)
  const fresh = live.filter((l) => !recent.some((s) => sameLine(s, l)))
  return [...stored, ...fresh]
}

/** Keeps the log view bounded on very long runs. */
export const MAX_LOG_LINES = 5000

export function appendLive(lines: LogLine[], line: LogLine): LogLine[] {
  const next = [...lines, line]
  return next.length > MAX_LOG_LINES ? next.slice(next.length - MAX_LOG_LINES) : next
}

export const LEVEL_COLOR: Record<string, string> = { error: 'red', warn: 'orange', info: 'blue', debug: 'gray' }
