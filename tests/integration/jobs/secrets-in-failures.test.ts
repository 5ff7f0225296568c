import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mysql, { type Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Job, SyncConfig } from '../../../src/shared/contract'
import { testServer } from '../../helpers/mariadb'
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy'
import { connect, createDb, dropDb, leftoverShadows, q, uniqueName } from '../engine/support'
import { logRows, settledJob, spawnCli, startSystem, whenJob, type SpawnedCli, type TestSystem } from './support'

/**
 * Issue 11 item 4: secrets in everything a failing job produces. The connections carry distinctive
 * passwords that the test users on the server really have (and one wrong one), and syncs fail in
 * three ways: a wrong password on the target, the source connection lost mid-copy (retries run
 * out), a bad filter (refused by the source: unknown column; refused by the parser). In every case
 * none of the passwords, in any form (as typed, URL-encoded, or the distinctive part of it alone,
 * which also catches a copy cut short at a `#` or `%`), may appear in:
 *  - the job's error (jobs.get) and its log (jobs.logs), the answers of the calls that failed;
 *  - every event the system emits (system.events.onAny);
 *  - `db-taxi run <sync> --json`: its stdout (the job as JSON) and stderr (its console log);
 *  - `db-taxi sync` with the passwords in its --source/--target URLs (and in DBT_*_URL): stdout
 *    (--json) and stderr;
 *  - any file in the data dir: the log files (written at debug level here, so every log call
 *    counts), the metadata store (passwords are sealed at rest) and its journal.
 */

const RAND = Math.random().toString(36).slice(2, 10)
/** Characters a URL must encode, so the encoded form differs from the typed one. */
const TAIL = '/#%@+'
const SRC_PW = `S3cret-src-${RAND}${TAIL}`
const DST_PW = `S3cret-dst-${RAND}${TAIL}`
const WRONG_PW = `S3cret-bad-${RAND}${TAIL}`
const SRC_USER = `dbt_ss_${RAND}`
const DST_USER = `dbt_sd_${RAND}`

const NEEDLES: { what: string; text: string }[] = [
  ['source', SRC_PW],
  ['target', DST_PW],
  ['wrong', WRONG_PW]
].flatMap(([what, pw]) => [
  { what: `${what} password`, text: pw! },
  { what: `${what} password URL-encoded`, text: encodeURIComponent(pw!) },
  { what: `${what} password's distinctive part`, text: pw!.slice(0, -TAIL.length) }
])

/** Where a password shows in `text`, as `label: which form` lines (empty when clean). */
function leaks(label: string, text: string): string[] {
  return NEEDLES.filter((n) => text.includes(n.text)).map((n) => `${label}: ${n.what}`)
}

const json = (v: unknown): string => JSON.stringify(v)

const ROWS = 100_000
const ENV = { DBT_LOGGING_LEVEL: 'debug', DBT_SYNC_RETRY_ATTEMPTS: '1', DBT_SYNC_RETRY_DELAY: '50ms' }

/** Resolves once a shadow table on `db` holds committed rows (the copy is under way), or the process ended. */
async function whenCopying(c: Connection, db: string, cli?: SpawnedCli, ms = 30_000): Promise<void> {
  let ended = false
  void cli?.exited.then(() => (ended = true))
  const until = Date.now() + ms
  for (;;) {
    for (const table of await leftoverShadows(c, db)) {
      const n = await q(c, `SELECT COUNT(*) AS n FROM \`${db}\`.\`${table}\``).catch(() => [{ n: 0 }])
      if (Number(n[0]?.n) > 0) return
    }
    if (ended) throw new Error(`the run ended before it copied anything:\n${cli?.stdout()}\n${cli?.stderr()}`)
    if (Date.now() > until) throw new Error(`no shadow table on ${db} received rows in ${ms} ms`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** Every file under `dir`, as text (binary files are searched as their bytes read as latin1). */
function filesUnder(dir: string): { path: string; text: string }[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) return filesUnder(p)
    const bytes = readFileSync(p)
    return [{ path: p, text: bytes.toString('utf8') + '\n' + bytes.toString('latin1') }]
  })
}

describe('a failing sync whose connections carry distinctive passwords', () => {
  const srcDb = uniqueName('sec_src')
  const dstDb = uniqueName('sec_dst')
  const dataDir = mkdtempSync(join(tmpdir(), 'dbt-secrets-'))
  let c: Connection
  let proxy: TcpProxy
  let t: TestSystem | undefined
  const events: string[] = []
  const syncs: Record<'wrongPassword' | 'lost' | 'badColumn', SyncConfig> = {} as never

  beforeAll(async () => {
    await createDb(testServer(), srcDb)
    await createDb(testServer(), dstDb)
    c = await connect(testServer(), srcDb)
    await c.query(`CREATE TABLE orders (id INT UNSIGNED PRIMARY KEY, uuid CHAR(36) NOT NULL, note VARCHAR(80), amount DECIMAL(12,2), KEY by_note (note))`)
    await c.query(`INSERT INTO orders SELECT seq, UUID(), CONCAT('note ', seq), seq / 100 FROM seq_1_to_${ROWS}`)
    // The users really have these passwords (skip_name_resolve: TCP clients are 127.0.0.1).
    await c.query('CREATE USER ?@? IDENTIFIED BY ?', [SRC_USER, '127.0.0.1', SRC_PW])
    await c.query('CREATE USER ?@? IDENTIFIED BY ?', [DST_USER, '127.0.0.1', DST_PW])
    await c.query(`GRANT SELECT, SHOW VIEW ON \`${srcDb}\`.* TO ?@?`, [SRC_USER, '127.0.0.1'])
    await c.query(`GRANT ALL ON \`${dstDb}\`.* TO ?@?`, [DST_USER, '127.0.0.1'])
    proxy = await startTcpProxy(testServer().port, testServer().host)
    t = await startSystem(ENV, dataDir)
    t.system.events.onAny((event, payload) => events.push(json({ event, payload })))
  }, 120_000)

  afterAll(async () => {
    await t?.stop()
    await proxy?.close()
    await c?.query('DROP USER IF EXISTS ?@?', [SRC_USER, '127.0.0.1']).catch(() => undefined)
    await c?.query('DROP USER IF EXISTS ?@?', [DST_USER, '127.0.0.1']).catch(() => undefined)
    await c?.end()
    await dropDb(testServer(), srcDb)
    await dropDb(testServer(), dstDb)
    rmSync(dataDir, { recursive: true, force: true })
  })

  const addr = { host: '127.0.0.1', port: () => testServer().port }

  it('the test users log in with exactly these passwords, and the wrong one is refused', async () => {
    for (const [user, password] of [
      [SRC_USER, SRC_PW],
      [DST_USER, DST_PW]
    ] as const) {
      const s = await mysql.createConnection({ host: addr.host, port: addr.port(), user, password })
      await s.end()
    }
    await expect(mysql.createConnection({ host: addr.host, port: addr.port(), user: DST_USER, password: WRONG_PW })).rejects.toMatchObject({
      code: 'ER_ACCESS_DENIED_ERROR'
    })
  })

  /** The job's error, tables and config (jobs.get), its log (jobs.logs) and the job list, all clean. */
  async function expectJobClean(label: string, jobId: string): Promise<Job> {
    const job = await t!.call<Job>('jobs.get', { id: jobId })
    const logs = await logRows(t!, jobId)
    const list = await t!.call<unknown>('jobs.list', { limit: 500 })
    // The Dashboard's status lists the recent failures with their errors.
    const status = await t!.call<{ recentFailures: { jobId: string }[] }>('system.status', {})
    expect(status.recentFailures.map((f) => f.jobId)).toContain(jobId)
    expect([
      ...leaks(`${label} jobs.get`, json(job)),
      ...leaks(`${label} jobs.logs`, json(logs)),
      ...leaks(`${label} jobs.list`, json(list)),
      ...leaks(`${label} system.status`, json(status))
    ]).toEqual([])
    expect([...leaks(`events so far`, events.join('\n'))]).toEqual([])
    return job
  }

  it('a wrong password on the target: the test, the job, its log and events name the user, never a password', async () => {
    const src = await t!.connection('source (via proxy)', { host: addr.host, port: proxy.port, user: SRC_USER, password: SRC_PW })
    const wrong = await t!.connection('target, wrong password', { host: addr.host, port: addr.port(), user: DST_USER, password: WRONG_PW })
    const tested = await t!.attempt('connections.test', { id: wrong })
    expect(json(tested)).toContain('AUTH_FAILED')
    expect(leaks('connections.test', json(tested))).toEqual([])
    syncs.wrongPassword = await t!.call<SyncConfig>('syncs.create', {
      name: 'secrets wrong password',
      sourceConnectionId: src,
      targetConnectionId: wrong,
      sourceDatabase: srcDb,
      targetDatabase: dstDb,
      tables: [{ source: 'orders' }]
    })
    const { jobId } = await t!.call<{ jobId: string }>('syncs.run', { id: syncs.wrongPassword.id })
    expect((await settledJob(t!, jobId)).status).toBe('failed')
    const job = await expectJobClean('wrong password', jobId)
    expect(job.error?.code).toBe('AUTH_FAILED')
    expect(job.error?.message).toContain(DST_USER)
  }, 60_000)

  it('the source connection lost mid-copy, retries exhausted: nothing of the passwords in the job, its log or events', async () => {
    const src = await t!.connection('source (via proxy) 2', { host: addr.host, port: proxy.port, user: SRC_USER, password: SRC_PW })
    const dst = await t!.connection('target', { host: addr.host, port: addr.port(), user: DST_USER, password: DST_PW })
    syncs.lost = await t!.call<SyncConfig>('syncs.create', {
      name: 'secrets lost connection',
      sourceConnectionId: src,
      targetConnectionId: dst,
      sourceDatabase: srcDb,
      targetDatabase: dstDb,
      tables: [{ source: 'orders' }],
      options: { chunkRows: 2_000, parallelism: 2 }
    })
    const { jobId } = await t!.call<{ jobId: string }>('syncs.run', { id: syncs.lost.id })
    await whenJob(t!.system, jobId, (j) => (j.tables[0]?.chunksDone ?? 0) >= 1, 'a committed chunk')
    proxy.setDown(true)
    proxy.cutAll()
    const ended = await settledJob(t!, jobId)
    proxy.setDown(false)
    expect(ended.status).toBe('failed')
    expect(ended.attempts).toBe(2)
    const job = await expectJobClean('lost connection', jobId)
    expect(job.error?.code).toBe('CONNECTION_REFUSED')
    // The cut itself, as the driver saw it (a reset or a closed session), is in the log.
    expect(json(await logRows(t!, jobId))).toMatch(/PROTOCOL_CONNECTION_LOST|Connection lost|ECONNRESET/)
  }, 60_000)

  it('bad filters: one the source refuses (unknown column) fails the job; one the parser refuses is refused at once; neither shows a password', async () => {
    const src = await t!.connection('source (via proxy) 3', { host: addr.host, port: proxy.port, user: SRC_USER, password: SRC_PW })
    const dst = await t!.connection('target 3', { host: addr.host, port: addr.port(), user: DST_USER, password: DST_PW })
    const base = { sourceConnectionId: src, targetConnectionId: dst, sourceDatabase: srcDb, targetDatabase: dstDb }
    syncs.badColumn = await t!.call<SyncConfig>('syncs.create', { ...base, name: 'secrets bad filter', tables: [{ source: 'orders', where: 'no_such_col > 0' }] })
    const { jobId } = await t!.call<{ jobId: string }>('syncs.run', { id: syncs.badColumn.id })
    expect((await settledJob(t!, jobId)).status).toBe('failed')
    const job = await expectJobClean('unknown column', jobId)
    expect(job.error?.message).toContain('no_such_col')

    const refused = await t!.attempt('syncs.create', { ...base, name: 'secrets hostile filter', tables: [{ source: 'orders', where: 'sleep(1) = 0' }] })
    expect(refused.ok).toBe(false)
    expect(json(refused)).toContain('VALIDATION')
    expect(leaks('syncs.create refusal', json(refused))).toEqual([])
    // What the wizard asks before saving or running: the validation and the plan.
    const validated = await t!.attempt('syncs.validate', { draft: { ...base, name: 'x', tables: [{ source: 'orders', where: 'sleep(1) = 0' }] } })
    expect(json(validated)).toContain('the function SLEEP is not allowed')
    const planned = await t!.attempt('syncs.plan', { id: syncs.badColumn.id })
    expect(json(planned)).toContain('no_such_col')
    expect([...leaks('syncs.validate', json(validated)), ...leaks('syncs.plan', json(planned))]).toEqual([])
    expect(leaks('every event of the system', events.join('\n'))).toEqual([])
    expect(events.length).toBeGreaterThan(10)
  }, 60_000)

  it('db-taxi run <sync> --json for each failing sync: stdout and stderr hold no password', async () => {
    await t!.stop()
    t = undefined
    const env = { ...ENV }
    const found: string[] = []
    const runs: { name: string; code: number | null; stdout: string; stderr: string }[] = []
    for (const key of ['wrongPassword', 'lost', 'badColumn'] as const) {
      const cli = spawnCli(['run', syncs[key].name, '--json', '--data-dir', dataDir], env)
      if (key === 'lost') {
        await whenCopying(c, dstDb, cli)
        proxy.setDown(true)
        proxy.cutAll()
      }
      const code = await cli.exited
      proxy.setDown(false)
      runs.push({ name: key, code, stdout: cli.stdout(), stderr: cli.stderr() })
    }
    for (const r of runs) {
      found.push(...leaks(`run ${r.name} stdout`, r.stdout), ...leaks(`run ${r.name} stderr`, r.stderr))
      const job = JSON.parse(r.stdout) as Job
      expect(job.status, `${r.name}: ${r.stderr}`).toBe('failed')
      // The console log at debug level says something (what is checked is not empty).
      expect(r.stderr.length, r.name).toBeGreaterThan(100)
    }
    expect(runs.map((r) => [r.name, JSON.parse(r.stdout).error.code, r.code])).toEqual([
      ['wrongPassword', 'AUTH_FAILED', 3],
      ['lost', 'CONNECTION_REFUSED', 3],
      ['badColumn', 'VALIDATION', 1]
    ])
    expect(found).toEqual([])
  }, 120_000)

  it('db-taxi sync with the passwords in its URLs (flags and DBT_*_URL): stdout and stderr hold no password', async () => {
    const url = (user: string, pw: string, port: number, db: string): string => `mysql://${user}:${encodeURIComponent(pw)}@127.0.0.1:${port}/${db}`
    const source = url(SRC_USER, SRC_PW, proxy.port, srcDb)
    const target = url(DST_USER, DST_PW, addr.port(), dstDb)
    const wrong = url(DST_USER, WRONG_PW, addr.port(), dstDb)
    const found: string[] = []
    const runs: { name: string; cli: SpawnedCli; code: number | null }[] = []
    const run = async (name: string, args: string[], env: NodeJS.ProcessEnv = {}, during?: (cli: SpawnedCli) => Promise<void>): Promise<void> => {
      const cli = spawnCli(['sync', '--tables', 'orders', '--json', '--chunk-rows', '2000', ...args], env)
      await during?.(cli)
      runs.push({ name, cli, code: await cli.exited })
      proxy.setDown(false)
    }
    await run('wrong password (flags)', ['--source', source, '--target', wrong])
    await run('wrong password (env)', [], { DBT_SOURCE_URL: source, DBT_TARGET_URL: wrong })
    await run('lost connection', ['--source', source, '--target', target], {}, async (cli) => {
      await whenCopying(c, dstDb, cli)
      proxy.setDown(true)
      proxy.cutAll()
    })
    await run('unknown filter column', ['--source', source, '--target', target, '--where', 'orders=no_such_col > 0'])
    await run('filter refused by the parser', ['--source', source, '--target', target, '--where', 'orders=sleep(1) = 0'])
    for (const r of runs) found.push(...leaks(`sync ${r.name} stdout`, r.cli.stdout()), ...leaks(`sync ${r.name} stderr`, r.cli.stderr()))
    // Each failed the way it should (so the output checked is the failure's).
    const said = (r: (typeof runs)[number]): string => r.cli.stdout() + r.cli.stderr()
    const expected: [string, number, RegExp][] = [
      ['wrong password (flags)', 3, /AUTH_FAILED: 127\.0\.0\.1:\d+ refused the login/],
      ['wrong password (env)', 3, /AUTH_FAILED: 127\.0\.0\.1:\d+ refused the login/],
      ['lost connection', 1, /"code":"CONNECTION_LOST"/],
      ['unknown filter column', 2, /VALIDATION: .*the column no_such_col does not exist/],
      ['filter refused by the parser', 2, /VALIDATION: .*the function SLEEP is not allowed/]
    ]
    expect(runs.map((r, i) => [r.name, r.code, expected[i]![2].test(said(r))])).toEqual(expected.map(([n, code]) => [n, code, true]))
    expect(runs.find((r) => r.name === 'wrong password (flags)')!.cli.stderr()).toContain(DST_USER)
    expect(found).toEqual([])
    expect(await leftoverShadows(c, dstDb)).toEqual([])
  }, 120_000)

  it('the data dir (log files at debug level, the store, its journal) and every stored job, CLI runs included, hold no password', async () => {
    const found: string[] = []
    // Every job this data dir has seen, the CLI's too, read back through the contract.
    const last = await startSystem(ENV, dataDir)
    try {
      const { jobs } = await last.call<{ jobs: Job[] }>('jobs.list', { limit: 500 })
      expect(jobs.filter((j) => j.status === 'failed').length).toBeGreaterThanOrEqual(6)
      for (const j of jobs) {
        found.push(...leaks(`stored job ${j.id}`, json(await last.call<Job>('jobs.get', { id: j.id }))), ...leaks(`stored log ${j.id}`, json(await logRows(last, j.id))))
      }
    } finally {
      await last.stop()
    }
    const files = filesUnder(dataDir)
    const logs = files.filter((f) => /db-taxi-.*\.log$/.test(f.path))
    expect(logs.length).toBeGreaterThan(0)
    expect(logs.some((f) => f.text.includes('"level":"debug"'))).toBe(true)
    for (const f of files) found.push(...leaks(f.path.slice(dataDir.length + 1), f.text))
    expect(found).toEqual([])
  }, 60_000)
})
