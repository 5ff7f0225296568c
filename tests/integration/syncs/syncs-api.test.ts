import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mysql from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDispatcher, type Dispatch } from '../../../src/main/api/dispatcher'
import { createHandlers } from '../../../src/main/api/handlers'
import { loadBootLayers } from '../../../src/main/sync/config/layers'
import { createSyncSystem, type SyncSystem } from '../../../src/main/sync/system'
import type { Job, SyncConfig } from '../../../src/shared/contract'
import { createTestDatabase, startPrivateServer } from '../../helpers/mariadb'
import { runCli } from '../../helpers/cli'
import { startStallingProxy, type StallingProxy } from '../../helpers/stalling-proxy'

/** syncs.* and jobs.* through the dispatcher, against real MariaDB, asserting on the copied rows. */

let system: SyncSystem
let dispatch: Dispatch
let src: Awaited<ReturnType<typeof createTestDatabase>>
let dstName: string
let sourceId: string
let targetId: string
let readOnlyId: string
let dataDir: string
let stalled: StallingProxy
let stalledSourceId: string

async function call<T>(method: string, input: unknown): Promise<T> {
  const r = await dispatch(method, input)
  if (!r.ok) throw Object.assign(new Error(`${r.error.code}: ${r.error.message}`), { code: r.error.code, details: r.error.details })
  return r.data as T
}

async function query(sql: string, values: unknown[] = []): Promise<unknown[]> {
  const c = await mysql.createConnection({ ...src.addr, database: src.name })
  try {
    const [rows] = await c.query(sql, values)
    return rows as unknown[]
  } finally {
    await c.end()
  }
}

beforeAll(async () => {
  src = await createTestDatabase('syncs_src')
  dstName = `${src.name}_dst`
  await query(`CREATE TABLE \`${src.name}\`.orders (id INT PRIMARY KEY, note VARCHAR(50), amount DECIMAL(10,2), KEY n (note))`)
  await query(`INSERT INTO \`${src.name}\`.orders SELECT seq, CONCAT('n', seq), seq / 10 FROM seq_1_to_20000`)
  await query(`CREATE TABLE \`${src.name}\`.big (id INT PRIMARY KEY, pad VARCHAR(200))`)
  await query(`INSERT INTO \`${src.name}\`.big SELECT seq, REPEAT('x', 200) FROM seq_1_to_200000`)
  await query(`CREATE TABLE \`${src.name}\`.tmp_x (id INT PRIMARY KEY)`)
  await query(`CREATE TABLE \`${src.name}\`.tmp_y (id INT PRIMARY KEY)`)
  dataDir = mkdtempSync(join(tmpdir(), 'dbt-syncs-'))
  system = createSyncSystem({ layers: loadBootLayers({ env: { DBT_DATA_DIR: dataDir } }), mode: 'headless', consoleLog: false })
  await system.start()
  dispatch = createDispatcher(createHandlers(system), system.logger)
  const base = { host: src.addr.host, port: src.addr.port, user: src.addr.user, password: src.addr.password }
  sourceId = (await call<{ id: string }>('connections.create', { name: 'src', ...base })).id
  targetId = (await call<{ id: string }>('connections.create', { name: 'dst', ...base })).id
  readOnlyId = (await call<{ id: string }>('connections.create', { name: 'prod', ...base, readOnly: true })).id
  // The same source through a proxy that holds what each session receives past its first 4 MiB: a
  // copy of `big` through it stalls mid-way and can only end by a cancel or a timeout, so the tests
  // of those need no race against the machine's speed.
  stalled = await startStallingProxy(src.addr.port, 4 * 1024 * 1024)
  stalledSourceId = (await call<{ id: string }>('connections.create', { name: 'src-stalled', ...base, port: stalled.port })).id
})

afterAll(async () => {
  await system?.stop(5000)
  await stalled?.close()
  await query(`DROP DATABASE IF EXISTS \`${dstName}\``).catch(() => undefined)
  await src?.drop()
})

describe('sync configs', () => {
  it('creates, validates, plans and runs a sync; the job ends succeeded and verified with the rows copied', async () => {
    const sync = await call<SyncConfig>('syncs.create', {
      name: 'orders copy',
      sourceConnectionId: sourceId,
      targetConnectionId: targetId,
      sourceDatabase: src.name,
      targetDatabase: dstName,
      tables: [{ source: 'orders', target: 'orders_copy', where: 'id <= 15000' }],
      options: { chunkRows: 3000 }
    })
    expect(sync.tables).toEqual([{ source: 'orders', target: 'orders_copy', where: 'id <= 15000', mode: 'full' }])

    const v = await call<{ ok: boolean; tables: unknown[] }>('syncs.validate', { id: sync.id })
    expect(v).toMatchObject({ ok: true, tables: [{ source: 'orders', target: 'orders_copy' }] })

    const plan = await call<{ tables: { action: string; ddl: string }[]; replaces: string[] }>('syncs.plan', { id: sync.id })
    expect(plan.tables[0]!.action).toBe('create')
    expect(plan.tables[0]!.ddl).toContain('CREATE TABLE `orders_copy`')
    expect(plan.replaces).toEqual([])
    // plan changes nothing
    expect(await query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [dstName])).toEqual([])

    const events: string[] = []
    const off = system.events.onAny((name, payload) => {
      if ((payload as { jobId?: string }).jobId) events.push(name)
    })
    const { jobId } = await call<{ jobId: string }>('syncs.run', { id: sync.id })
    const again = await dispatch('syncs.run', { id: sync.id })
    expect(again.ok === false && again.error.code).toBe('JOB_ALREADY_ACTIVE')
    const job = await system.jobs.wait(jobId)
    off()
    expect(job.status).toBe('succeeded')
    expect(job.tables).toHaveLength(1)
    expect(job.tables[0]).toMatchObject({ source: 'orders', target: 'orders_copy', status: 'done', rowsRead: 15000, rowsWritten: 15000, verified: true, keyless: false })
    // History keeps what was asked for then, and how many runs it took.
    expect(job.config).toMatchObject({ id: sync.id, tables: [{ source: 'orders', target: 'orders_copy', where: 'id <= 15000' }] })
    expect(job.attempts).toBe(1)
    expect(events).toContain('job.status')
    expect(events).toContain('job.progress')

    const got = await call<Job>('jobs.get', { id: jobId })
    expect(got).toMatchObject({ id: jobId, syncId: sync.id, status: 'succeeded' })
    expect(got.startedAt).toBeTruthy()
    expect(got.finishedAt).toBeTruthy()
    const rows = (await query(`SELECT COUNT(*) AS n, SUM(amount) AS s FROM \`${dstName}\`.orders_copy`)) as { n: number; s: string }[]
    const want = (await query(`SELECT COUNT(*) AS n, SUM(amount) AS s FROM \`${src.name}\`.orders WHERE id <= 15000`)) as { n: number; s: string }[]
    expect(rows).toEqual(want)
    const logs = await call<{ message: string }[]>('jobs.logs', { id: jobId })
    expect(logs.some((l) => /started/.test(l.message))).toBe(true)

    // A second run replaces; the plan says so first.
    const plan2 = await call<{ replaces: string[] }>('syncs.plan', { id: sync.id })
    expect(plan2.replaces).toEqual(['orders_copy'])
    // The first run wrote the fastest way the target offers; a sync may insist on another.
    expect(job.writePath).toBe('bulk')
    const bad = await dispatch('syncs.update', { id: sync.id, options: { chunkRows: 3000, writePath: 'fast' } })
    expect(bad.ok === false && bad.error.code).toBe('VALIDATION')
    await call('syncs.update', { id: sync.id, options: { chunkRows: 3000, writePath: 'load-data' } })
    const second = await system.jobs.wait((await call<{ jobId: string }>('syncs.run', { id: sync.id })).jobId)
    expect(second.status).toBe('succeeded')
    expect(second.writePath).toBe('load-data')
    expect(second.tables[0]).toMatchObject({ rowsWritten: 15000, verified: true })
    const list = await call<{ jobs: Job[]; total: number }>('jobs.list', { syncId: sync.id })
    expect(list.total).toBe(2)
    expect((await call<SyncConfig>('syncs.get', { id: sync.id })).lastJob).toMatchObject({ id: second.id, status: 'succeeded' })
    expect((await call<{ jobs: Job[] }>('jobs.list', { status: 'failed' })).jobs).toEqual([])
  })

  it('picks tables by glob so later tables are included', async () => {
    const sync = await call<SyncConfig>('syncs.create', {
      name: 'tmp tables',
      sourceConnectionId: sourceId,
      targetConnectionId: targetId,
      sourceDatabase: src.name,
      targetDatabase: dstName,
      allTables: { include: ['tmp_*'], exclude: ['tmp_y'] }
    })
    expect((await call<{ tables: unknown[] }>('syncs.validate', { id: sync.id })).tables).toEqual([{ source: 'tmp_x', target: 'tmp_x' }])
    await query(`CREATE TABLE \`${src.name}\`.tmp_z (id INT PRIMARY KEY)`)
    expect((await call<{ tables: unknown[] }>('syncs.validate', { id: sync.id })).tables).toHaveLength(2)
    // Back to an explicit list: allTables null removes the patterns.
    const listed = await call<SyncConfig>('syncs.update', { id: sync.id, allTables: null, tables: [{ source: 'tmp_y' }] })
    expect(listed.allTables).toBeUndefined()
    expect((await call<{ tables: unknown[] }>('syncs.validate', { id: sync.id })).tables).toEqual([{ source: 'tmp_y', target: 'tmp_y' }])
    // Unsaved form values validate the same way, and nothing is stored.
    const draft = await call<{ ok: boolean; problems: { code: string }[] }>('syncs.validate', {
      draft: { name: 'draft', sourceConnectionId: sourceId, targetConnectionId: targetId, sourceDatabase: src.name, targetDatabase: dstName, tables: [{ source: 'missing_table' }] }
    })
    expect(draft).toMatchObject({ ok: false, problems: [{ code: 'TABLE_NOT_FOUND' }] })
    expect((await call<SyncConfig[]>('syncs.list', {})).some((s) => s.name === 'draft')).toBe(false)
    expect(listed.lastJob).toBeNull()
  })

  it('refuses hostile filters, read-only targets, duplicate names and two sources onto one target', async () => {
    const base = { sourceConnectionId: sourceId, targetConnectionId: targetId, sourceDatabase: src.name, targetDatabase: dstName }
    for (const where of ['1=1; DROP TABLE x', '1) OR (1', 'id = 1 -- x']) {
      const r = await dispatch('syncs.create', { ...base, name: `bad ${where}`, tables: [{ source: 'orders', where }] })
      expect(r.ok === false && r.error.code).toBe('VALIDATION')
    }
    const ro = await dispatch('syncs.create', { ...base, name: 'to prod', targetConnectionId: readOnlyId, tables: [{ source: 'orders' }] })
    expect(ro.ok === false && ro.error.code).toBe('READ_ONLY_TARGET')
    const dup = await dispatch('syncs.create', { ...base, name: 'ORDERS COPY', tables: [{ source: 'orders' }] })
    expect(dup.ok === false && dup.error.code).toBe('CONFLICT')
    const two = await dispatch('syncs.create', { ...base, name: 'two', tables: [{ source: 'orders', target: 'x' }, { source: 'tmp_x', target: 'x' }] })
    expect(two.ok === false && two.error.code).toBe('VALIDATION')
    const none = await dispatch('syncs.create', { ...base, name: 'none', tables: [] })
    expect(none.ok === false && none.error.code).toBe('VALIDATION')
  })

  it('validate reports a missing table and SAME_TABLE by server identity', async () => {
    const missing = await call<SyncConfig>('syncs.create', {
      name: 'missing',
      sourceConnectionId: sourceId,
      targetConnectionId: targetId,
      sourceDatabase: src.name,
      targetDatabase: dstName,
      tables: [{ source: 'nope' }]
    })
    const v = await call<{ ok: boolean; problems: { code: string }[] }>('syncs.validate', { id: missing.id })
    expect(v.ok).toBe(false)
    expect(v.problems[0]!.code).toBe('TABLE_NOT_FOUND')

    // Same server reached through another name: localhost vs 127.0.0.1.
    const other = (await call<{ id: string }>('connections.create', { name: 'same via localhost', host: 'localhost', port: src.addr.port, user: src.addr.user, password: src.addr.password })).id
    const same = await call<SyncConfig>('syncs.create', {
      name: 'onto itself',
      sourceConnectionId: sourceId,
      targetConnectionId: other,
      sourceDatabase: src.name,
      targetDatabase: src.name,
      tables: [{ source: 'orders' }]
    })
    const v2 = await call<{ ok: boolean; problems: { code: string }[] }>('syncs.validate', { id: same.id })
    expect(v2.problems.map((p) => p.code)).toContain('SAME_TABLE')
    const job = await system.jobs.wait((await call<{ jobId: string }>('syncs.run', { id: same.id })).jobId)
    expect(job.status).toBe('failed')
    expect(job.error?.code).toBe('SAME_TABLE')
    // and the source table is intact
    expect(await query(`SELECT COUNT(*) AS n FROM \`${src.name}\`.orders`)).toEqual([{ n: 20000 }])
  })

  it('validate says when the write path a sync insists on is not offered by its target', async () => {
    // A target as MySQL 8 ships: local_infile off, so LOAD DATA LOCAL is refused.
    const server = await startPrivateServer(['--local-infile=0'])
    try {
      const noLocal = (await call<{ id: string }>('connections.create', { name: 'no local_infile', host: server.host, port: server.port, user: server.user, password: server.password })).id
      const base = { sourceConnectionId: sourceId, targetConnectionId: noLocal, sourceDatabase: src.name, targetDatabase: 'copies', tables: [{ source: 'orders' }] }
      const loadData = await call<SyncConfig>('syncs.create', { ...base, name: 'wants load data', options: { writePath: 'load-data' } })
      const v = await call<{ ok: boolean; problems: { code: string; message: string }[] }>('syncs.validate', { id: loadData.id })
      expect(v.ok).toBe(false)
      expect(v.problems).toEqual([{ code: 'VALIDATION', message: expect.stringMatching(/local_infile off/) }])
      // What the target does offer passes.
      for (const writePath of ['bulk', 'insert', 'auto'] as const) {
        const ok = await call<SyncConfig>('syncs.create', { ...base, name: `wants ${writePath}`, options: { writePath } })
        expect((await call<{ ok: boolean }>('syncs.validate', { id: ok.id })).ok, writePath).toBe(true)
      }
    } finally {
      await server.stop()
    }
  })

  it('cancels a running job; the existing target table stays as it was', async () => {
    // The same copy of `big` twice: straight from the source, then from the stalled one.
    const bigCopy = (name: string, sourceConnectionId: string): Promise<SyncConfig> =>
      call<SyncConfig>('syncs.create', {
        name,
        sourceConnectionId,
        targetConnectionId: targetId,
        sourceDatabase: src.name,
        targetDatabase: dstName,
        tables: [{ source: 'big' }],
        options: { chunkRows: 2000, parallelism: 1 }
      })
    const first = await bigCopy('big', sourceId)
    expect((await system.jobs.wait((await call<{ jobId: string }>('syncs.run', { id: first.id })).jobId)).status).toBe('succeeded')
    await query(`UPDATE \`${src.name}\`.big SET pad = 'changed' WHERE id < 100`)
    const before = await query(`CHECKSUM TABLE \`${dstName}\`.big`)
    // From the stalled source the copy creates its shadow table, reads up to the stall, then waits
    // for ever (how many rows it writes first depends on where its chunks fall: not waited for).
    const slow = await bigCopy('big stalled', stalledSourceId)
    const { jobId } = await call<{ jobId: string }>('syncs.run', { id: slow.id })
    const shadows = async (): Promise<unknown[]> =>
      query(`SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE '\\_dbt\\_new\\_%'`, [dstName])
    for (let i = 0; i < 600 && (await shadows()).length === 0; i++) await new Promise((r) => setTimeout(r, 50))
    expect(await shadows()).toHaveLength(1)
    // The shadow table is made just before the table's state turns to copying (a separate store
    // write): wait for that rather than race it.
    let running = await call<Job>('jobs.get', { id: jobId })
    for (let i = 0; i < 200 && running.tables[0]?.status !== 'copying'; i++) {
      await new Promise((r) => setTimeout(r, 50))
      running = await call<Job>('jobs.get', { id: jobId })
    }
    // How the source is read and the target written is known while the job runs.
    expect(running.status).toBe('running')
    expect(running.tables[0]?.status).toBe('copying')
    expect(running.consistency).toBe('global')
    expect(running.writePath).toBe('bulk')
    await call('jobs.cancel', { id: jobId })
    const job = await system.jobs.wait(jobId)
    expect(job.status).toBe('cancelled')
    expect(await query(`CHECKSUM TABLE \`${dstName}\`.big`)).toEqual(before)
    const leftovers = await query(`SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE '\\_dbt\\_%'`, [dstName])
    expect(leftovers).toEqual([])
  })
})

describe('db-taxi run NAME', () => {
  it('runs a saved sync from the command line and records the job', async () => {
    await call<SyncConfig>('syncs.create', {
      name: 'Nightly Orders',
      sourceConnectionId: sourceId,
      targetConnectionId: targetId,
      sourceDatabase: src.name,
      targetDatabase: dstName,
      tables: [{ source: 'orders', target: 'orders_cli' }]
    })
    const r = runCli(['run', 'nightly orders', '--data-dir', dataDir, '--json'], {}, 60_000)
    expect(r.code, r.stderr).toBe(0)
    const job = JSON.parse(r.stdout) as Job
    expect(job).toMatchObject({ status: 'succeeded', trigger: 'cli' })
    expect(job.tables[0]).toMatchObject({ rowsWritten: 20000, verified: true })
    expect((await call<Job>('jobs.get', { id: job.id })).status).toBe('succeeded')
    expect(runCli(['run', 'no such sync', '--data-dir', dataDir]).code).toBe(2)
  })
})

describe('schedules on sync configs', () => {
  it('saves a schedule with the config, shows its description and next run, and previews expressions', async () => {
    const sync = await call<SyncConfig>('syncs.create', {
      name: 'scheduled',
      sourceConnectionId: sourceId,
      targetConnectionId: targetId,
      sourceDatabase: src.name,
      targetDatabase: dstName,
      tables: [{ source: 'tmp_x' }],
      schedule: { kind: 'cron', cron: '30 2 * * *', timezone: 'UTC', catchUp: true }
    })
    expect(sync.schedule).toMatchObject({ kind: 'cron', cron: '30 2 * * *', catchUp: true, enabled: true, lastRunAt: null })
    expect(sync.schedule!.description).toMatch(/02:30/)
    expect(new Date(sync.schedule!.nextRunAt!).getUTCHours()).toBe(2)
    const updated = await call<SyncConfig>('syncs.update', { id: sync.id, schedule: { kind: 'interval', every: '6h' } })
    expect(updated.schedule).toMatchObject({ kind: 'interval', every: '6h', description: 'Every 6h' })
    const removed = await call<SyncConfig>('syncs.update', { id: sync.id, schedule: null })
    expect(removed.schedule).toBeNull()
    const bad = await dispatch('syncs.update', { id: sync.id, schedule: { kind: 'cron', cron: '99 * * * *' } })
    expect(bad.ok === false && bad.error.code).toBe('VALIDATION')

    const preview = await call<{ ok: boolean; nextRuns: string[]; description: string }>('schedules.preview', {
      schedule: { kind: 'cron', cron: '0 */6 * * *', timezone: 'UTC' },
      count: 3
    })
    expect(preview.ok).toBe(true)
    expect(preview.nextRuns).toHaveLength(3)
    expect(preview.nextRuns.every((r) => new Date(r).getUTCHours() % 6 === 0)).toBe(true)
    const invalid = await call<{ ok: boolean; error: { code: string } }>('schedules.preview', { schedule: { kind: 'interval', every: 'soon' } })
    expect(invalid).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
  })
})

describe('job limits and retention', () => {
  it('stops a job that runs past sync.job_timeout and marks it failed with TIMEOUT', async () => {
    const sync = await call<SyncConfig>('syncs.create', {
      name: 'slow',
      // Stalled: the copy cannot end before the timeout, however fast the machine.
      sourceConnectionId: stalledSourceId,
      targetConnectionId: targetId,
      sourceDatabase: src.name,
      targetDatabase: `${dstName}`,
      tables: [{ source: 'big', target: 'big_timeout' }],
      options: { chunkRows: 1000, parallelism: 1 }
    })
    await call('settings.update', { values: { 'sync.job_timeout': 300 } })
    let failedId = ''
    try {
      const job = await system.jobs.wait((await call<{ jobId: string }>('syncs.run', { id: sync.id })).jobId)
      failedId = job.id
      expect(job.status).toBe('failed')
      expect(job.error?.code).toBe('TIMEOUT')
      const left = await query(`SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'big_timeout'`, [dstName])
      expect(left).toEqual([])
    } finally {
      await call('settings.update', { values: { 'sync.job_timeout': null } })
    }
    // jobs.retry starts a new job from the failed one's config; the failed one stays in the history.
    // The source connection now goes straight to the server, so the retry can finish.
    await call('connections.update', { id: stalledSourceId, port: src.addr.port })
    const { jobId } = await call<{ jobId: string }>('jobs.retry', { id: failedId })
    expect(jobId).not.toBe(failedId)
    const retried = await system.jobs.wait(jobId)
    expect(retried).toMatchObject({ status: 'succeeded', retryOf: failedId, trigger: 'retry' })
    expect(retried.tables[0]).toMatchObject({ rowsWritten: 200000, verified: true })
    expect((await call<Job>('jobs.get', { id: failedId })).status).toBe('failed')
  })

  it('deletes finished jobs older than sync.cleanup_age, with their tables and logs', async () => {
    const old = Date.now() - 40 * 86_400_000
    system.db
      .prepare("INSERT INTO jobs (id, sync_id, status, trigger, created_at, started_at, finished_at) VALUES ('old-job', NULL, 'succeeded', 'manual', ?, ?, ?)")
      .run(old, old, old)
    system.db.prepare("INSERT INTO job_logs (job_id, ts, level, message) VALUES ('old-job', ?, 'info', 'x')").run(old)
    const before = (await call<{ total: number }>('jobs.list', {})).total
    expect(system.jobs.cleanup()).toBe(1)
    expect((await call<{ total: number }>('jobs.list', {})).total).toBe(before - 1)
    expect(system.db.prepare("SELECT COUNT(*) AS n FROM job_logs WHERE job_id = 'old-job'").get()).toEqual({ n: 0 })
  })
})
