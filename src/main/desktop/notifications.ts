import type { JobStatusEvent } from '../../shared/contract'
import type { EventBus } from '../sync/events'

/**
 * Desktop notifications for finished jobs. Electron's Notification sits behind `Notifier` so the
 * rules (which statuses, what text) are tested with a fake; the app passes a real one.
 */
export interface Notifier {
  isSupported(): boolean
  show(n: { title: string; body: string; urgent: boolean; onClick?: () => void }): void
}

export interface JobNotificationDeps {
  events: EventBus
  notifier: Notifier
  /** Name of a sync config, for the text; null when it was deleted. */
  syncName(syncId: string | null): string | null
  /** Brings the window to the job (on click). */
  openJob?(jobId: string): void
  /** Whether a job ending so is notified now (the desktop preferences); absent: all of them. */
  wants?(status: JobStatusEvent['status']): boolean
}

const TEXT: Partial<Record<JobStatusEvent['status'], { title: string; urgent: boolean; body: (name: string) => string }>> = {
  succeeded: { title: 'Sync finished', urgent: false, body: (name) => `${name} is done and verified.` },
  failed: { title: 'Sync failed', urgent: true, body: (name) => `${name} failed.` },
  interrupted: { title: 'Sync interrupted', urgent: true, body: (name) => `${name} was interrupted; it resumes at the next start.` }
}

export function bindJobNotifications(d: JobNotificationDeps): () => void {
  if (!d.notifier.isSupported()) return () => undefined
  return d.events.on('job.status', (e) => {
    const kind = TEXT[e.status]
    if (!kind || (d.wants && !d.wants(e.status))) return
    const name = d.syncName(e.syncId) ?? 'A sync'
    // The error says what went wrong; without one, the status does (never "verified" for a failure).
    const body = e.error ? `${name}: ${e.error.message}` : kind.body(name)
    d.notifier.show({ title: kind.title, body, urgent: kind.urgent, onClick: d.openJob ? () => d.openJob!(e.jobId) : undefined })
  })
}
