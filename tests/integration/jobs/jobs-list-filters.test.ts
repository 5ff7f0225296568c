import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDispatcher, type Dispatch } from '../../../src/main/api/dispatcher'
import { createHandlers } from '../../../src/main/api/handlers'
import { createHttpServer, type HttpServer } from '../../../src/main/headless/http-server'
import { loadBootLayers } from '../../../src/main/sync/config/layers'
import { createSyncSystem, type SyncSystem } from '../../../src/main/sync/system'
import type { JobStatus } from '../../../src/shared/contract-states'
import type { JobList, SyncConfig } from '../../../src/shared/syncs'

/**
 * `jobs.list` filters (status, sync, from/to on createdAt) and pagination, through the real
 * dispatcher and the real HTTP edge, over jobs stored in a real metadata store with chosen
 * creation times. No job runs (sync.enabled=false), so nothing needs a database server.
 */

let system: SyncSystem
let dispatch: Dispatch
let http: HttpServer
let baseUrl: string
const TOKEN = 'jobs-list-filters-token'
let syncA: string
let syncB: string

// Recent enough that retention (sync.cleanup_age) never touches them, whole days apart from a UTC midnight.
const DAY = 86_400_000
const BASE = Math.floor(Date.now() / DAY) * DAY - 10 * DAY
const at = (ms: number): string => new Date(BASE + ms).toISOString()

/** id, sync ('a', 'b' or none), status, creation time (ms after BASE). Listed oldest first. */
const JOBS: { id: string; sync: 'a' | 'b' | null; status: JobStatus; createdMs: number }[] = [
  { id: 'job-1', sync: 'a', status: 'succeeded', createdMs: 0 },
  { id: 'job-2', sync: 'a', status: 'failed', createdMs: 1 * DAY + 12 * 3_600_000 },
  { id: 'job-3', sync: 'b', status: 'succeeded', createdMs: 2 * DAY },
  { id: 'job-4', sync: 'b', status: 'failed', createdMs: 3 * DAY - 1 },
  { id: 'job-5', sync: 'a', status: 'succeeded', createdMs: 3 * DAY },
  { id: 'job-6', sync: null, status: 'cancelled', createdMs: 4 * DAY + 6 * 3_600_000 }
]
const created = (id: string): string => at(JOBS.find((j) => j.id === id)!.createdMs)

async function call<T>(method: string, input: unknown): Promise<T> {
  const r = await dispatch(method, input)
  if (!r.ok) throw Object.assign(new Error(`${r.error.code}: ${r.error.message}`), { code: r.error.code })
  return r.data as T
}

async function list(input: Record<string, unknown>): Promise<{ ids: string[]; total: number }> {
  const l = await call<JobList>('jobs.list', input)
  return { ids: l.jobs.map((j) => j.id), total: l.total }
}

async function refused(input: unknown): Promise<{ code: string; message: string; details?: unknown }> {
  const r = await dispatch('jobs.list', input)
  if (r.ok) throw new Error(`jobs.list accepted ${JSON.stringify(input)}`)
  return r.error
}

async function rpc(method: string, input: unknown): Promise<{ status: number; body: { ok: boolean; data?: JobList; error?: { code: string; message: string } } }> {
  const res = await fetch(`${baseUrl}/api/rpc/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(input)
  })
  return { status: res.status, body: (await res.json()) as { ok: boolean; data?: JobList; error?: { code: string; message: string } } }
}

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dbt-jobs-list-'))
  system = createSyncSystem({
    layers: loadBootLayers({ env: { DBT_DATA_DIR: dataDir, DBT_SYNC_ENABLED: 'false', DBT_SYNC_CLEANUP_AGE: '3650d' } }),
    mode: 'headless',
    consoleLog: false
  })
  await system.start()
  dispatch = createDispatcher(createHandlers(system), system.logger)

  // Saved connections and syncs are only rows here: nothing connects.
  const base = { host: '127.0.0.1', port: 3306, user: 'nobody', password: '' }
  const src = (await call<{ id: string }>('connections.create', { name: 'src', ...base })).id
  const dst = (await call<{ id: string }>('connections.create', { name: 'dst', ...base })).id
  const sync = async (name: string): Promise<string> =>
    (
      await call<SyncConfig>('syncs.create', {
        name,
        sourceConnectionId: src,
        targetConnectionId: dst,
        sourceDatabase: 'shop',
        targetDatabase: `shop_${name}`,
        tables: [{ source: 'orders' }]
      })
    ).id
  syncA = await sync('a')
  syncB = await sync('b')

  // Jobs with chosen creation times: stored through the repository, timed through the store.
  const setTimes = system.db.prepare('UPDATE jobs SET created_at = ?, started_at = ?, finished_at = ? WHERE id = ?')
  for (const j of JOBS) {
    system.jobs.repo.create({ id: j.id, syncId: j.sync === 'a' ? syncA : j.sync === 'b' ? syncB : null, trigger: 'manual', snapshot: {} })
    system.jobs.repo.setStatus(j.id, j.status, j.status === 'failed' ? { code: 'COPY_FAILED', message: `${j.id} failed` } : null)
    setTimes.run(BASE + j.createdMs, BASE + j.createdMs + 1000, BASE + j.createdMs + 60_000, j.id)
  }

  http = createHttpServer({
    system,
    dispatch,
    token: TOKEN,
    host: '127.0.0.1',
    port: 0,
    rendererDir: join(dataDir, 'no-renderer'),
    readTimeoutMs: 10_000,
    writeTimeoutMs: 10_000
  })
  const { port } = await http.listen()
  baseUrl = `http://127.0.0.1:${port}`
})

afterAll(async () => {
  await http?.close(2_000)
  await system?.stop(5_000)
})

describe('jobs.list filters by creation time', () => {
  it('lists every job newest first without filters, with createdAt as stored', async () => {
    const l = await call<JobList>('jobs.list', {})
    expect(l.total).toBe(6)
    expect(l.jobs.map((j) => j.id)).toEqual(['job-6', 'job-5', 'job-4', 'job-3', 'job-2', 'job-1'])
    expect(l.jobs.map((j) => j.createdAt)).toEqual(JOBS.map((j) => at(j.createdMs)).reverse())
    expect((await call<JobList>('jobs.list', undefined)).total).toBe(6)
  })

  it('from is inclusive', async () => {
    expect(await list({ from: created('job-3') })).toEqual({ ids: ['job-6', 'job-5', 'job-4', 'job-3'], total: 4 })
    // One millisecond later leaves job-3 out.
    expect(await list({ from: at(2 * DAY + 1) })).toEqual({ ids: ['job-6', 'job-5', 'job-4'], total: 3 })
  })

  it('to is exclusive', async () => {
    expect(await list({ to: created('job-3') })).toEqual({ ids: ['job-2', 'job-1'], total: 2 })
    expect(await list({ to: at(2 * DAY + 1) })).toEqual({ ids: ['job-3', 'job-2', 'job-1'], total: 3 })
  })

  it('from and to together select a window; one calendar day is [midnight, next midnight)', async () => {
    expect(await list({ from: created('job-2'), to: created('job-5') })).toEqual({ ids: ['job-4', 'job-3', 'job-2'], total: 3 })
    // Day 2 (UTC) holds job-3 at its first millisecond and job-4 at its last; job-5 starts day 3.
    expect(await list({ from: at(2 * DAY), to: at(3 * DAY) })).toEqual({ ids: ['job-4', 'job-3'], total: 2 })
  })

  it('takes any zone offset and compares instants', async () => {
    // BASE + 2 days at 00:00Z is 02:00 at +02:00 and 19:00 the day before at -05:00.
    const day2 = new Date(BASE + 2 * DAY)
    const ymd = (d: Date): string => d.toISOString().slice(0, 10)
    const plus2 = `${ymd(day2)}T02:00:00+02:00`
    const minus5 = `${ymd(new Date(BASE + DAY))}T19:00:00.000-05:00`
    expect(await list({ from: plus2 })).toEqual(await list({ from: at(2 * DAY) }))
    expect(await list({ from: minus5, to: plus2 })).toEqual({ ids: [], total: 0 })
    expect(await list({ to: minus5 })).toEqual({ ids: ['job-2', 'job-1'], total: 2 })
  })

  it('an empty window (from equal to to) is valid and matches nothing', async () => {
    expect(await list({ from: created('job-3'), to: created('job-3') })).toEqual({ ids: [], total: 0 })
  })

  it('combines with status and sync filters', async () => {
    expect(await list({ status: 'failed', from: created('job-2') })).toEqual({ ids: ['job-4', 'job-2'], total: 2 })
    expect(await list({ status: 'failed', from: at(1 * DAY + 12 * 3_600_000 + 1) })).toEqual({ ids: ['job-4'], total: 1 })
    expect(await list({ syncId: syncA, to: created('job-5') })).toEqual({ ids: ['job-2', 'job-1'], total: 2 })
    expect(await list({ syncId: syncB, status: 'succeeded', from: created('job-1'), to: created('job-6') })).toEqual({ ids: ['job-3'], total: 1 })
    expect(await list({ syncId: syncA, status: 'cancelled', from: created('job-1') })).toEqual({ ids: [], total: 0 })
  })
})

describe('jobs.list pagination', () => {
  it('limit and offset page through the jobs; total counts all of them', async () => {
    expect(await list({ limit: 2 })).toEqual({ ids: ['job-6', 'job-5'], total: 6 })
    expect(await list({ limit: 2, offset: 2 })).toEqual({ ids: ['job-4', 'job-3'], total: 6 })
    expect(await list({ limit: 2, offset: 4 })).toEqual({ ids: ['job-2', 'job-1'], total: 6 })
    expect(await list({ limit: 2, offset: 6 })).toEqual({ ids: [], total: 6 })
    expect(await list({ limit: 4, offset: 3 })).toEqual({ ids: ['job-3', 'job-2', 'job-1'], total: 6 })
  })

  it('pages within a date window; total is the window’s, not the page’s', async () => {
    const from = created('job-2')
    const to = created('job-6')
    expect(await list({ from, to, limit: 2 })).toEqual({ ids: ['job-5', 'job-4'], total: 4 })
    expect(await list({ from, to, limit: 2, offset: 2 })).toEqual({ ids: ['job-3', 'job-2'], total: 4 })
    expect(await list({ from, to, limit: 2, offset: 4 })).toEqual({ ids: [], total: 4 })
    expect(await list({ from, to, status: 'succeeded', limit: 1, offset: 1 })).toEqual({ ids: ['job-3'], total: 2 })
  })
})

describe('jobs.list validation', () => {
  it.each([
    ['a date without time', '2026-01-31'],
    ['a time without zone', '2026-01-31T10:00:00'],
    ['an impossible day', '2026-02-30T00:00:00Z'],
    ['an impossible month', '2026-13-01T00:00:00Z'],
    ['words', 'yesterday'],
    ['an empty string', '']
  ])('refuses %s in from and in to with VALIDATION naming the field', async (_what, value) => {
    for (const field of ['from', 'to'] as const) {
      const e = await refused({ [field]: value })
      expect(e.code).toBe('VALIDATION')
      expect(e.message).toContain(`${field}: must be an ISO 8601 date-time with a time zone`)
      expect(e.details).toMatchObject({ issues: [{ path: field }] })
    }
  })

  it('refuses a date that is not a string', async () => {
    const e = await refused({ from: Date.parse(created('job-1')) })
    expect(e.code).toBe('VALIDATION')
    expect(e.message).toMatch(/^Invalid input: from: /)
  })

  it('refuses from after to, naming both', async () => {
    const from = created('job-5')
    const to = created('job-2')
    const e = await refused({ from, to })
    expect(e.code).toBe('VALIDATION')
    expect(e.message).toBe(`Invalid input: from: must not be after to (${from} is after ${to})`)
    // Also when only the offsets make it so: 10:00+02:00 is 08:00Z, after 09:00Z.
    const day = created('job-1').slice(0, 10)
    expect((await refused({ from: `${day}T10:00:00+02:00`, to: `${day}T07:59:00Z` })).code).toBe('VALIDATION')
    expect(await list({ from: `${day}T10:00:00+02:00`, to: `${day}T09:00:00Z` })).toEqual({ ids: [], total: 0 })
  })

  it('refuses unknown fields and bad pages as before', async () => {
    expect((await refused({ since: created('job-1') })).code).toBe('VALIDATION')
    expect((await refused({ limit: 0 })).code).toBe('VALIDATION')
    expect((await refused({ offset: -1 })).code).toBe('VALIDATION')
  })
})

describe('jobs.list over HTTP', () => {
  it('filters by dates and pages through POST /api/rpc/jobs.list', async () => {
    const r = await rpc('jobs.list', { from: created('job-2'), to: created('job-6'), limit: 3, offset: 1 })
    expect(r.status).toBe(200)
    expect(r.body.ok).toBe(true)
    expect(r.body.data!.total).toBe(4)
    expect(r.body.data!.jobs.map((j) => j.id)).toEqual(['job-4', 'job-3', 'job-2'])
  })

  it('answers 400 VALIDATION for a malformed date and for from after to', async () => {
    const bad = await rpc('jobs.list', { from: 'not a date' })
    expect(bad.status).toBe(400)
    expect(bad.body).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
    expect(bad.body.error!.message).toContain('from: must be an ISO 8601 date-time')
    const reversed = await rpc('jobs.list', { from: created('job-6'), to: created('job-1') })
    expect(reversed.status).toBe(400)
    expect(reversed.body).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
    expect(reversed.body.error!.message).toContain('from: must not be after to')
  })
})

describe('system.status', () => {
  it('lists the newest failed jobs with their sync names and errors, as jobs.list has them', async () => {
    const status = await call<{ recentFailures: { jobId: string }[] }>('system.status', {})
    const failed = (await call<JobList>('jobs.list', { status: 'failed' })).jobs
    expect(status.recentFailures.map((f) => f.jobId)).toEqual(['job-4', 'job-2'])
    expect(status.recentFailures).toEqual(
      failed.map((j) => ({ jobId: j.id, syncId: j.syncId, syncName: j.syncName, finishedAt: j.finishedAt, error: { code: 'COPY_FAILED', message: `${j.id} failed` } }))
    )
  })
})
