import { describe, expect, it } from 'vitest'
import { bindJobNotifications, type Notifier } from '../../../src/main/desktop/notifications'
import { EventBus } from '../../../src/main/sync/events'

function fake(supported = true): Notifier & { shown: { title: string; body: string; urgent: boolean }[] } {
  const shown: { title: string; body: string; urgent: boolean }[] = []
  return { shown, isSupported: () => supported, show: (n) => void shown.push({ title: n.title, body: n.body, urgent: n.urgent }) }
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
    expect(notifier.shown).toEqual([
      { title: 'Sync finished', body: 'Nightly orders is done and verified.', urgent: false },
      { title: 'Sync failed', body: 'A sync: login refused', urgent: true }
    ])
    off()
    events.emit('job.status', { jobId: 'j4', syncId: 's1', status: 'failed' })
    expect(notifier.shown).toHaveLength(2)
  })

  it('stays silent where notifications are not supported', () => {
    const events = new EventBus()
    const notifier = fake(false)
    bindJobNotifications({ events, notifier, syncName: () => null })
    events.emit('job.status', { jobId: 'j', syncId: null, status: 'failed' })
    expect(notifier.shown).toEqual([])
  })
})
