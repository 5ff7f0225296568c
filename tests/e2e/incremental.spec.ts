import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import mysql from 'mysql2/promise'
import type { Page } from '@playwright/test'
import { dropDatabases, expect, MARIADB_ADMIN, MARIADB_ENDPOINT, SCREENSHOTS, test } from './fixtures'
import { rpc } from '../helpers/cli'

/**
 * Issue 13 end to end: a table switched to incremental in the wizard takes the suggested cursor (the
 * ON UPDATE CURRENT_TIMESTAMP column) with the reason shown, the review says so, the first run copies
 * whole and names the watermark, the second carries only the changed rows, and the target equals the
 * source. Only ever connects to 127.0.0.1.
 */

const tag = `${process.pid}_${Date.now().toString(36)}`
const SRC = `dbt_e2e_inc_src_${tag}`
const DST = `dbt_e2e_inc_dst_${tag}`
const admin = MARIADB_ADMIN

test.beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const c = await mysql.createConnection(admin)
  try {
    await c.query(`CREATE DATABASE \`${SRC}\``)
    await c.query(`CREATE DATABASE \`${DST}\``)
    await c.query(
      `CREATE TABLE \`${SRC}\`.customers (
         id INT PRIMARY KEY, name VARCHAR(50) NOT NULL, created_at DATETIME NOT NULL,
         updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), KEY (updated_at))`
    )
    await c.query(`INSERT INTO \`${SRC}\`.customers (id, name, created_at, updated_at) SELECT seq, CONCAT('c', seq), '2025-01-01', '2026-01-01' + INTERVAL seq SECOND FROM \`${SRC}\`.seq_1_to_500`)
    // The diff test's own table (the two tests may run at the same time).
    await c.query(`CREATE TABLE \`${SRC}\`.members LIKE \`${SRC}\`.customers`)
    await c.query(`INSERT INTO \`${SRC}\`.members SELECT * FROM \`${SRC}\`.customers`)
  } finally {
    await c.end()
  }
})

test.afterAll(() => dropDatabases(SRC, DST, DIFF_DST))

const DIFF_DST = `dbt_e2e_diff_dst_${tag}`

async function choose(page: Page, testId: string, label: RegExp): Promise<void> {
  await page.getByTestId(testId).click()
  await page.getByRole('option', { name: label }).first().click()
}

async function same(): Promise<void> {
  const c = await mysql.createConnection(admin)
  try {
    const sum = async (db: string): Promise<unknown> =>
      (await c.query(`SELECT COUNT(*) AS n, SUM(CRC32(CONCAT_WS('|', id, name, created_at, updated_at))) AS s FROM \`${db}\`.customers`))[0]
    expect(await sum(DST)).toEqual(await sum(SRC))
  } finally {
    await c.end()
  }
}

test('an incremental table: suggested cursor, first run copies whole, the second carries only the changes', async ({ page, serve }) => {
  test.setTimeout(120_000)
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  // No lag window: the one server's clock, and exact counts.
  await rpc(serve, 'settings.update', { values: { 'sync.incremental_lag': 0 } })
  await rpc(serve, 'connections.create', { name: 'app', ...MARIADB_ENDPOINT })
  await rpc(serve, 'connections.create', { name: 'replica', ...MARIADB_ENDPOINT })

  await page.setViewportSize({ width: 1360, height: 1000 })
  await page.goto(`${serve.baseUrl}/#token=${serve.token}`)
  await page.getByTestId('navbar').getByText('Syncs', { exact: true }).click()
  await page.getByTestId('sync-new').click()
  await page.getByTestId('sync-name').fill('customers replica')
  await choose(page, 'sync-source-connection', /^app/)
  await choose(page, 'sync-source-database', new RegExp(`^${SRC}$`))
  await choose(page, 'sync-target-connection', /^replica/)
  await page.getByTestId('sync-target-database').fill(DST)
  await page.getByTestId('sync-target-database').press('Escape')
  await page.getByTestId('wizard-next').click()

  await page.getByTestId('table-select-customers').check()
  await page.getByTestId('table-expand-customers').click()
  await page.getByTestId('table-mode-customers').getByText('Carries new and changed rows (incremental)').click()
  // The suggestion is taken: the server keeps updated_at current, and it is indexed.
  await expect(page.getByTestId('table-cursor-reason-customers')).toContainText('set by the server on every update')
  await expect(page.getByTestId('table-cursor-box-customers')).toContainText('updated_at timestamp(6)')
  await expect(page.getByTestId('table-cursor-caveats-customers')).toHaveCount(0)
  await page.screenshot({ path: join(SCREENSHOTS, 'sync-wizard-incremental.png'), fullPage: true })
  await page.getByTestId('wizard-next').click()
  // Options: incremental tables verify the whole table unless asked otherwise.
  await expect(page.getByTestId('opt-verify-scope-table')).toBeChecked()
  await page.screenshot({ path: join(SCREENSHOTS, 'sync-wizard-incremental-options.png'), fullPage: true })
  await page.getByTestId('wizard-next').click()
  await page.getByTestId('wizard-next').click()
  await expect(page.getByTestId('review-table-customers')).toContainText('incremental by updated_at')
  await page.getByTestId('wizard-save').click()

  const row = page.getByTestId('sync-row-customers replica')
  await expect(row).toBeVisible()
  await page.getByTestId('sync-run-customers replica').click()
  await expect(page.getByTestId('job-status')).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 })
  await expect(page.getByTestId('job-table-mode-customers')).toHaveText('incremental')
  // 00:08:20 is the newest updated_at; the watermark may sit below it by the age of a transaction
  // another test has open on the shared server (it is held back for late commits).
  await expect(page.getByTestId('job-table-changes-customers')).toHaveText(/^Copied whole; the next run reads from 2026-01-01 00:0[0-8]:\d\d\.\d{6}\.$/)
  await same()

  const c = await mysql.createConnection(admin)
  await c.query(`UPDATE \`${SRC}\`.customers SET name = 'renamed ✓' WHERE id IN (3, 4)`)
  await c.query(`INSERT INTO \`${SRC}\`.customers (id, name, created_at) VALUES (501, 'new', '2026-02-02')`)
  await c.end()
  await page.getByTestId('navbar').getByText('Syncs', { exact: true }).click()
  await page.getByTestId('sync-run-customers replica').click()
  // The plan says the table is upserted into: the preview shows the rows past the watermark first.
  await expect(page.getByTestId('preview')).toBeVisible()
  await expect(page.getByTestId('preview-inserts-customers')).toHaveText('1')
  // Exact: rows at the watermark are read again, compared, and found equal.
  await expect(page.getByTestId('preview-updates-customers')).toHaveText('2')
  await page.screenshot({ path: join(SCREENSHOTS, 'sync-preview-incremental.png'), fullPage: true })
  await page.getByTestId('preview-apply').click()
  await expect(page.getByTestId('job-status')).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 })
  await expect(page.getByTestId('job-table-changes-customers')).toContainText(/^1 inserted · 2 updated · watermark 2026-01-01 00:0[0-8]:\d\d\.\d{6} → 20\d\d-/)
  await expect(page.getByTestId('job-tables')).toContainText('the counts are those the preview showed')
  await page.screenshot({ path: join(SCREENSHOTS, 'job-incremental.png'), fullPage: true })
  await same()
  expect(errors).toEqual([])
})

test('a diff table: Run shows the changes first, the delete guard asks, Apply carries inserts, updates and deletes', async ({ page, serve }) => {
  test.setTimeout(120_000)
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await rpc(serve, 'connections.create', { name: 'app', ...MARIADB_ENDPOINT })
  const conn = await rpc<{ id: string }>(serve, 'connections.list')
  const id = (conn as unknown as { id: string }[])[0]!.id
  const sync = await rpc<{ id: string }>(serve, 'syncs.create', {
    name: 'members mirror',
    sourceConnectionId: id,
    targetConnectionId: id,
    sourceDatabase: SRC,
    targetDatabase: DIFF_DST,
    tables: [{ source: 'members', mode: 'diff' }]
  })
  // The first run copies the table whole.
  const first = await rpc<{ jobId: string }>(serve, 'syncs.run', { id: sync.id })
  for (let i = 0; i < 100; i++) {
    const j = await rpc<{ status: string }>(serve, 'jobs.get', { id: first.jobId })
    if (j.status === 'succeeded') break
    if (j.status === 'failed') throw new Error('the first run failed')
    await new Promise((r) => setTimeout(r, 200))
  }
  const c = await mysql.createConnection(admin)
  await c.query(`UPDATE \`${SRC}\`.members SET name = 'changed ✓' WHERE id IN (10, 11, 12)`)
  await c.query(`DELETE FROM \`${SRC}\`.members WHERE id > 100`)
  await c.end()

  await page.setViewportSize({ width: 1360, height: 1000 })
  await page.goto(`${serve.baseUrl}/#token=${serve.token}`)
  await page.getByTestId('navbar').getByText('Syncs', { exact: true }).click()
  await page.getByTestId('sync-run-members mirror').click()
  const preview = page.getByTestId('preview')
  await expect(preview).toBeVisible()
  await expect(page.getByTestId('preview-updates-members')).toHaveText('3')
  await expect(page.getByTestId('preview-deletes-members')).toHaveText(/^40[0-9]$/)
  await expect(page.getByTestId('preview-sample-members-updates')).toContainText('name: c10 → changed ✓')
  // More than 10% of the table would go: the guard asks, Apply waits for the checkbox.
  await expect(page.getByTestId('preview-guard')).toBeVisible()
  await expect(page.getByTestId('preview-apply')).toBeDisabled()
  await page.screenshot({ path: join(SCREENSHOTS, 'sync-preview-diff.png'), fullPage: true })
  await page.getByTestId('preview-allow-deletes').check()
  await page.getByTestId('preview-apply').click()
  await expect(page.getByTestId('job-status')).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 })
  await expect(page.getByTestId('job-table-changes-members')).toHaveText(/^0 inserted · 3 updated · 40\d deleted$/)
  await expect(page.getByTestId('job-tables')).toContainText('the counts are those the preview showed')
  await page.screenshot({ path: join(SCREENSHOTS, 'job-diff.png'), fullPage: true })
  const d = await mysql.createConnection(admin)
  const sum = async (db: string): Promise<unknown> =>
    (await d.query(`SELECT COUNT(*) AS n, SUM(CRC32(CONCAT_WS('|', id, name, created_at, updated_at))) AS s FROM \`${db}\`.members`))[0]
  expect(await sum(DIFF_DST)).toEqual(await sum(SRC))
  await d.end()
  expect(errors).toEqual([])
})
