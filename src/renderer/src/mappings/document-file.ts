import type { DocumentFormat, ImportChange, ImportReport } from '../../../shared/config-document'

/** Browser-side helpers of Settings > Import and export: file names, downloads, what a report says. */

/** `db-taxi-2026-12-04.yaml`, or `db-taxi-nightly-2026-12-04.json` for one sync. */
export function exportFileName(format: DocumentFormat, what?: string, now = new Date()): string {
  const day = now.toISOString().slice(0, 10)
  const part = what ? `-${what.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60)}` : ''
  return `db-taxi${part}-${day}.${format === 'json' ? 'json' : 'yaml'}`
}

/** Saves text as a file through the browser's download (no server round trip). */
export function downloadText(name: string, text: string, format: DocumentFormat): void {
  const blob = new Blob([text], { type: format === 'json' ? 'application/json' : 'application/yaml' })
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 0)
}

/** A document with secrets sealed in asks for the passphrase before anything else. */
export function hasSealedSecrets(text: string): boolean {
  // The sealed block itself, as YAML or JSON writes it (the YAML header comment mentions ${sealed} too).
  return /^sealed:/m.test(text) || /"sealed"\s*:/.test(text)
}

export const ACTION_COLOR: Record<ImportChange['action'], string> = {
  create: 'green',
  update: 'blue',
  unchanged: 'gray',
  skip: 'yellow',
  delete: 'red'
}

/** One line for the report: "3 to create, 1 to update, 4 unchanged". */
export function summaryLine(r: ImportReport, done: boolean): string {
  const s = r.summary
  const parts = [
    s.create && `${s.create} ${done ? 'created' : 'to create'}`,
    s.update && `${s.update} ${done ? 'updated' : 'to update'}`,
    s.delete && `${s.delete} ${done ? 'deleted' : 'to delete'}`,
    s.skip && `${s.skip} ${done ? 'skipped' : 'to skip'}`,
    s.unchanged && `${s.unchanged} unchanged`
  ].filter(Boolean)
  if (s.create + s.update + s.delete === 0 && s.skip > 0) {
    return `Nothing ${done ? 'was' : 'will be'} written: ${s.skip} existing item${s.skip === 1 ? '' : 's'} differ${s.skip === 1 ? 's' : ''} and ${s.skip === 1 ? 'is' : 'are'} skipped (choose overwrite or rename to change ${s.skip === 1 ? 'it' : 'them'}).`
  }
  if (s.create + s.update + s.delete === 0) return `Nothing to change${parts.length ? ` (${parts.join(', ')})` : ''}.`
  return parts.join(', ') + '.'
}

/** Whether an item of the report has a counterpart in the store, so a conflict policy applies to it. */
export function isConflict(c: ImportChange): boolean {
  return c.action === 'skip' || c.action === 'update' || (c.action === 'create' && c.as !== undefined)
}
