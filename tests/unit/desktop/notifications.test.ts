import { describe, expect, it } from 'vitest'
import { bindJobNotifications, type Notifier } from '../../../src/main/desktop/notifications'
import { EventBus } from '../../../src/main/sync/events'

function fake(supported = true): Notifier & { shown: { title: string; body: string; urgent: boolean }[]; clicks: (() => void)[] } {
  const shown: { title: string; body: string; urgent: boolean }[] = []
  const clicks: (() => void)[] = []
  return {
    shown,
    clicks,
    isSupported: () => supported,
    show: (n) => {
      shown.push({ title: n.title, body: n.body, urgent: n.urgent })
      if (n.onClick) clicks.push(n.onClick)
    }
  }
}

describe('job notifications', () => {
  it('tells about finished and failed jobs by sync name, and nothing else', () => {
    const events = new EventBus()
    const notifier = fake()
    const opened: string[] = []
    const off = bindJobNotifications({ events, notifier, syncName: (id) => (id === 's1' ? 'Nightly orders' : null), openJob: (id) => opened.push(id) })
    events.emit('job.status', { jobId: 'j0', syncId: 's1', status: 'running' })
    events.emit('job.status', { jobId: 'j1', syncId: 's1', status: 'succeeded' })
    events.emit('job.status', { jobId: 'j2', syncId: 'gone', status: 'failed', error: { code: 'AUTH_FAILED', message: 'login refused' } })
    events.emit('job.status', { jobId: 'j3', syncId: 's1', status: 'cancelled' })
    events.emit('job.status', { jobId: 'j5', syncId: 's1', status: 'failed' })
    events.emit('job.status', { jobId: 'j6', syncId: 's1', status: 'interrupted' })
    expect(notifier.shown).toEqual([
      { title: 'Sync finished', body: 'Nightly orders is done and verified.', urgent: false },
      { title: 'Sync failed', body: 'A sync: login refused', urgent: true },
      { title: 'Sync failed', body: 'Nightly orders failed.', urgent: true },
      { title: 'Sync interrupted', body: 'Nightly orders was interrupted; it resumes at the next start.', urgent: true }
    ])
    // A click opens the job it tells about.
    for (const n of notifier.clicks) n()
    expect(opened).toEqual(['j1', 'j2', 'j5', 'j6'])
    off()
    events.emit('job.status', { jobId: 'j4', syncId: 's1', status: 'failed' })
    expect(notifier.shown).toHaveLength(4)
  })

  it('without openJob a notification has no click action', () => {
    const events = new EventBus()
    const notifier = fake()
    bindJobNotifications({ events, notifier, syncName: () => 'Nightly orders' })
    events.emit('job.status', { jobId: 'j1', syncId: 's1', status: 'failed' })
    expect(notifier.shown).toEqual([{ title: 'Sync failed', body: 'Nightly orders failed.', urgent: true }])
    expect(notifier.clicks).toEqual([])
  })

  it('stays silent where notifications are not supported', () => {
    const events = new EventBus()
    const notifier = fake(false)
    bindJobNotifications({ events, notifier, syncName: () => null })
    events.emit('job.status', { jobId: 'j', syncId: null, status: 'failed' })
    expect(notifier.shown).toEqual([])
  })
})
