import { formatBytes } from '../connections/format'

/** Counts, rates and durations as the Syncs, Jobs and Dashboard pages show them. Pure, unit-tested. */

const isNum = (n: number | null | undefined): n is number => n !== null && n !== undefined && Number.isFinite(n)

/** `1,234,567`. */
export function formatCount(n: number | null | undefined): string {
  if (!isNum(n)) return '—'
  return Math.round(n).toLocaleString('en-US')
}

/** Large counts in a narrow cell or an axis label: `950`, `12.3k`, `4.5M`. */
export function formatCompact(n: number | null | undefined): string {
  if (!isNum(n)) return '—'
  const a = Math.abs(n)
  const trim = (x: number): string => (x >= 100 ? String(Math.round(x)) : x.toFixed(1).replace(/\.0$/, ''))
  if (a >= 1e9) return `${trim(n / 1e9)}G`
  if (a >= 1e6) return `${trim(n / 1e6)}M`
  if (a >= 1e3) return `${trim(n / 1e3)}k`
  return String(Math.round(n))
}

/** `12,345 rows/s`; nothing measured yet reads as a dash. */
export function formatRowRate(rowsPerSecond: number | null | undefined): string {
  if (!isNum(rowsPerSecond) || rowsPerSecond < 0) return '—'
  return `${formatCount(rowsPerSecond)} rows/s`
}

/** `1.5 MiB/s`. */
export function formatByteRate(bytesPerSecond: number | null | undefined): string {
  if (!isNum(bytesPerSecond) || bytesPerSecond < 0) return '—'
  return `${formatBytes(bytesPerSecond)}/s`
}

/** Durations of runs and ETAs: `0.4 s`, `42 s`, `3 min 5 s`, `2 h 10 min`, `3 d 4 h`. */
export function formatDurationMs(ms: number | null | undefined): string {
  if (!isNum(ms) || ms < 0) return '—'
  if (ms < 1000) return ms === 0 ? '0 s' : `${(Math.max(ms, 100) / 1000).toFixed(1)} s`
  if (ms < 10_000) return `${(Math.floor(ms / 100) / 10).toFixed(1).replace(/\.0$/, '')} s`
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`
  const h = Math.floor(m / 60)
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`
  const d = Math.floor(h / 24)
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`
}

/** Between two ISO times, or from `start` to `now` while still running. */
export function elapsedMs(start: string | null | undefined, end: string | null | undefined, now: number = Date.now()): number | null {
  if (!start) return null
  const a = Date.parse(start)
  const b = end ? Date.parse(end) : now
  if (!Number.isFinite(a) || !Number.isFinite(b)) return null
  return Math.max(0, b - a)
}

/** Local date and time, seconds included: runs are short and people compare them. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return '—'
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' })
}

/** A scheduled time with its weekday: `Fri, Nov 27, 2026, 03:30`. */
export function formatRunTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return '—'
  return d.toLocaleString(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
}

/** `in 5 min`, `3 h ago`, `just now`. */
export function formatRelative(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return '—'
  const t = Date.parse(iso)
  if (!Number.isFinite(t)) return '—'
  const diff = t - now
  const a = Math.abs(diff)
  if (a < 45_000) return diff > 0 ? 'in a few seconds' : 'just now'
  let text: string
  if (a < 3_600_000) text = `${Math.round(a / 60_000)} min`
  else if (a < 86_400_000) text = `${Math.round(a / 3_600_000)} h`
  else text = `${Math.round(a / 86_400_000)} d`
  return diff > 0 ? `in ${text}` : `${text} ago`
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`
}
