import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import mysql from 'mysql2/promise'
import type { Page } from '@playwright/test'
import { dropDatabases, expect, MARIADB_ADMIN, MARIADB_ENDPOINT, SCREENSHOTS, test } from './fixtures'
import { rpc } from '../helpers/cli'
import { startTcpProxy } from '../helpers/tcp-proxy'

/**
 * Issue 5 end to end: the Jobs page lists runs, filters them by status and sync, opens the detail;
 * the Dashboard shows throughput, running jobs and recent failures; a long run shows live progress
 * and is cancelled from its page. Only ever connects to 127.0.0.1.
 */

const tag = `${process.pid}_${Date.now().toString(36)}`
const SRC = `dbt_e2e_jobs_src_${tag}`
const DST = `dbt_e2e_jobs_dst_${tag}`
const BIG_ROWS = 300_000
const admin = MARIADB_ADMIN

test.beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const c = await mysql.createConnection(admin)
  try {
    await c.query(`CREATE DATABASE \`${SRC}\` CHARACTER SET utf8mb4`)
    await c.query(`CREATE TABLE \`${SRC}\`.items (id INT NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL, price DECIMAL(8,2) NULL)`)
    await c.query(`INSERT INTO \`${SRC}\`.items SELECT seq, CONCAT('item ', seq), IF(seq % 7 = 0, NULL, seq / 4) FROM \`${SRC}\`.seq_1_to_2000`)
    await c.query(`CREATE TABLE \`${SRC}\`.big (id INT NOT NULL PRIMARY KEY, pad CHAR(200) NOT NULL, n INT NOT NULL)`)
    await c.query(`INSERT INTO \`${SRC}\`.big SELECT seq, REPEAT('x', 200), seq % 100 FROM \`${SRC}\`.seq_1_to_${BIG_ROWS}`)
    await c.query(`ANALYZE TABLE \`${SRC}\`.items, \`${SRC}\`.big`)
  } finally {
    await c.end()
  }
})

test.afterAll(() => dropDatabases(SRC, DST))

type Serve = { baseUrl: string; token: string }


async function connections(serve: Serve): Promise<{ src: string; dst: string }> {
  const src = await rpc<{ id: string }>(serve, 'connections.create', { name: 'src', ...MARIADB_ENDPOINT })
  const dst = await rpc<{ id: string }>(serve, 'connections.create', { name: 'dst', ...MARIADB_ENDPOINT })
  return { src: src.id, dst: dst.id }
}

async function finished(serve: Serve, jobId: string): Promise<string> {
  let status = ''
  await expect
    .poll(
      async () => {
        status = (await rpc<{ status: string }>(serve, 'jobs.get', { id: jobId })).status
        return ['queued', 'running'].includes(status)
      },
      { timeout: 30_000 }
    )
    .toBe(false)
  return status
}

async function choose(page: Page, testId: string, label: RegExp): Promise<void> {
  await page.getByTestId(testId).click()
  await page.getByRole('option', { name: label }).first().click()
}

test('the Jobs page lists runs, filters by status and sync, opens a job; the Dashboard charts throughput and links failures', async ({ page, serve }) => {
  const { src, dst } = await connections(serve)
  const good = await rpc<{ id: string }>(serve, 'syncs.create', {
    name: 'items copy',
    sourceConnectionId: src,
    targetConnectionId: dst,
    sourceDatabase: SRC,
    targetDatabase: DST,
    tables: [{ source: 'items' }]
  })
  // Accepted when saved (tables are looked up at run time), refused when it runs.
  const broken = await rpc<{ id: string }>(serve, 'syncs.create', {
    name: 'missing table',
    sourceConnectionId: src,
    targetConnectionId: dst,
    sourceDatabase: SRC,
    targetDatabase: DST,
    tables: [{ source: 'no_such_table' }]
  })
  const ok1 = (await rpc<{ jobId: string }>(serve, 'syncs.run', { id: good.id })).jobId
  expect(await finished(serve, ok1)).toBe('succeeded')
  const ok2 = (await rpc<{ jobId: string }>(serve, 'syncs.run', { id: good.id })).jobId
  expect(await finished(serve, ok2)).toBe('succeeded')
  const bad = (await rpc<{ jobId: string }>(serve, 'syncs.run', { id: broken.id })).jobId
  expect(await finished(serve, bad)).toBe('failed')

  await page.setViewportSize({ width: 1360, height: 1000 })
  await page.goto(`${serve.baseUrl}/#token=${serve.token}`)
  await page.getByTestId('navbar').getByText('Jobs', { exact: true }).click()
  await expect(page.getByTestId('jobs-total')).toHaveText('3 jobs')
  await expect(page.getByTestId(`job-row-${ok1}`)).toContainText('items copy')
  await expect(page.getByTestId(`job-row-${ok1}`)).toContainText('verified ✓')
  await expect(page.getByTestId(`job-row-${bad}`)).toContainText('TABLE_NOT_FOUND')
  await page.screenshot({ path: join(SCREENSHOTS, 'jobs-list.png'), fullPage: true })

  await choose(page, 'jobs-filter-status', /^failed$/)
  await expect(page.getByTestId('jobs-total')).toHaveText('1 job')
  await expect(page.getByTestId(`job-row-${bad}`)).toBeVisible()
  await expect(page.getByTestId(`job-row-${ok1}`)).toHaveCount(0)
  await choose(page, 'jobs-filter-status', /^succeeded$/)
  await expect(page.getByTestId('jobs-total')).toHaveText('2 jobs')
  await choose(page, 'jobs-filter-status', /^Any status$/)
  await choose(page, 'jobs-filter-sync', /^missing table$/)
  await expect(page.getByTestId('jobs-total')).toHaveText('1 job')
  await choose(page, 'jobs-filter-status', /^cancelled$/)
  await expect(page.getByTestId('jobs-empty')).toContainText('No job matches these filters')
  await choose(page, 'jobs-filter-status', /^Any status$/)
  await choose(page, 'jobs-filter-sync', /^items copy$/)
  await expect(page.getByTestId('jobs-total')).toHaveText('2 jobs')

  // A row opens its job; the detail survives a reload (the id is in the address).
  await page.getByTestId(`job-row-${ok2}`).click()
  await expect(page.getByTestId('job-status')).toHaveAttribute('data-status', 'succeeded')
  expect(new URL(page.url()).hash).toBe(`#/jobs/${ok2}`)
  await page.reload()
  await expect(page.getByTestId('job-table-verified-items')).toContainText('verified ✓')
  await expect(page.getByTestId('job-table-rows-items')).toHaveText('2,000')
  await expect(page.getByTestId('job-log')).toContainText('succeeded')
  await page.getByTestId('job-back').click()
  await expect(page.getByTestId('jobs-table')).toBeVisible()

  // The Dashboard: counters, the last hour's throughput, the failure linking to its job.
  await page.getByTestId('navbar').getByText('Dashboard', { exact: true }).click()
  await expect(page.getByTestId('counter-jobs-total')).toHaveText('3')
  await expect(page.getByTestId('counter-jobs-failed')).toHaveText('1')
  await expect(page.getByTestId('chart-rows')).toHaveAttribute('data-points', /^[1-9]\d*$/)
  await expect(page.getByTestId('chart-rows').locator('rect')).not.toHaveCount(0)
  await expect(page.getByTestId('throughput-rows-total')).toHaveText('4,000')
  await expect(page.getByTestId('running-jobs-empty')).toBeVisible()
  await expect(page.getByTestId(`failure-${bad}`)).toContainText('missing table')
  await expect(page.getByTestId(`failure-${bad}`)).toContainText('TABLE_NOT_FOUND')
  await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-throughput.png'), fullPage: true })
  await page.getByTestId(`failure-${bad}`).getByRole('link').click()
  await expect(page.getByTestId('job-status')).toHaveAttribute('data-status', 'failed')
  await expect(page.getByTestId('job-error')).toContainText('TABLE_NOT_FOUND')
  // Retry and Resume appear only once the backend offers jobs.retry / jobs.resume.
  await expect(page.getByTestId('job-cancel')).toHaveCount(0)
  await page.screenshot({ path: join(SCREENSHOTS, 'job-failed.png'), fullPage: true })
})

test('a long run shows live progress, appears on the Dashboard, and is cancelled from its page', async ({ page, serve }) => {
  test.setTimeout(120_000)
  const { dst } = await connections(serve)
  // The source through a proxy that passes 4 MB/s: the copy of ~60 MB takes about 15 s on any
  // machine, so its progress is seen between 1 and 99 % however fast the machine is.
  const throttle = await startTcpProxy(admin.port, { host: admin.host, bytesPerSecond: 4_000_000 })
  const { id: src } = await rpc<{ id: string }>(serve, 'connections.create', { name: 'src-throttled', ...MARIADB_ENDPOINT, port: throttle.port })
  await rpc(serve, 'syncs.create', {
    name: 'big copy',
    sourceConnectionId: src,
    targetConnectionId: dst,
    sourceDatabase: SRC,
    targetDatabase: DST,
    tables: [{ source: 'big' }],
    options: { chunkRows: 500, parallelism: 1 }
  })
  await page.setViewportSize({ width: 1360, height: 1000 })
  await page.goto(`${serve.baseUrl}/#token=${serve.token}`)
  await page.getByTestId('navbar').getByText('Syncs', { exact: true }).click()
  await page.getByTestId('sync-run-big copy').click()
  // Nothing to replace on the target: no question asked, straight to the live view.
  await expect(page.getByTestId('job-detail')).toBeVisible()
  await expect(page.getByTestId('job-table-status-big')).toHaveText('copying', { timeout: 60_000 })
  await expect(page.getByTestId('job-table-bar-big')).toHaveAttribute('data-percent', /^([1-9]\d?)$/, { timeout: 60_000 })
  await expect(page.getByTestId('job-table-big')).toContainText('rows/s')
  await expect(page.getByTestId('job-table-big')).toContainText(/~\d/)
  await expect(page.getByTestId('job-cancel')).toBeVisible()
  await page.screenshot({ path: join(SCREENSHOTS, 'job-running.png'), fullPage: true })
  const jobId = new URL(page.url()).hash.replace('#/jobs/', '')

  await page.getByTestId('navbar').getByText('Dashboard', { exact: true }).click()
  const running = page.getByTestId(`running-job-${jobId}`)
  await expect(running).toContainText('big copy')
  await expect(running).toContainText('rows/s')
  await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-running.png'), fullPage: true })
  await running.getByRole('link').click()

  await page.getByTestId('job-cancel').click()
  await expect(page.getByTestId('job-status')).toHaveAttribute('data-status', 'cancelled', { timeout: 30_000 })
  await expect(page.getByTestId('job-error')).toContainText('CANCELLED')
  await expect(page.getByTestId('job-cancel')).toHaveCount(0)
  await page.screenshot({ path: join(SCREENSHOTS, 'job-cancelled.png'), fullPage: true })

  // Under replace a cancelled copy leaves nothing half-loaded behind.
  const c = await mysql.createConnection(admin)
  try {
    const [rows] = await c.query(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ?`, [DST])
    expect((rows as { t: string }[]).map((r) => r.t).filter((t) => t.includes('big'))).toEqual([])
  } finally {
    await c.end()
    await throttle.close()
  }
})
