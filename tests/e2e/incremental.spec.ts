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
  } finally {
    await c.end()
  }
})

test.afterAll(() => dropDatabases(SRC, DST))

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

  await page.getByTestId('tables-select-all').check()
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
  await expect(page.getByTestId('job-table-changes-customers')).toHaveText('Copied whole; the next run reads from 2026-01-01 00:08:20.000000.')
  await same()

  const c = await mysql.createConnection(admin)
  await c.query(`UPDATE \`${SRC}\`.customers SET name = 'renamed ✓' WHERE id IN (3, 4)`)
  await c.query(`INSERT INTO \`${SRC}\`.customers (id, name, created_at) VALUES (501, 'new', '2026-02-02')`)
  await c.end()
  await page.getByTestId('navbar').getByText('Syncs', { exact: true }).click()
  await page.getByTestId('sync-run-customers replica').click()
  // The plan says the table is upserted, not replaced: nothing to confirm.
  await expect(page.getByTestId('job-status')).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 })
  await expect(page.getByTestId('job-table-changes-customers')).toContainText(/^1 inserted · 2 updated · watermark 2026-01-01 00:08:20\.000000 → 20\d\d-/)
  await page.screenshot({ path: join(SCREENSHOTS, 'job-incremental.png'), fullPage: true })
  await same()
  expect(errors).toEqual([])
})
