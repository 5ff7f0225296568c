import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import mysql from 'mysql2/promise'
import type { Page } from '@playwright/test'
import { dropDatabases, expect, MARIADB_ADMIN, MARIADB_ENDPOINT, SCREENSHOTS, test } from './fixtures'

/**
 * Issue 3 end to end: add a connection through the form against the local MariaDB, test it, read
 * the report, save it, browse down to a column; and a wrong port answered with CONNECTION_REFUSED.
 * Only ever connects to the test server (DBT_TEST_MYSQL_URL, loopback only, or 127.0.0.1:3306).
 */

const DB = `dbt_e2e_conn_${process.pid}_${Date.now().toString(36)}`
const admin = MARIADB_ADMIN

test.beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const c = await mysql.createConnection(admin)
  try {
    await c.query(`CREATE DATABASE \`${DB}\` CHARACTER SET utf8mb4`)
    await c.query(
      `CREATE TABLE \`${DB}\`.customers (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, email VARCHAR(190) NOT NULL UNIQUE, note TEXT NULL, created_at DATETIME(6) NOT NULL)`
    )
    await c.query(`CREATE TABLE \`${DB}\`.audit_log (msg TEXT, at DATETIME NULL)`)
    await c.query(`INSERT INTO \`${DB}\`.customers (email, note, created_at) VALUES ('a@example.com', NULL, NOW(6)), ('b@example.com', 'vip', NOW(6))`)
  } finally {
    await c.end()
  }
})

test.afterAll(() => dropDatabases(DB))

async function openConnections(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/#token=${token}`)
  await page.getByTestId('navbar').getByText('Connections', { exact: true }).click()
  await expect(page.getByTestId('connections')).toBeVisible()
}

async function fillBasics(page: Page, name: string, port: string): Promise<void> {
  await page.getByTestId('connection-new').click()
  await page.getByTestId('conn-name').fill(name)
  await page.getByTestId('conn-host').fill(admin.host)
  await page.getByTestId('conn-port').fill(port)
  await page.getByTestId('conn-user').fill(admin.user)
  await page.getByTestId('conn-password').fill(admin.password)
}

test('add a connection through the form, test it, see the report, save, browse to a column', async ({ page, serve }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text())
  })
  await page.setViewportSize({ width: 1360, height: 1000 })
  await openConnections(page, serve.baseUrl, serve.token)
  await expect(page.getByTestId('connections-empty')).toBeVisible()

  await fillBasics(page, 'local-mariadb', String(admin.port))
  await page.getByTestId('conn-database').fill(DB)
  await page.getByTestId('conn-test').click()

  const report = page.getByTestId('test-report')
  await expect(report).toBeVisible()
  await expect(page.getByTestId('test-report-version')).toContainText(/MariaDB 10\.\d+/)
  await expect(page.getByTestId('test-report-latency')).toContainText('ms')
  await expect(page.getByTestId('test-report-max_allowed_packet')).toContainText(/\d+(\.\d)? (B|KiB|MiB|GiB)/)
  await expect(page.getByTestId('test-report-charset')).toContainText(/utf8|latin1/)
  await expect(page.getByTestId('test-report-time_zone')).not.toBeEmpty()
  await expect(page.getByTestId('test-report-local_infile')).toContainText(/ON|OFF/)
  // root holds every privilege: all check marks.
  await expect(page.getByTestId('test-report-privileges-source')).toContainText('✓ SELECT')
  await expect(page.getByTestId('test-report-privileges-target')).toContainText('✓ INSERT')
  await expect(page.getByTestId('test-report-privileges-target').locator('[data-granted="false"]')).toHaveCount(0)
  await page.getByTestId('connection-form').screenshot({ path: join(SCREENSHOTS, 'connection-form-report.png') })
  await page.screenshot({ path: join(SCREENSHOTS, 'connection-form-page.png') })

  await page.getByTestId('conn-save').click()
  await expect(page.getByTestId('connection-form')).toBeHidden()
  const row = page.getByTestId('connection-row-local-mariadb')
  await expect(row).toBeVisible()
  await expect(row).toContainText(`${admin.host}:${admin.port}`)
  await expect(page.getByTestId('connection-status-local-mariadb')).toHaveAttribute('data-state', /idle|connected|degraded/)

  // Browse: database -> table -> column. Opening the pool turns the status green via the live event.
  await page.getByTestId('browse-local-mariadb').click()
  await page.getByTestId(`db-${DB}`).click()
  const customers = page.getByTestId(`table-${DB}.customers`)
  await expect(customers).toBeVisible()
  await expect(customers).toContainText(/rows?/)
  await expect(page.getByTestId(`nokey-${DB}.customers`)).toHaveCount(0)
  await expect(page.getByTestId(`nokey-${DB}.audit_log`)).toBeVisible()
  await customers.click()
  const email = page.getByTestId(`column-${DB}.customers.email`)
  await expect(email).toBeVisible()
  await expect(email).toContainText('varchar(190)')
  await expect(email).toContainText('UNI')
  await expect(email).toContainText('NOT NULL')
  await expect(page.getByTestId(`column-${DB}.customers.id`)).toContainText('PRI')
  await expect(page.getByTestId(`column-${DB}.customers.note`)).toContainText('NULL')
  await expect(page.getByTestId('connection-status-local-mariadb')).toHaveAttribute('data-state', 'connected')
  await expect(page.getByTestId('connection-latency-local-mariadb')).toContainText('ms')
  await page.screenshot({ path: join(SCREENSHOTS, 'connections-browse.png'), fullPage: true })

  // Edit: the saved password shows as set/not set, and the form is prefilled.
  await page.getByTestId('edit-local-mariadb').click()
  await expect(page.getByTestId('conn-name')).toHaveValue('local-mariadb')
  await expect(page.getByTestId('conn-password-state')).toHaveText('not set')
  await page.getByTestId('conn-test').click()
  await expect(page.getByTestId('test-report-version')).toContainText('MariaDB')
  await page.getByTestId('conn-cancel').click()

  // Delete with confirmation.
  await page.getByTestId('delete-local-mariadb').click()
  await page.getByTestId('delete-confirm').click()
  await expect(page.getByTestId('connection-row-local-mariadb')).toHaveCount(0)
  await expect(page.getByTestId('connections-empty')).toBeVisible()
  expect(errors).toEqual([])
})

test('a wrong port is reported as CONNECTION_REFUSED, and invalid fields are marked inline', async ({ page, serve }) => {
  await openConnections(page, serve.baseUrl, serve.token)
  await fillBasics(page, 'nowhere', '1')
  await page.getByTestId('conn-test').click()
  const error = page.getByTestId('test-error')
  await expect(error).toBeVisible()
  await expect(page.getByTestId('test-error-code')).toHaveText('CONNECTION_REFUSED')
  await page.getByTestId('connection-form').screenshot({ path: join(SCREENSHOTS, 'connection-form-refused.png') })

  // The server's validation lands on the field: a host with a space in it.
  await page.getByTestId('conn-host').fill('bad host')
  await page.getByTestId('conn-save').click()
  await expect(page.getByTestId('connection-form')).toContainText('Host must be a host name or an IP address')
  await expect(page.getByTestId('connection-row-nowhere')).toHaveCount(0)

  // A port out of range is refused with its range, never quietly clamped to 65535.
  await page.getByTestId('conn-host').fill(admin.host)
  await page.getByTestId('conn-port').fill('99999')
  await page.getByTestId('conn-user').click()
  await expect(page.getByTestId('conn-port')).toHaveValue('99999')
  await page.getByTestId('conn-save').click()
  await expect(page.getByTestId('connection-form')).toContainText('65535')
  await page.getByTestId('connection-form').screenshot({ path: join(SCREENSHOTS, 'connection-form-port-range.png') })
  await expect(page.getByTestId('connection-row-nowhere')).toHaveCount(0)
})

test('a saved password shows as set; Test while editing reuses it; Clear removes it', async ({ page, serve }) => {
  const rpc = async (method: string, input: unknown): Promise<{ ok: boolean; data?: { id: string; passwordSet: boolean }; error?: { code: string } }> => {
    const res = await fetch(`${serve.baseUrl}/api/rpc/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(input)
    })
    return (await res.json()) as { ok: boolean; data?: { id: string; passwordSet: boolean } }
  }
  const created = await rpc('connections.create', { name: 'stale-secret', ...MARIADB_ENDPOINT, password: 'not-the-password' })
  expect(created.ok).toBe(true)

  await page.setViewportSize({ width: 1360, height: 1000 })
  await openConnections(page, serve.baseUrl, serve.token)
  await page.getByTestId('edit-stale-secret').click()
  await expect(page.getByTestId('conn-password-state')).toHaveText('set')
  await expect(page.getByTestId('conn-password')).not.toContainText('not-the-password')
  // Untouched, the saved (wrong) password is used for the test.
  await page.getByTestId('conn-test').click()
  await expect(page.getByTestId('test-error-code')).toHaveText('AUTH_FAILED')
  await page.getByTestId('connection-form').screenshot({ path: join(SCREENSHOTS, 'connection-form-edit-auth-failed.png') })

  // Clear sends "" (root has no password here): the test passes and Save stores "not set".
  await page.getByTestId('conn-password-clear').click()
  await expect(page.getByTestId('conn-password-state')).toHaveText('will be cleared')
  await page.getByTestId('conn-test').click()
  await expect(page.getByTestId('test-report-version')).toContainText('MariaDB')
  await page.getByTestId('conn-save').click()
  await expect(page.getByTestId('connection-form')).toBeHidden()
  const after = await rpc('connections.get', { id: created.data!.id })
  expect(after.data!.passwordSet).toBe(false)
})
