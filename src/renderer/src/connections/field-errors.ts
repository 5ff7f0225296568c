import type { ErrorBody } from '../../../shared/errors'

/**
 * Server-side refusals of the connection form mapped onto its fields. Keys are contract paths
 * (`host`, `ssh.hostKeyFingerprint`, `connectTimeoutMs`); `connections.test` reports them under
 * `draft.`, which is stripped so the same field lights up whichever button was pressed.
 */

export type FieldErrors = Record<string, string>

/** The form's tabs and the contract paths each one shows. */
export const FORM_TABS = ['general', 'tls', 'ssh', 'advanced'] as const
export type FormTab = (typeof FORM_TABS)[number]

export function tabOf(path: string): FormTab {
  if (path.startsWith('tls.')) return 'tls'
  if (path.startsWith('ssh.') || path === 'ssh') return 'ssh'
  if (path === 'connectTimeoutMs' || path === 'poolSize') return 'advanced'
  return 'general'
}

/** Paths the form has an input for; an issue anywhere else is shown above the form instead. */
export const FIELD_PATHS = new Set([
  'name',
  'host',
  'port',
  'user',
  'password',
  'database',
  'readOnly',
  'tls.mode',
  'tls.ca',
  'tls.cert',
  'tls.key',
  'ssh.host',
  'ssh.port',
  'ssh.user',
  'ssh.password',
  'ssh.privateKey',
  'ssh.passphrase',
  'ssh.hostKeyFingerprint',
  'connectTimeoutMs',
  'poolSize'
])

const capitalize = (s: string): string => (s ? s[0]!.toUpperCase() + s.slice(1) : s)

interface Issue {
  path: string
  message: string
}

function issuesOf(details: unknown): Issue[] {
  if (!details || typeof details !== 'object' || !('issues' in details)) return []
  const issues = (details as { issues: unknown }).issues
  if (!Array.isArray(issues)) return []
  return issues.filter(
    (i): i is Issue => !!i && typeof i === 'object' && typeof (i as Issue).path === 'string' && typeof (i as Issue).message === 'string'
  )
}

/**
 * Splits an error into messages per field and whatever is left for a general alert: VALIDATION
 * issues go to their fields, a CONFLICT naming a field (a taken name) to that field.
 */
export function fieldErrorsOf(error: ErrorBody): { fields: FieldErrors; rest: string[] } {
  const fields: FieldErrors = {}
  const rest: string[] = []
  if (error.code === 'VALIDATION') {
    const issues = issuesOf(error.details)
    for (const issue of issues) {
      const path = issue.path.replace(/^draft\./, '')
      if (FIELD_PATHS.has(path) && fields[path] === undefined) fields[path] = capitalize(issue.message)
      else rest.push(issue.path ? `${path}: ${issue.message}` : capitalize(issue.message))
    }
    if (issues.length === 0) rest.push(error.message)
  } else if (error.code === 'CONFLICT' && error.details && typeof error.details === 'object' && 'field' in error.details) {
    const field = String((error.details as { field: unknown }).field)
    if (FIELD_PATHS.has(field)) fields[field] = error.message
    else rest.push(error.message)
  } else {
    rest.push(error.message)
  }
  return { fields, rest }
}

/** How many errors each tab holds, for the red counts on the tab labels. */
export function errorsPerTab(fields: FieldErrors): Record<FormTab, number> {
  const counts: Record<FormTab, number> = { general: 0, tls: 0, ssh: 0, advanced: 0 }
  for (const path of Object.keys(fields)) counts[tabOf(path)]++
  return counts
}
