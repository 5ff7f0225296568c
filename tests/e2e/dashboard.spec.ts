import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { LATEST_SCHEMA_VERSION } from '../../src/main/sync/store/migrations'
import { expect, MARIADB_ENDPOINT, SCREENSHOTS, test } from './fixtures'

test.beforeAll(() => mkdirSync(SCREENSHOTS, { recursive: true }))

test('the Dashboard shows the live status of db-taxi serve', async ({ page, serve }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text())
  })
  await page.goto(`${serve.baseUrl}/#token=${serve.token}`)

  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible()
  await expect(page.getByTestId('store-status')).toContainText('OK')
  await expect(page.getByTestId('sync-status')).toContainText('running')
  // Whole values, not digits found somewhere ('10' contains '0').
  await expect(page.getByTestId('store-schema-version')).toHaveText(String(LATEST_SCHEMA_VERSION))
  await expect(page.getByTestId('counter-connections')).toHaveText('0')
  await expect(page.getByTestId('counter-jobs-total')).toHaveText('0')
  await expect(page.getByTestId('mode')).toContainText('headless')
  // The token left the address bar and lives in this tab's sessionStorage only.
  expect(new URL(page.url()).hash).toBe('')
  expect(await page.evaluate("sessionStorage.getItem('dbTaxi.token')")).toBe(serve.token)
  await page.screenshot({ path: join(SCREENSHOTS, 'dashboard.png'), fullPage: true })

  // The counters follow the store: one connection saved through the API shows as 1 once the
  // Dashboard refreshes its status.
  const created = await fetch(`${serve.baseUrl}/api/rpc/connections.create`, {
    method: 'POST',
    headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'counted', ...MARIADB_ENDPOINT })
  })
  expect(created.status).toBe(200)
  await page.reload()
  await expect(page.getByTestId('counter-connections')).toHaveText('1')
  await expect(page.getByTestId('counter-jobs-total')).toHaveText('0')

  // Navigation reaches every page of the shell.
  for (const name of ['Connections', 'Syncs', 'Jobs', 'Settings']) {
    await page.getByTestId('navbar').getByText(name, { exact: true }).click()
    await expect(page.getByRole('heading', { name, exact: true })).toBeVisible()
  }
  await page.reload()
  await expect(page.getByRole('heading', { name: 'Settings', exact: true })).toBeVisible()
  expect(errors).toEqual([])
})

test('/api refuses requests without the token, and the UI explains how to get in', async ({ page, request, serve }) => {
  const noToken = await request.get(`${serve.baseUrl}/api/status`)
  expect(noToken.status()).toBe(401)
  const rpc = await request.post(`${serve.baseUrl}/api/rpc/system.status`, { data: {} })
  expect(rpc.status()).toBe(401)
  expect(await rpc.json()).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } })

  await page.goto(`${serve.baseUrl}/`)
  await expect(page.getByTestId('token-required')).toBeVisible()
  await page.goto(`${serve.baseUrl}/#token=wrong-token`)
  await expect(page.getByTestId('token-required')).toHaveAttribute('data-reason', 'unauthorized')
})

test('settings saved in the UI persist and show their source', async ({ page, serve }) => {
  await page.goto(`${serve.baseUrl}/#token=${serve.token}`)
  await page.getByTestId('navbar').getByText('Settings', { exact: true }).click()
  const input = page.getByTestId('setting-input-sync.max_concurrency')
  await input.fill('3')
  await page.getByTestId('setting-save-sync.max_concurrency').click()
  await expect(page.getByTestId('setting-source-sync.max_concurrency')).toContainText('settings')
  await page.screenshot({ path: join(SCREENSHOTS, 'settings.png'), fullPage: true })

  const res = await fetch(`${serve.baseUrl}/api/rpc/settings.get`, { method: 'POST', headers: { authorization: `Bearer ${serve.token}` } })
  const view = (await res.json()) as { data: { settings: { key: string; value: unknown }[] } }
  expect(view.data.settings.find((s) => s.key === 'sync.max_concurrency')?.value).toBe(3)

  await page.reload()
  await expect(page.getByTestId('setting-input-sync.max_concurrency')).toHaveValue('3')
})
