import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireTool } from '../../helpers/ci'
import { BIN, cleanEnv, runCli } from '../../helpers/cli'
import { startStallingProxy, until } from '../../helpers/stalling-proxy'
import { createTestDatabase, freePort, type PrivateServer } from '../../helpers/mariadb'
import { ALL_TYPES_DDL, ALL_TYPES_ROWS } from './all-types'
import { checksum, connect, expectSameTable, privateServer, q, STRICT_LATIN1, url } from './support'

/**
 * `db-taxi sync` and `db-taxi verify` as a user runs them, and the acceptance: a realistic
 * shop schema (plus the every-type table) copied with `--all --json --objects ...` to a server whose
 * defaults differ; every table's CHECKSUM TABLE and SHOW CREATE TABLE match, and pt-table-sync
 * finds nothing to change.
 */

const SHOP = readFileSync(resolve(__dirname, '../../fixtures/shop.sql'), 'utf8')
const PT_TABLE_SYNC = '/usr/bin/pt-table-sync'
const SHOP_TABLES = ['categories', 'customers', 'order_audit', 'order_items', 'orders', 'page_views', 'product_images', 'products']

describe('db-taxi sync and verify (CLI)', () => {
  let source: Awaited<ReturnType<typeof createTestDatabase>>
  let target: PrivateServer
  let s: Connection
  let t: Connection
  const targetDb = 'shop_copy'
  const srcUrl = (): string => url(source.addr, source.name)
  const dstUrl = (db = targetDb): string => url(target, db)

  beforeAll(async () => {
    source = await createTestDatabase('cli_shop')
    target = await privateServer(STRICT_LATIN1)
    s = await connect(source.addr, source.name, '')
    await s.query(SHOP)
    await s.query(ALL_TYPES_DDL)
    for (const sql of ALL_TYPES_ROWS) await s.query(sql)
    await s.query('SET sql_mode = DEFAULT')
    t = await connect(target)
  })

  afterAll(async () => {
    await s?.end()
    await t?.end()
    await source?.drop()
    await target?.stop()
  })

  it('--dry-run prints the plan and creates nothing', () => {
    const r = runCli(['sync', '--source', srcUrl(), '--target', dstUrl(), '--all', '--dry-run', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const plan = JSON.parse(r.stdout) as { tables: { source: string; action: string; keyless: boolean }[] }
    expect(plan.tables.map((p) => p.source).sort()).toEqual([...SHOP_TABLES, 'all_types'].sort())
    expect(plan.tables.find((p) => p.source === 'page_views')).toMatchObject({ action: 'create', keyless: true })
  })

  it('refuses a hostile --where with exit 2 and creates nothing', async () => {
    const r = runCli(['sync', '--source', srcUrl(), '--target', dstUrl(), '--tables', 'customers', '--where', 'customers=1=1; DROP TABLE customers'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('VALIDATION')
    expect(await q(t, 'SHOW DATABASES LIKE ?', [targetDb])).toHaveLength(0)
    expect(await checksum(s, source.name, 'customers')).toBeTruthy()
  })

  let acceptanceCopied = false
  it('acceptance: copies the whole shop with objects; checksums and definitions agree', async () => {
    // URLs from the environment keep passwords out of the process list.
    const r = runCli(['sync', '--all', '--json', '--objects', 'views,triggers,routines', '--chunk-rows', '700'], { DBT_SOURCE_URL: srcUrl(), DBT_TARGET_URL: dstUrl() }, 120_000)
    expect(r.code, r.stderr + r.stdout).toBe(0)
    const out = JSON.parse(r.stdout) as { status: string; durationMs: number; tables: Record<string, unknown>[] }
    expect(out.status).toBe('succeeded')
    expect(out.durationMs).toBeGreaterThan(0)
    expect(out.tables).toHaveLength(SHOP_TABLES.length + 1)
    for (const table of out.tables) {
      expect(table).toMatchObject({ status: 'done', verified: true, mode: 'full' })
      for (const k of ['source', 'target', 'rowsEstimated', 'rowsRead', 'rowsWritten', 'inserted', 'updated', 'deleted', 'bytes', 'keyless', 'durationMs', 'rowsPerSecond']) {
        expect(table).toHaveProperty(k)
      }
    }
    expect(out.tables.find((x) => x.source === 'page_views')).toMatchObject({ keyless: true, rowsWritten: 3020 })

    const [sv] = await q(t, "SELECT @@character_set_server AS cs")
    expect(sv?.cs).toBe('latin1')
    for (const table of [...SHOP_TABLES, 'all_types']) await expectSameTable(s, source.name, table, t, targetDb)

    // Objects arrived and work.
    const trig = await q(t, 'SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY 1', [targetDb])
    expect(trig.map((x) => String(x.n)).sort()).toEqual(['order_items_total', 'orders_status_audit'])
    const top = await q(t, `SELECT COUNT(*) AS n FROM \`${targetDb}\`.top_customers`)
    const topSrc = await q(s, 'SELECT COUNT(*) AS n FROM top_customers')
    expect(Number(top[0]?.n)).toBe(Number(topSrc[0]?.n))
    await t.query(`CALL \`${targetDb}\`.place_order(5, 7, 2, @oid)`)
    const placed = await q(t, `SELECT o.total, p.price FROM \`${targetDb}\`.orders o JOIN \`${targetDb}\`.products p ON p.id = 7 WHERE o.id = @oid`)
    expect(Number(placed[0]?.total)).toBeCloseTo(2 * Number(placed[0]?.price), 2)
    const n = await q(t, `SELECT \`${targetDb}\`.order_count(5) AS n`)
    expect(Number(n[0]?.n)).toBeGreaterThan(1)
    await t.query(`DELETE FROM \`${targetDb}\`.orders WHERE id = @oid`)
    acceptanceCopied = true
  })

  it('acceptance: pt-table-sync finds nothing to change after that copy', async (ctx) => {
    expect(acceptanceCopied, 'the acceptance copy above did not finish').toBe(true)
    if (!existsSync(PT_TABLE_SYNC)) requireTool(ctx, PT_TABLE_SYNC, 'percona-toolkit: the acceptance check compares with pt-table-sync')
    for (const table of [...SHOP_TABLES, 'all_types']) {
      const pt = spawnSync(
        PT_TABLE_SYNC,
        ['--print', '--no-check-triggers', `h=127.0.0.1,P=${source.addr.port},u=root,D=${source.name},t=${table}`, `h=127.0.0.1,P=${target.port},u=root,D=${targetDb}`],
        { encoding: 'utf8', timeout: 60_000 }
      )
      expect(pt.status, `pt-table-sync ${table}: ${pt.stderr}`).toBe(0)
      expect(pt.stdout, `pt-table-sync ${table} wants to change rows`).toBe('')
    }
  })

  it('verify: exit 0 when identical, 1 naming the key after one changed row, 3 when it cannot connect', async () => {
    const same = runCli(['verify', '--source', srcUrl(), '--target', dstUrl(), '--all', '--json'])
    expect(same.code, same.stderr).toBe(0)
    expect((JSON.parse(same.stdout) as { identical: boolean }).identical).toBe(true)

    await t.query(`UPDATE \`${targetDb}\`.customers SET name = CONCAT(name, '!') WHERE id = 1234`)
    const diff = runCli(['verify', '--source', srcUrl(), '--target', dstUrl(), '--tables', 'customers,orders', '--json', '--chunk-rows', '300'])
    expect(diff.code, diff.stderr).toBe(1)
    const report = JSON.parse(diff.stdout) as { identical: boolean; tables: { source: string; identical: boolean; firstDifference?: { key: string[]; kind: string } }[] }
    expect(report.identical).toBe(false)
    expect(report.tables.find((x) => x.source === 'orders')?.identical).toBe(true)
    expect(report.tables.find((x) => x.source === 'customers')?.firstDifference).toMatchObject({ key: ['1234'], kind: 'different' })

    const text = runCli(['verify', '--source', srcUrl(), '--target', dstUrl(), '--tables', 'customers'])
    expect(text.code).toBe(1)
    expect(text.stdout).toContain('DIFFERENT')

    const closed = await freePort()
    const down = runCli(['verify', '--source', srcUrl(), '--target', `mysql://root@127.0.0.1:${closed}/${targetDb}`, '--all'])
    expect(down.code).toBe(3)
    expect(down.stderr).toMatch(/CONNECTION_REFUSED|refused/i)
  })

  it('Ctrl+C stops a sync mid-copy with exit 130 and leaves no table behind in the database it created', async () => {
    // Mid-copy without timing: the source is read through a proxy that passes the first MiB each
    // session receives and holds the rest, so the copy stalls with its shadow table created and
    // can only end by the signal (a fast machine cannot finish first, a slow one is waited for).
    await s.query('CREATE TABLE IF NOT EXISTS wide (id INT PRIMARY KEY, pad VARCHAR(1000) NOT NULL)')
    await s.query("INSERT IGNORE INTO wide SELECT seq, REPEAT('w', 1000) FROM seq_1_to_20000")
    const proxy = await startStallingProxy(source.addr.port, 1024 * 1024)
    try {
      const child = spawn(
        process.execPath,
        [BIN, 'sync', '--source', url({ ...source.addr, port: proxy.port }, source.name), '--target', dstUrl('shop_interrupted'), '--tables', 'wide', '--chunk-rows', '20000'],
        { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] }
      )
      let stderr = ''
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)))
      await until('the shadow table on the target', async () => {
        const rows = await q(t, "SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop_interrupted' AND TABLE_NAME LIKE '\\_dbt\\_new\\_%'")
        return rows.length ? true : undefined
      })
      child.kill('SIGINT')
      expect(await exited, stderr).toBe(130)
      expect(await q(t, 'SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', ['shop_interrupted'])).toEqual([])
    } finally {
      await proxy.close()
      await s.query('DROP TABLE IF EXISTS wide')
    }
  })

  it('sync exits 3 when a server cannot be reached', async () => {
    const closed = await freePort()
    const r = runCli(['sync', '--source', `mysql://root@127.0.0.1:${closed}/x`, '--target', dstUrl(), '--all'])
    expect(r.code).toBe(3)
  })
})
