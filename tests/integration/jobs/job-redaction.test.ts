import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testServer } from '../../helpers/mariadb'
import { startSystem, type TestSystem } from './support'

/**
 * A job's log lines, its error, its tables' errors and its events go through the system's redactor
 * like the log files do (the second net behind messages built never to carry a secret): a message
 * that somehow carries a saved connection's password is stored and sent without it.
 */
describe('job output goes through the redactor', () => {
  let t: TestSystem
  const pw = `S3cret-redact-${Math.random().toString(36).slice(2, 10)}`

  beforeAll(async () => {
    t = await startSystem()
    // Saving a connection registers its secret with the redactor (the server need not accept it).
    await t.connection('with-secret', { ...testServer(), password: pw })
  })

  afterAll(async () => {
    await t?.stop()
  })

  it('a job error and log line carrying the password are stored and emitted without it', async () => {
    const events: string[] = []
    const off = t.system.events.onAny((_name, payload) => events.push(JSON.stringify(payload)))
    const id = 'f00dfeed-0000-4000-8000-000000000001'
    t.system.jobs.repo.create({ id, syncId: null, trigger: 'test', snapshot: {} })
    // The engine's own paths: finish() (job error, job log, job.status event).
    ;(t.system.jobs as unknown as { finish(...a: unknown[]): void }).finish(id, null, 'failed', { code: 'COPY_FAILED', message: `the server said ${pw}` })
    off()
    const job = await t.call<{ error?: { message: string } }>('jobs.get', { id })
    expect(job.error?.message).toContain('the server said')
    expect(job.error?.message).not.toContain(pw)
    const logs = await t.call<{ message: string }[]>('jobs.logs', { id })
    expect(logs.length).toBeGreaterThan(0)
    for (const l of logs) expect(l.message).not.toContain(pw)
    expect(events.length).toBeGreaterThan(0)
    for (const e of events) expect(e).not.toContain(pw)
  })
})
