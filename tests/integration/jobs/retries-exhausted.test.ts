import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Job, SyncConfig } from '../../../src/shared/contract'
import { startPrivateServer, testServer, type PrivateServer } from '../../helpers/mariadb'
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy'
import { checksum, connect, createDb, dropDb, leftoverShadows, q, uniqueName } from '../engine/support'
import { logRows, settledJob, startSystem, whenJob, type LogRow, type TestSystem } from './support'

/**
 * Issue 11 item 3: a source that stays down past `sync.retry_attempts`. The job must end `failed`
 * naming the connection problem, with every shadow table it kept for its retries dropped and the
 * existing target tables exactly as they were; and the waits between attempts must follow
 * `sync.retry_delay` doubled per retry with a jitter of 0.5 to 1.5 (transient.ts backoffDelay).
 * Nothing here depends on how fast the machine is: the test waits on stored job state and reads
 * the delays the engine logged, and the times it stored with each log line.
 */

const ROWS = 100_000
const CHUNK = 2_000

async function fillOrders(c: Connection, db: string, table: string, rows: number): Promise<void> {
  await c.query(`CREATE TABLE \`${db}\`.\`${table}\` (id INT UNSIGNED PRIMARY KEY, uuid CHAR(36) NOT NULL, note VARCHAR(80), amount DECIMAL(12,2), KEY by_note (note))`)
  await c.query(
    `INSERT INTO \`${db}\`.\`${table}\` SELECT seq, UUID(), IF(seq % 7 = 0, NULL, CONCAT('note ', seq, ' ü')), seq / 100 FROM seq_1_to_${rows}`
  )
}

/** `attempt N failed (transient: REASON); retry R of M in S s, ...` as job-engine.ts logs it. */
const RETRY_LINE = /^attempt (\d+) failed \(transient: (.*)\); retry (\d+) of (\d+) in (\d+\.\d) s, from the last committed chunks$/

interface RetryLine {
  row: LogRow
  attempt: number
  reason: string
  retry: number
  of: number
  delayMs: number
}

function retryLines(rows: LogRow[]): RetryLine[] {
  return rows.flatMap((row) => {
    const m = RETRY_LINE.exec(row.message)
    return m ? [{ row, attempt: Number(m[1]), reason: m[2]!, retry: Number(m[3]), of: Number(m[4]), delayMs: Number(m[5]) * 1000 }] : []
  })
}

/**
 * The delays as configured: retry r waits `base * 2^(r-1)` times a jitter in [0.5, 1.5]. The log
 * shows tenths of a second, so each logged value may be off by up to 50 ms either way.
 */
function expectBackoff(lines: RetryLine[], rows: LogRow[], base: number, attempts: number): void {
  const ROUNDING = 50
  expect(lines.map((l) => [l.attempt, l.retry, l.of])).toEqual(Array.from({ length: attempts }, (_, i) => [i + 1, i + 1, attempts]))
  for (const l of lines) {
    const nominal = base * 2 ** (l.retry - 1)
    expect(l.delayMs, `retry ${l.retry}: delay within [0.5, 1.5] x ${nominal} ms`).toBeGreaterThanOrEqual(0.5 * nominal - ROUNDING)
    expect(l.delayMs, `retry ${l.retry}: delay within [0.5, 1.5] x ${nominal} ms`).toBeLessThanOrEqual(1.5 * nominal + ROUNDING)
  }
  // The bounds of retry r+2 start above where those of retry r end, whatever the jitter: the
  // delays grow (a constant or linear delay fails here or in the bounds above).
  for (let i = 0; i + 2 < lines.length; i++) expect(lines[i + 2]!.delayMs).toBeGreaterThan(lines[i]!.delayMs)
  // And the engine really waited that long: the next attempt's failure (or the final one) is
  // logged at least the announced delay after the announcement, by the times in job_logs.
  const after = (l: RetryLine): LogRow => rows.find((r) => r.id > l.row.id && (RETRY_LINE.test(r.message) || (r.table === null && r.message.startsWith('failed: '))))!
  for (const l of lines) {
    const waited = Date.parse(after(l).ts) - Date.parse(l.row.ts)
    expect(waited, `retry ${l.retry}: waited ${waited} ms after announcing ${l.delayMs} ms`).toBeGreaterThanOrEqual(l.delayMs - ROUNDING)
  }
}

describe('a source behind a proxy that goes down mid-copy and stays down: retries run out', () => {
  const BASE = 400
  const ATTEMPTS = 3
  const srcDb = uniqueName('rx_src')
  const dstDb = uniqueName('rx_dst')
  let c: Connection
  let proxy: TcpProxy
  let t: TestSystem
  const before: Record<string, string> = {}

  beforeAll(async () => {
    await createDb(testServer(), srcDb)
    c = await connect(testServer(), srcDb)
    await fillOrders(c, srcDb, 'small', 3_000)
    await fillOrders(c, srcDb, 'orders', ROWS)
    // Both target tables exist with other rows: a run replaces them only at its final swap.
    await createDb(testServer(), dstDb)
    await c.query(`CREATE TABLE \`${dstDb}\`.small (id INT UNSIGNED PRIMARY KEY, kept VARCHAR(20))`)
    await c.query(`INSERT INTO \`${dstDb}\`.small VALUES (1, 'old small'), (2, 'old small')`)
    await c.query(`CREATE TABLE \`${dstDb}\`.orders (id INT UNSIGNED PRIMARY KEY, kept VARCHAR(20))`)
    await c.query(`INSERT INTO \`${dstDb}\`.orders VALUES (7, 'old orders'), (8, 'old orders'), (9, 'old orders')`)
    for (const table of ['small', 'orders']) before[table] = await checksum(c, dstDb, table)
    proxy = await startTcpProxy(testServer().port, testServer().host)
    t = await startSystem({ DBT_SYNC_RETRY_DELAY: `${BASE}ms`, DBT_SYNC_RETRY_ATTEMPTS: String(ATTEMPTS) })
  }, 120_000)

  afterAll(async () => {
    await t?.stop()
    await proxy?.close()
    await c?.end()
    await dropDb(testServer(), srcDb)
    await dropDb(testServer(), dstDb)
  })

  it('ends failed with the connection error after retry_attempts retries; both kept shadows dropped, the old tables untouched, the delays as configured', async () => {
    const src = await t.connection('source via proxy', { ...testServer(), port: proxy.port })
    const dst = await t.connection('target', testServer())
    const sync = await t.call<SyncConfig>('syncs.create', {
      name: 'source goes away',
      sourceConnectionId: src,
      targetConnectionId: dst,
      sourceDatabase: srcDb,
      targetDatabase: dstDb,
      tables: [{ source: 'small' }, { source: 'orders' }],
      options: { chunkRows: CHUNK, parallelism: 2 }
    })
    const { jobId } = await t.call<{ jobId: string }>('syncs.run', { id: sync.id })
    // small is loaded and verified, waiting for the run's one RENAME (swap: together), and orders
    // has committed chunks into its shadow: both shadow tables are kept for the retries.
    await whenJob(t.system, jobId, (j) => j.tables[0]?.status === 'ready' && (j.tables[1]?.chunksDone ?? 0) >= 1, 'small ready, orders copying')
    expect((await leftoverShadows(c, dstDb)).sort()).toHaveLength(2)
    proxy.setDown(true)
    proxy.cutAll()

    const job = await settledJob(t, jobId)
    const rows = await logRows(t, jobId)
    const log = rows.map((r) => r.message)
    expect(job.status, JSON.stringify(job)).toBe('failed')
    // Every kept shadow is gone (the job's done-promise includes the drop), and the job says so;
    // the old tables are exactly as they were.
    expect(await leftoverShadows(c, dstDb)).toEqual([])
    for (const table of ['small', 'orders']) expect(await checksum(c, dstDb, table), table).toBe(before[table])
    expect(await q(c, `SELECT * FROM \`${dstDb}\`.small ORDER BY id`)).toEqual([
      { id: 1, kept: 'old small' },
      { id: 2, kept: 'old small' }
    ])
    expect(await q(c, `SELECT COUNT(*) AS n FROM \`${dstDb}\`.orders`)).toEqual([{ n: 3 }])
    expect(log.at(-1)).toMatch(/^dropped the unfinished table\(s\) _dbt_new_\w+_(small|orders), _dbt_new_\w+_(small|orders) on the target$/)
    expect(job.attempts).toBe(1 + ATTEMPTS)
    // The cause: the source's address, and that it would not let a session in.
    expect(job.error?.code, JSON.stringify(job.error)).toBe('CONNECTION_REFUSED')
    expect(job.error?.message).toContain(`127.0.0.1:${proxy.port}`)
    expect(job.error?.message).toMatch(/closed the connection before the login finished/)
    expect(log.at(-2)).toBe(`failed: ${job.error!.message}`)

    const retries = retryLines(rows)
    // The first failure was the cut mid-copy, the others the refused logins.
    expect(retries[0]!.reason).toMatch(/connection|lost|closed|ECONNRESET/i)
    for (const r of retries.slice(1)) expect(r.reason).toBe(job.error!.message)
    expectBackoff(retries, rows, BASE, ATTEMPTS)

    // Nothing of the job is left to resume or to clear.
    expect(job.tables.map((x) => x.status)).not.toContain('ready')
    expect((await t.attempt('jobs.resume', { id: jobId })).ok).toBe(false)
  }, 120_000)
})

describe('a private source server killed mid-copy and not restarted: retries run out', () => {
  const BASE = 150
  const ATTEMPTS = 4
  const dstDb = uniqueName('rx_kill_dst')
  let source: PrivateServer
  let t: TestSystem
  let c: Connection

  beforeAll(async () => {
    source = await startPrivateServer()
    const sc = await connect(source)
    await sc.query('CREATE DATABASE shop')
    await sc.query('USE shop')
    await fillOrders(sc, 'shop', 'orders', ROWS)
    await sc.end()
    c = await connect(testServer())
    t = await startSystem({ DBT_SYNC_RETRY_DELAY: `${BASE}ms`, DBT_SYNC_RETRY_ATTEMPTS: String(ATTEMPTS) })
  }, 120_000)

  afterAll(async () => {
    await t?.stop()
    await source?.stop()
    await c?.end()
    await dropDb(testServer(), dstDb)
  })

  it('ends failed with "connection refused" at the source address; the new table never appears on the target', async () => {
    const src = await t.connection('private source', source)
    const dst = await t.connection('target', testServer())
    const sync = await t.call<SyncConfig>('syncs.create', {
      name: 'source killed',
      sourceConnectionId: src,
      targetConnectionId: dst,
      sourceDatabase: 'shop',
      targetDatabase: dstDb,
      tables: [{ source: 'orders' }],
      options: { chunkRows: CHUNK, parallelism: 2 }
    })
    const { jobId } = await t.call<{ jobId: string }>('syncs.run', { id: sync.id })
    await whenJob(t.system, jobId, (j) => (j.tables[0]?.chunksDone ?? 0) >= 1 && j.status === 'running', 'a committed chunk')
    // A new table loads under its shadow name too (swap: together), kept for the retries.
    expect(await leftoverShadows(c, dstDb)).toHaveLength(1)
    const exited = new Promise((r) => source.process.once('exit', r))
    source.kill()
    await exited

    const job: Job = await settledJob(t, jobId)
    const rows = await logRows(t, jobId)
    expect(job.status, JSON.stringify(job)).toBe('failed')
    expect(job.attempts).toBe(1 + ATTEMPTS)
    expect(job.error).toEqual({
      code: 'CONNECTION_REFUSED',
      message: `Nothing accepts connections at 127.0.0.1:${source.port} (connection refused). Is the server running and the port right?`
    })
    expect(await leftoverShadows(c, dstDb)).toEqual([])
    expect(await q(c, 'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [dstDb])).toEqual([{ n: 0 }])
    expect(job.tables[0]?.status).toBe('failed')
    expectBackoff(retryLines(rows), rows, BASE, ATTEMPTS)
    expect(rows.at(-1)?.message).toMatch(/^dropped the unfinished table\(s\) _dbt_new_\w+_orders on the target$/)
  }, 120_000)
})
