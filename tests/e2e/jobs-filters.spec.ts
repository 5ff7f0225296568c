import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import mysql from 'mysql2/promise'
import { dropDatabases, expect, MARIADB_ADMIN, MARIADB_ENDPOINT, SCREENSHOTS, test } from './fixtures'
import { rpc } from '../helpers/cli'

/**
 * The Jobs page's date range and pages: whole local days (both included) become jobs.list's from/to;
 * a reversed range is flagged under its field and not sent; filters survive opening a job. Only ever
 * connects to 127.0.0.1.
 */

const tag = `${process.pid}_${Date.now().toString(36)}`
const SRC = `dbt_e2e_jobsf_src_${tag}`
const DST = `dbt_e2e_jobsf_dst_${tag}`

test.beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const c = await mysql.createConnection(MARIADB_ADMIN)
  try {
    await c.query(`CREATE DATABASE \`${SRC}\` CHARACTER SET utf8mb4`)
    await c.query(`CREATE TABLE \`${SRC}\`.items (id INT NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL)`)
    await c.query(`INSERT INTO \`${SRC}\`.items SELECT seq, CONCAT('item ', seq) FROM \`${SRC}\`.seq_1_to_500`)
  } finally {
    await c.end()
  }
})

test.afterAll(() => dropDatabases(SRC, DST))

/** `YYYY-MM-DD` of a day in the browser's zone, as a date input takes it. */
function localDay(offsetDays: number): string {
  const d = new Date()
  d.setDate(d.getDate() + offsetDays)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

test('the Jobs page filters by creation date and pages through the jobs; the filters survive opening a job', async ({ page, serve }) => {
  test.setTimeout(120_000)
  const src = await rpc<{ id: string }>(serve, 'connections.create', { name: 'src', ...MARIADB_ENDPOINT })
  const dst = await rpc<{ id: string }>(serve, 'connections.create', { name: 'dst', ...MARIADB_ENDPOINT })
  const sync = await rpc<{ id: string }>(serve, 'syncs.create', {
    name: 'items copy',
    sourceConnectionId: src.id,
    targetConnectionId: dst.id,
    sourceDatabase: SRC,
    targetDatabase: DST,
    tables: [{ source: 'items' }]
  })
  // 23 runs: more than one page of 20.
  const ids: string[] = []
  for (let i = 0; i < 23; i++) {
    const { jobId } = await rpc<{ jobId: string }>(serve, 'syncs.run', { id: sync.id })
    await expect
      .poll(async () => (await rpc<{ status: string }>(serve, 'jobs.get', { id: jobId })).status, { timeout: 30_000 })
      .toBe('succeeded')
    ids.push(jobId)
  }
  const newest = ids[ids.length - 1]!
  const oldest = ids[0]!

  await page.setViewportSize({ width: 1360, height: 1000 })
  await page.goto(`${serve.baseUrl}/#token=${serve.token}`)
  await page.getByTestId('navbar').getByText('Jobs', { exact: true }).click()
  await expect(page.getByTestId('jobs-total')).toHaveText('23 jobs')
  await expect(page.getByTestId('jobs-range')).toHaveText('1–20 of 23')
  await expect(page.getByTestId(`job-row-${newest}`)).toBeVisible()
  await expect(page.getByTestId(`job-row-${oldest}`)).toHaveCount(0)

  // Page 2 holds the three oldest.
  await page.getByTestId('jobs-pagination').getByRole('button', { name: '2' }).click()
  await expect(page.getByTestId('jobs-range')).toHaveText('21–23 of 23')
  await expect(page.getByTestId(`job-row-${oldest}`)).toBeVisible()
  await expect(page.getByTestId('jobs-table').locator('tbody tr')).toHaveCount(3)

  // Today only (from = to = today): every job; a date filter goes back to the first page.
  await page.getByTestId('jobs-filter-from').fill(localDay(0))
  await expect(page.getByTestId('jobs-range')).toHaveText('1–20 of 23')
  await page.getByTestId('jobs-filter-to').fill(localDay(0))
  await expect(page.getByTestId('jobs-total')).toHaveText('23 jobs')
  await page.screenshot({ path: join(SCREENSHOTS, 'jobs-filter-dates.png'), fullPage: true })

  // From tomorrow: nothing.
  await page.getByTestId('jobs-filter-to').fill('')
  await page.getByTestId('jobs-filter-from').fill(localDay(1))
  await expect(page.getByTestId('jobs-empty')).toContainText('No job matches these filters')
  await expect(page.getByTestId('jobs-total')).toHaveText('0 jobs')

  // Up to yesterday (included): nothing either.
  await page.getByTestId('jobs-filter-from').fill('')
  await page.getByTestId('jobs-filter-to').fill(localDay(-1))
  await expect(page.getByTestId('jobs-empty')).toBeVisible()

  // A reversed range is flagged and not sent: the last answer stays.
  await page.getByTestId('jobs-filter-from').fill(localDay(0))
  await page.getByTestId('jobs-filter-to').fill(localDay(-1))
  await expect(page.getByTestId('jobs-filters')).toContainText('Ends before it starts.')
  await page.getByTestId('jobs-filter-to').fill(localDay(1))
  await expect(page.getByTestId('jobs-filters')).not.toContainText('Ends before it starts.')
  await expect(page.getByTestId('jobs-total')).toHaveText('23 jobs')

  // 50 per page: one page.
  await page.getByTestId('jobs-page-size').click()
  await page.getByRole('option', { name: '50 per page' }).click()
  await expect(page.getByTestId('jobs-range')).toHaveText('1–23 of 23')
  await expect(page.getByTestId('jobs-pagination')).toHaveCount(0)

  // Open a job and come back: the filters are as they were.
  await page.getByTestId(`job-row-${oldest}`).click()
  await expect(page.getByTestId('job-status')).toHaveAttribute('data-status', 'succeeded')
  // One start, no retry or resume.
  await expect(page.getByTestId('job-attempts')).toHaveText('1')
  await page.screenshot({ path: join(SCREENSHOTS, 'job-detail-attempts.png'), fullPage: true })
  await page.getByTestId('job-back').click()
  await expect(page.getByTestId('jobs-filter-from')).toHaveValue(localDay(0))
  await expect(page.getByTestId('jobs-filter-to')).toHaveValue(localDay(1))
  await expect(page.getByTestId('jobs-range')).toHaveText('1–23 of 23')

  await page.getByTestId('jobs-filter-clear').click()
  await expect(page.getByTestId('jobs-filter-from')).toHaveValue('')
  await expect(page.getByTestId('jobs-filter-clear')).toHaveCount(0)
  await expect(page.getByTestId('jobs-total')).toHaveText('23 jobs')
})
