import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import mysql from 'mysql2/promise'
import type { Page } from '@playwright/test'
import { dropDatabases, expect, MARIADB_ADMIN, MARIADB_ENDPOINT, SCREENSHOTS, test } from './fixtures'
import { rpc } from '../helpers/cli'

/**
 * Issues 4 and 5 end to end: a sync created through the wizard (table picked from the list, renamed
 * target, WHERE filter, cron schedule with its preview), a hostile filter refused on its field, Run
 * with the replace confirmation, the live run view ending succeeded and verified, and the target's
 * rows equal to the filtered source rows. Only ever connects to 127.0.0.1.
 */

const tag = `${process.pid}_${Date.now().toString(36)}`
const SRC = `dbt_e2e_sync_src_${tag}`
const DST = `dbt_e2e_sync_dst_${tag}`
const ROWS = 3000
const FILTER = "amount >= 50 AND status <> 'void'"
const admin = MARIADB_ADMIN

test.beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const c = await mysql.createConnection({ ...admin, multipleStatements: true })
  try {
    await c.query(`CREATE DATABASE \`${SRC}\` CHARACTER SET utf8mb4`)
    await c.query(`CREATE DATABASE \`${DST}\` CHARACTER SET utf8mb4`)
    await c.query(
      `CREATE TABLE \`${SRC}\`.orders (
         id INT UNSIGNED NOT NULL PRIMARY KEY,
         customer VARCHAR(64) NOT NULL,
         amount DECIMAL(10,2) NOT NULL,
         status ENUM('open','paid','void') NOT NULL,
         note TEXT NULL,
         created_at DATETIME(6) NOT NULL,
         KEY by_customer (customer)
       )`
    )
    // seq_1_to_N is MariaDB's sequence engine: a few thousand rows in one statement.
    await c.query(
      `INSERT INTO \`${SRC}\`.orders
       SELECT seq, CONCAT('customer ', seq % 97), (seq * 37) % 100 + 0.25, ELT(1 + seq % 3, 'open', 'paid', 'void'),
              IF(seq % 11 = 0, NULL, CONCAT('note ✓ ', seq)), TIMESTAMP('2024-01-01') + INTERVAL seq MINUTE
       FROM \`${SRC}\`.seq_1_to_${ROWS}`
    )
    await c.query(`CREATE TABLE \`${SRC}\`.audit_log (msg TEXT, at DATETIME NULL)`)
    await c.query(`INSERT INTO \`${SRC}\`.audit_log VALUES ('created', NOW()), ('checked', NULL)`)
    await c.query(`ANALYZE TABLE \`${SRC}\`.orders`)
    // An existing target table under the renamed name: the run must ask before replacing it.
    await c.query(`CREATE TABLE \`${DST}\`.orders_copy (id INT PRIMARY KEY, old_col VARCHAR(10))`)
    await c.query(`INSERT INTO \`${DST}\`.orders_copy VALUES (1, 'stale'), (2, 'stale')`)
  } finally {
    await c.end()
  }
})

test.afterAll(() => dropDatabases(SRC, DST))


/** Picks an option of a Mantine Select / Autocomplete by the start of its label. */
async function choose(page: Page, testId: string, label: RegExp): Promise<void> {
  await page.getByTestId(testId).click()
  await page.getByRole('option', { name: label }).first().click()
}

/** Count and an order-independent checksum of the rows (all columns), optionally filtered. */
async function fingerprint(db: string, table: string, where = '1=1'): Promise<{ n: number; sum: string }> {
  const c = await mysql.createConnection(admin)
  try {
    const [rows] = await c.query(
      `SELECT COUNT(*) AS n, COALESCE(SUM(CRC32(CONCAT_WS('|', id, customer, amount, status, IFNULL(note, '<null>'), created_at))), 0) AS sum
       FROM \`${db}\`.\`${table}\` WHERE ${where}`
    )
    const r = (rows as { n: number | string; sum: number | string }[])[0]!
    return { n: Number(r.n), sum: String(r.sum) }
  } finally {
    await c.end()
  }
}

test('create a sync in the wizard, refuse a hostile filter, run it, confirm the replace, watch it end verified', async ({ page, serve }) => {
  test.setTimeout(120_000)
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => {
    // Refused calls (the hostile filter's 400) are logged by the browser itself; they are expected.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text())
  })
  await rpc(serve, 'connections.create', { name: 'source-db', ...MARIADB_ENDPOINT })
  await rpc(serve, 'connections.create', { name: 'target-db', ...MARIADB_ENDPOINT })
  await rpc(serve, 'connections.create', { name: 'prod-readonly', ...MARIADB_ENDPOINT, readOnly: true })

  await page.setViewportSize({ width: 1360, height: 1000 })
  await page.goto(`${serve.baseUrl}/#token=${serve.token}`)
  await page.getByTestId('navbar').getByText('Syncs', { exact: true }).click()
  await expect(page.getByTestId('syncs-empty')).toBeVisible()
  await page.getByTestId('sync-new').click()
  await expect(page.getByTestId('sync-wizard')).toBeVisible()

  // Step 1: source and target. A read-only connection is not offered as a target.
  await page.getByTestId('sync-name').fill('orders to reporting')
  await choose(page, 'sync-source-connection', /^source-db/)
  await choose(page, 'sync-source-database', new RegExp(`^${SRC}$`))
  await page.getByTestId('sync-target-connection').click()
  await expect(page.getByRole('option', { name: /^prod-readonly/ })).toHaveCount(0)
  await page.getByRole('option', { name: /^target-db/ }).click()
  // Never the source's name as a default (on one server that is the source itself): target-db names
  // no default database, so the field waits for one.
  await expect(page.getByTestId('sync-target-database')).toHaveValue('')
  await page.getByTestId('sync-target-database').fill(DST)
  await page.getByTestId('sync-target-database').press('Escape')
  await expect(page.getByTestId('sync-target-db-state')).toHaveText('exists')
  await page.screenshot({ path: join(SCREENSHOTS, 'sync-wizard-1-endpoints.png'), fullPage: true })
  await page.getByTestId('wizard-next').click()

  // Step 2: tables. Search, pick orders, see the no-key badge on audit_log, open the table's options.
  await expect(page.getByTestId('table-row-orders')).toBeVisible()
  await expect(page.getByTestId('table-row-orders')).toContainText(/~3,000 rows/)
  await expect(page.getByTestId('table-nokey-audit_log')).toBeVisible()
  await expect(page.getByTestId('table-nokey-orders')).toHaveCount(0)
  await page.getByTestId('tables-search').fill('ord')
  await expect(page.getByTestId('table-row-audit_log')).toHaveCount(0)
  await page.getByTestId('tables-select-all').check()
  await page.getByTestId('tables-search').fill('')
  await expect(page.getByTestId('tables-count')).toContainText('1 of 2 tables selected')
  await page.getByTestId('table-expand-orders').click()
  await page.getByTestId('table-target-orders').fill('orders_copy')
  // Hostile first: refused inline as it is typed, naming the part, and Next stays on this step.
  const where = page.getByTestId('table-where-orders')
  await where.fill('1=1; DROP TABLE x')
  await expect(where).toHaveAttribute('aria-invalid', 'true')
  await expect(page.getByTestId('table-options-orders')).toContainText('statement separator')
  await page.screenshot({ path: join(SCREENSHOTS, 'sync-wizard-where-refused.png'), fullPage: true })
  await page.getByTestId('wizard-next').click()
  await expect(page.getByTestId('table-row-orders')).toBeVisible()
  await where.fill('`sleep`(3) = 0')
  await expect(page.getByTestId('table-options-orders')).toContainText(/sleep/i)
  // Fixed: the error goes away with the edit.
  await where.fill(FILTER)
  await expect(where).not.toHaveAttribute('aria-invalid', 'true')
  await page.getByTestId('table-exclude-orders').click()
  await expect(page.getByRole('option', { name: /^note/ })).toBeVisible()
  await page.keyboard.press('Escape')
  await expect(page.getByTestId('table-copied-as-orders')).toHaveText('orders_copy')
  await page.screenshot({ path: join(SCREENSHOTS, 'sync-wizard-2-tables.png'), fullPage: true })
  await page.getByTestId('wizard-next').click()

  // Step 3: options (defaults: replace, create missing, verify).
  await expect(page.getByTestId('opt-on-exists-replace')).toHaveAttribute('data-checked', 'true')
  await page.screenshot({ path: join(SCREENSHOTS, 'sync-wizard-3-options.png'), fullPage: true })
  await page.getByTestId('wizard-next').click()

  // Step 4: a cron schedule with its readable preview and next runs.
  await page.getByTestId('schedule-kind').getByText('Cron', { exact: true }).click()
  await page.getByTestId('schedule-cron').fill('30 3 * * 1-5')
  await expect(page.getByTestId('schedule-description')).toContainText(/03:30/)
  await expect(page.getByTestId('schedule-description')).toContainText(/Monday through Friday/i)
  await expect(page.getByTestId('schedule-next-runs').locator('li')).toHaveCount(5)
  await page.getByTestId('schedule-cron').fill('61 * * * *')
  await expect(page.getByTestId('schedule-cron')).toHaveAttribute('aria-invalid', 'true')
  await page.getByTestId('schedule-cron').fill('30 3 * * 1-5')
  await expect(page.getByTestId('schedule-next-runs').locator('li')).toHaveCount(5)
  await page.screenshot({ path: join(SCREENSHOTS, 'sync-wizard-4-schedule.png'), fullPage: true })
  await page.getByTestId('wizard-next').click()

  // Step 5: review, validate (the servers, with the run's preflight), then Save.
  await expect(page.getByTestId('review-table-orders')).toContainText('orders → orders_copy')
  await expect(page.getByTestId('review-table-orders')).toContainText(`WHERE (${FILTER})`)
  await expect(page.getByTestId('review-schedule')).toContainText('cron 30 3 * * 1-5')
  await page.getByTestId('sync-validate').click()
  await expect(page.getByTestId('sync-validation')).toHaveAttribute('data-ok', 'true')
  await expect(page.getByTestId('sync-validation')).toContainText('orders → orders_copy')
  await page.screenshot({ path: join(SCREENSHOTS, 'sync-wizard-5-review.png'), fullPage: true })
  await page.getByTestId('wizard-save').click()

  // The list: endpoints, tables summary, schedule with its next run.
  const row = page.getByTestId('sync-row-orders to reporting')
  await expect(row).toBeVisible()
  await expect(page.getByTestId('sync-tables-orders to reporting')).toHaveText('1 table (orders)')
  await expect(page.getByTestId('sync-schedule-orders to reporting')).toContainText(/03:30/)
  await expect(page.getByTestId('sync-next-run-orders to reporting')).toContainText(/^next in/)
  await expect(page.getByTestId('sync-last-orders to reporting')).toHaveText('never')
  await expect(row).toContainText(`source-db / ${SRC}`)
  await expect(row).toContainText(`target-db / ${DST}`)
  await page.screenshot({ path: join(SCREENSHOTS, 'syncs-list.png'), fullPage: true })

  // A run that died (killed) left a shadow table on the target: the plan shows it will be cleared.
  const leftover = '_dbt_new_xe2e01_orders_copy'
  const c = await mysql.createConnection(admin)
  await c.query(`CREATE TABLE \`${DST}\`.\`${leftover}\` (id INT PRIMARY KEY)`)

  // Run: the plan lists the existing table it will replace; confirm.
  await page.getByTestId('sync-run-orders to reporting').click()
  const confirm = page.getByTestId('run-confirm')
  await expect(confirm).toBeVisible()
  await expect(page.getByTestId('run-confirm-action-orders_copy')).toHaveText('replace')
  await expect(confirm).toContainText(DST)
  await expect(page.getByTestId('run-confirm-leftovers')).toContainText(leftover)
  await expect(page.getByTestId('run-confirm-swap')).toContainText('atomic RENAME')
  await page.screenshot({ path: join(SCREENSHOTS, 'sync-run-confirm.png'), fullPage: true })
  await page.getByTestId('run-confirm-ok').click()

  // The live run view: succeeded, verified, one consistent point, the log.
  const detail = page.getByTestId('job-detail')
  await expect(detail).toBeVisible()
  await expect(page.getByTestId('job-status')).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 })
  await expect(page.getByTestId('job-table-status-orders')).toHaveText('done')
  await expect(page.getByTestId('job-table-verified-orders')).toContainText('verified')
  await expect(page.getByTestId('job-verification')).toHaveText('verified ✓')
  await expect(page.getByTestId('job-table-bar-orders')).toHaveAttribute('data-percent', '100')
  await expect(page.getByTestId('job-consistency')).not.toHaveText('—')
  await expect(page.getByTestId('job-write-path')).toHaveText(/array binding/)
  await expect(page.getByTestId('job-log')).toContainText('succeeded')
  await expect(page.getByTestId('job-cancel')).toHaveCount(0)
  const written = await page.getByTestId('job-table-rows-orders').innerText()
  await page.screenshot({ path: join(SCREENSHOTS, 'job-run-finished.png'), fullPage: true })

  // The dead run's table was dropped before the run started; the log says so.
  await expect(page.getByTestId('job-log')).toContainText(`cleared what the dead run xe2e01 left: dropped ${leftover}`)
  const [gone] = await c.query('SHOW TABLES FROM `' + DST + "` LIKE '\\_dbt\\_%'")
  expect(gone).toEqual([])
  await c.end()

  // The data: exactly the filtered source rows, byte for byte as far as the checksum can tell.
  const source = await fingerprint(SRC, 'orders', FILTER)
  const target = await fingerprint(DST, 'orders_copy')
  expect(source.n).toBeGreaterThan(0)
  expect(source.n).toBeLessThan(ROWS)
  expect(target).toEqual(source)
  expect(written.replace(/,/g, '')).toBe(String(source.n))

  // Back on the Syncs page the last run shows and links to the job.
  await page.getByTestId('navbar').getByText('Syncs', { exact: true }).click()
  await expect(page.getByTestId('sync-last-orders to reporting')).toContainText('succeeded')
  await page.getByTestId('sync-last-link-orders to reporting').click()
  await expect(page.getByTestId('job-detail')).toBeVisible()
  expect(errors).toEqual([])
})

test('editing a sync keeps its settings; a second run while one is active is refused with a link to it', async ({ page, serve }) => {
  const src = await rpc<{ id: string }>(serve, 'connections.create', { name: 'src', ...MARIADB_ENDPOINT })
  const dst = await rpc<{ id: string }>(serve, 'connections.create', { name: 'dst', ...MARIADB_ENDPOINT })
  const sync = await rpc<{ id: string }>(serve, 'syncs.create', {
    name: 'all orders',
    sourceConnectionId: src.id,
    targetConnectionId: dst.id,
    sourceDatabase: SRC,
    targetDatabase: `${DST}_new`,
    allTables: { include: ['ord*'], exclude: ['tmp_*'] },
    options: { writePath: 'load-data' },
    schedule: { kind: 'interval', every: '6h', catchUp: true }
  })
  try {
    await page.setViewportSize({ width: 1360, height: 1000 })
    await page.goto(`${serve.baseUrl}/#token=${serve.token}`)
    await page.getByTestId('navbar').getByText('Syncs', { exact: true }).click()
    await expect(page.getByTestId('sync-tables-all orders')).toHaveText('all tables matching ord* except tmp_*')
    await expect(page.getByTestId('sync-schedule-all orders')).toContainText('6h')

    await page.getByTestId('sync-edit-all orders').click()
    await expect(page.getByTestId('sync-name')).toHaveValue('all orders')
    await expect(page.getByTestId('sync-source-database')).toHaveValue(SRC)
    await expect(page.getByTestId('sync-target-connection')).toHaveValue(/^dst/)
    await expect(page.getByTestId('sync-target-db-state')).toContainText('new')
    await page.screenshot({ path: join(SCREENSHOTS, 'sync-wizard-edit.png'), fullPage: true })
    await page.getByTestId('wizard-step-tables').click()
    await expect(page.getByTestId('tables-count')).toContainText('1 of 2 tables match now')
    await expect(page.getByTestId('table-row-orders')).toHaveAttribute('data-included', 'true')
    await expect(page.getByTestId('table-row-audit_log')).toHaveAttribute('data-included', 'false')
    await page.screenshot({ path: join(SCREENSHOTS, 'sync-wizard-all-tables.png'), fullPage: true })
    await page.getByTestId('wizard-step-options').click()
    await expect(page.getByTestId('opt-write-path')).toHaveValue('LOAD DATA LOCAL INFILE')
    await page.getByTestId('wizard-step-schedule').click()
    await expect(page.getByTestId('schedule-every')).toHaveValue('6h')
    await expect(page.getByTestId('schedule-catch-up')).toBeChecked()
    await page.getByTestId('schedule-every').fill('15m')
    await expect(page.getByTestId('schedule-description')).toContainText('15m')
    await page.getByTestId('wizard-save').click()
    await expect(page.getByTestId('sync-schedule-all orders')).toContainText('15m')
    expect((await rpc<{ options?: { writePath?: string } }>(serve, 'syncs.get', { id: sync.id })).options?.writePath).toBe('load-data')

    // A run started elsewhere (API, schedule) and still active: Run in the UI says so and links to it.
    // The job engine finishes a table this small in well under a second, so the refusal is staged
    // with a routed answer carrying the real job's id, exactly as the server words it.
    const { jobId } = await rpc<{ jobId: string }>(serve, 'syncs.run', { id: sync.id })
    await expect.poll(async () => (await rpc<{ status: string }>(serve, 'jobs.get', { id: jobId })).status, { timeout: 30_000 }).toBe('succeeded')
    await page.route('**/api/rpc/syncs.run', (route) =>
      route.fulfill({
        status: 409,
        contentType: 'application/json',
        body: JSON.stringify({
          ok: false,
          error: { code: 'JOB_ALREADY_ACTIVE', message: `Sync "all orders" already has an active job (${jobId}).`, details: { jobId } }
        })
      })
    )
    await page.getByTestId('sync-run-all orders').click()
    // The target exists now (the API run created it): confirm the replace first.
    await page.getByTestId('run-confirm-ok').click()
    await expect(page.getByTestId('run-active')).toContainText('already has an active job')
    await page.screenshot({ path: join(SCREENSHOTS, 'sync-run-already-active.png') })
    await page.getByTestId('run-active-link').click()
    await expect(page.getByTestId('job-detail')).toBeVisible()
    expect(new URL(page.url()).hash).toBe(`#/jobs/${jobId}`)
    await expect(page.getByTestId('job-status')).toHaveAttribute('data-status', 'succeeded')
  } finally {
    const c = await mysql.createConnection(admin)
    await c.query(`DROP DATABASE IF EXISTS \`${DST}_new\``).finally(() => c.end())
  }
})
