import type { JobStatus, TableStatus } from '../../../shared/contract'
import type { Job, JobTable, SyncConfig } from '../../../shared/syncs'

/** How jobs and their tables read on screen. Pure, unit-tested. */

export const JOB_STATUS_COLOR: Record<JobStatus, string> = {
  queued: 'gray',
  running: 'blue',
  succeeded: 'green',
  failed: 'red',
  cancelled: 'orange',
  interrupted: 'yellow'
}

export const TABLE_STATUS_COLOR: Record<TableStatus, string> = {
  pending: 'gray',
  copying: 'blue',
  verifying: 'teal',
  ready: 'cyan',
  done: 'green',
  failed: 'red',
  cancelled: 'orange',
  skipped: 'gray'
}

export const JOB_STATUS_HELP: Record<JobStatus, string> = {
  queued: 'Waiting for a free slot (sync.max_concurrency).',
  running: 'Copying and verifying.',
  succeeded: 'Every table was copied; see the verification per table.',
  failed: 'Stopped by an error; the tables it had not finished are unchanged under "replace".',
  cancelled: 'Stopped by a user; under "replace" the target tables are unchanged.',
  interrupted: 'DB-Taxi stopped while it ran (shutdown or crash). It resumes from its last checkpoint.'
}

export type Verification =
  | { kind: 'verified'; text: string }
  | { kind: 'different'; text: string; detail: string | null }
  | { kind: 'none'; text: string }
  | { kind: 'pending'; text: string }

/** Key values as the engine reports them: strings, or `{hex}` for binary key parts. */
function keyText(key: unknown): string | null {
  if (!Array.isArray(key)) return null
  const parts = key.map((v) => {
    if (v && typeof v === 'object' && 'hex' in v) return `0x${String((v as { hex: unknown }).hex)}`
    return String(v)
  })
  return parts.length === 1 ? parts[0]! : `(${parts.join(', ')})`
}

const KIND_TEXT: Record<string, string> = {
  'missing-on-target': 'missing on the target',
  'extra-on-target': 'extra on the target',
  different: 'different values'
}

/**
 * The first difference verification found: `chunk 3, key 1042: missing on the target`. Shapes are
 * read defensively (the field is `unknown` in the contract).
 */
export function describeFirstDifference(diff: unknown): string | null {
  if (!diff || typeof diff !== 'object') return null
  const d = diff as Record<string, unknown>
  const parts: string[] = []
  if (typeof d.chunk === 'number') parts.push(`chunk ${d.chunk + 1}`)
  const key = keyText(d.key)
  if (key !== null) parts.push(`key ${key}`)
  else {
    const after = keyText(d.after)
    const upTo = keyText(d.upTo)
    if (after !== null || upTo !== null) parts.push(`keys ${after !== null ? `after ${after}` : 'from the start'} up to ${upTo ?? 'the end'}`)
  }
  if (typeof d.sourceRows === 'number' && typeof d.targetRows === 'number' && d.sourceRows !== d.targetRows) {
    parts.push(`${d.sourceRows} source rows vs ${d.targetRows} target rows`)
  }
  const kind = typeof d.kind === 'string' ? (KIND_TEXT[d.kind] ?? d.kind) : null
  if (parts.length === 0 && !kind) return null
  return kind ? `${parts.join(', ')}${parts.length ? ': ' : ''}${kind}` : parts.join(', ')
}

export function verificationOf(t: Pick<JobTable, 'status' | 'verified' | 'firstDifference'>): Verification {
  if (t.verified === true) return { kind: 'verified', text: 'verified ✓' }
  if (t.verified === false) return { kind: 'different', text: 'NOT IDENTICAL', detail: describeFirstDifference(t.firstDifference) }
  if (t.status === 'pending' || t.status === 'copying' || t.status === 'verifying') return { kind: 'pending', text: t.status === 'verifying' ? 'verifying…' : '—' }
  return { kind: 'none', text: 'not verified' }
}

/** A one-line verdict for a whole job (Jobs list). */
export function jobVerification(job: Pick<Job, 'status' | 'tables'>): Verification {
  if (job.tables.length === 0) return { kind: 'none', text: '—' }
  const different = job.tables.filter((t) => t.verified === false).length
  if (different > 0) return { kind: 'different', text: `${different} NOT IDENTICAL`, detail: null }
  const verified = job.tables.filter((t) => t.verified === true).length
  if (verified === job.tables.length) return { kind: 'verified', text: 'verified ✓' }
  if (job.status === 'running' || job.status === 'queued') return { kind: 'pending', text: `${verified}/${job.tables.length} verified` }
  if (verified === 0) return { kind: 'none', text: 'not verified' }
  return { kind: 'none', text: `${verified}/${job.tables.length} verified` }
}

/** `running`: the job has not stored it yet (it is known at the end), rather than "none". */
export function consistencyText(c: string | null | undefined, running = false): string {
  if (c === 'global') return 'one consistent point for all tables'
  if (c === 'per-table') return 'per-table snapshots'
  if (c) return c
  return running ? 'shown when the run ends' : '—'
}

export function writePathText(p: string | null | undefined, running = false): string {
  if (p === 'bulk') return 'array binding (MariaDB bulk INSERT)'
  if (p === 'load-data') return 'LOAD DATA LOCAL INFILE'
  if (p === 'insert') return 'multi-row INSERT'
  if (p) return p
  return running ? 'shown when the run ends' : '—'
}

export function triggerText(trigger: string): string {
  if (trigger === 'manual') return 'manual'
  if (trigger === 'schedule') return 'schedule'
  if (trigger === 'catch-up' || trigger === 'catchup') return 'catch-up'
  return trigger
}

/** A short id for tables and titles; the full id stays in the URL and the tooltip. */
export const shortId = (id: string): string => id.slice(0, 8)

/**
 * How many times the run was started: `1`, or `3 (2 retries or resumes)`. Null when the job does not
 * say (an older backend), so the detail leaves the line out.
 */
export function attemptsText(attempts: number | null | undefined): string | null {
  if (typeof attempts !== 'number' || !Number.isFinite(attempts) || attempts < 1) return null
  const n = Math.floor(attempts)
  if (n === 1) return '1'
  const more = n - 1
  return `${n} (${more} ${more === 1 ? 'retry or resume' : 'retries or resumes'})`
}

/** `12 chunks` committed of one table; null when the job does not report chunks. */
export function chunksText(chunksDone: number | null | undefined): string | null {
  if (typeof chunksDone !== 'number' || !Number.isFinite(chunksDone) || chunksDone < 0) return null
  const n = Math.floor(chunksDone)
  return `${n.toLocaleString('en-US')} ${n === 1 ? 'chunk' : 'chunks'}`
}

/**
 * The config a job ran with (its snapshot, from `jobs.get`), as short lines for the job detail:
 * databases, the tables asked for (renames, filters, skipped columns) and the options that matter.
 */
export function configLines(config: SyncConfig | undefined): string[] {
  if (!config) return []
  const lines = [`${config.sourceDatabase} → ${config.targetDatabase}`]
  if (config.allTables) {
    const inc = config.allTables.include?.length ? ` matching ${config.allTables.include.join(', ')}` : ''
    const exc = config.allTables.exclude?.length ? `, except ${config.allTables.exclude.join(', ')}` : ''
    lines.push(`All tables${inc}${exc}`)
  }
  for (const t of config.tables ?? []) {
    const parts = [t.target && t.target !== t.source ? `${t.source} → ${t.target}` : t.source]
    if (t.where) parts.push(`where ${t.where}`)
    if (t.excludeColumns?.length) parts.push(`without ${t.excludeColumns.join(', ')}`)
    if (t.mode === 'incremental') parts.push(`incremental by ${(t.cursor ?? []).join(', ')}`)
    if (t.mode === 'diff') parts.push('diff')
    lines.push(parts.join('; '))
  }
  const o = config.options ?? {}
  const opts = [
    `existing tables: ${o.onExists ?? 'replace'}`,
    o.chunkRows ? `${o.chunkRows.toLocaleString('en-US')} rows per chunk` : null,
    o.parallelism ? `parallelism ${o.parallelism}` : null,
    o.verify === false ? 'not verified' : null,
    o.createMissing === false ? 'no missing tables created' : null,
    o.recreateOnMismatch ? 'recreated on schema mismatch' : null,
    o.writePath && o.writePath !== 'auto' ? `write path ${o.writePath}` : null,
    ...(['views', 'triggers', 'routines'] as const).filter((k) => o.objects?.[k]).map((k) => `with ${k}`)
  ].filter((x): x is string => x !== null)
  lines.push(opts.join(', '))
  return lines
}
